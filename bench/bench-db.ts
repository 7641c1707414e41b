/**
 * What the database benchmarks share (job.ts, copy-phases.ts, shards.ts): the answer data of
 * issue 14's job target generated inside the database (a 2PL truth, fixed seed, 30 days) behind
 * an `attempt` VIEW, a throwaway PostgreSQL database or PGlite folder holding it, and the CPU
 * time of this process and of the PostgreSQL backend serving it (on a shared machine the wall
 * time measures the neighbours as much as the program; CPU seconds do not).
 *
 * PostgreSQL: MIRT_BENCH_PG_URL or postgresql://postgres@127.0.0.1:5432/postgres. A generated
 * database is dropped at the end unless MIRT_BENCH_KEEP_DB=1, which keeps it under a name that
 * says its size and reuses it on the next run (10M answers take a minute or two to generate).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { type Db, ident } from '../src/data/db.js';
import { openPgDb } from '../src/data/pg-db.js';
import { openPgliteDb } from '../src/data/pglite-db.js';

export const ADMIN_URL = process.env.MIRT_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const KEEP = process.env.MIRT_BENCH_KEEP_DB === '1';

export interface AnswerSpec {
  readonly users: number;
  readonly perUser: number;
  readonly items: number;
}

/** Issue 14's job targets: 10M answers on PostgreSQL, 1M on the embedded database. */
export const PG_ANSWERS: AnswerSpec = { users: 200_000, perUser: 50, items: 1000 };
export const PGLITE_ANSWERS: AnswerSpec = { users: 20_000, perUser: 50, items: 1000 };

export const answerCount = (s: AnswerSpec) => s.users * s.perUser;

/**
 * Users x perUser answers of `items` items with a 2PL truth, answered in the last 29 days.
 * User u answers items (u*7 + k*997) mod items, k < perUser: distinct while 997 is prime to
 * `items`. The VIEW renames columns as a platform's does.
 */
export async function createAttemptData(db: Db, s: AnswerSpec): Promise<void> {
  await db.query('SELECT setseed(0.42)');
  await db.query(`CREATE TABLE bench_item AS
    SELECT i, exp(0.3 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())) AS a,
           sqrt(-2 * ln(random())) * cos(2 * pi() * random()) AS b
      FROM generate_series(0, ${s.items - 1}) i`);
  await db.query(`CREATE TABLE bench_user AS
    SELECT u, sqrt(-2 * ln(random())) * cos(2 * pi() * random()) AS theta FROM generate_series(0, ${s.users - 1}) u`);
  await db.query(`CREATE TABLE attempt_log AS
    SELECT 'u' || bu.u AS student_id, bi.i AS question_id,
           random() < 1 / (1 + exp(-bi.a * (bu.theta - bi.b))) AS is_correct,
           now() - random() * interval '29 days' AS completed_at
      FROM bench_user bu CROSS JOIN generate_series(0, ${s.perUser - 1}) k
      JOIN bench_item bi ON bi.i = (bu.u * 7 + k * 997) % ${s.items}`);
  await db.query(
    'CREATE VIEW attempt AS SELECT student_id, question_id AS item_id, is_correct AS correct, completed_at FROM attempt_log',
  );
  // A production table has been vacuumed: without this the first read of freshly loaded rows
  // also sets their hint bits (writes), which is a cost of the load, not of the job.
  await db.query('VACUUM ANALYZE attempt_log');
}

export interface BenchDb {
  readonly url: string;
  readonly db: Db;
  /** Closes the connection and drops the database (unless kept). */
  close(): Promise<void>;
}

/**
 * A PostgreSQL database holding `s`'s answers (generated, or the kept one of an earlier run).
 * The data time is printed: it is not part of any figure.
 */
export async function pgAttemptDb(s: AnswerSpec): Promise<BenchDb> {
  const name = KEEP
    ? `mirt_bench_keep_${s.users}x${s.perUser}x${s.items}`
    : `mirt_bench_${Math.random().toString(16).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const exists =
    KEEP && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  if (!exists) {
    await admin.query(`CREATE DATABASE ${name}`);
    // run.ts drops the databases its sections created and kept for each other.
    if (KEEP && process.env.MIRT_BENCH_CREATED) appendFileSync(process.env.MIRT_BENCH_CREATED, `${name}\n`);
  }
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await openPgDb(url);
  try {
    if (exists) console.log(`PostgreSQL: reusing ${name} (MIRT_BENCH_KEEP_DB=1)`);
    else {
      const t = performance.now();
      await createAttemptData(db, s);
      console.log(`PostgreSQL: generated ${answerCount(s)} answers in ${secs(performance.now() - t)}`);
    }
  } catch (e) {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    throw e;
  }
  return {
    url,
    db,
    async close() {
      await db.close();
      if (!KEEP) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * The embedded database in a temporary folder holding `s`'s answers, closed again so that a job
 * can open it as `run` does; `url` is the data folder.
 */
export async function pgliteAttemptDb(s: AnswerSpec): Promise<BenchDb> {
  const dir = mkdtempSync(join(tmpdir(), 'mirt-bench-'));
  const db = await openPgliteDb(join(dir, 'data'));
  const t = performance.now();
  await createAttemptData(db, s);
  await db.close();
  console.log(`PGlite: generated ${answerCount(s)} answers in ${secs(performance.now() - t)}`);
  return {
    url: join(dir, 'data'),
    db,
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Drops what a job run leaves (every mirt_* table and view, with the migration record), so each
 * run on a shared or kept database starts as the first night does.
 */
export async function dropJobTables(db: Db): Promise<void> {
  const rows = await db.query<{ name: string; kind: string }>(
    `SELECT c.relname::text AS name, c.relkind::text AS kind FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'p') AND c.relname LIKE 'mirt\\_%'
      ORDER BY c.relkind = 'v' DESC`,
  );
  for (const { name, kind } of rows)
    await db.query(`DROP ${kind === 'v' ? 'VIEW' : 'TABLE'} IF EXISTS ${ident(name)} CASCADE`);
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** CPU seconds (user + system) of this process so far. */
export function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds (user + system) of a process on this machine (a PostgreSQL backend), from /proc. */
export function processCpu(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN; // the server runs elsewhere
  }
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** The backend process of a Db's connection, for processCpu (NaN on PGlite or a remote server). */
export async function backendPid(db: Db): Promise<number> {
  if (db.kind !== 'pg') return Number.NaN;
  const r = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return r[0].pid;
}

export interface Timing {
  /** Wall seconds. */
  readonly wall: number;
  /** This process's CPU seconds. */
  readonly cpu: number;
  /** The PostgreSQL backend's CPU seconds (NaN when unknown). */
  readonly server: number;
}

/** Runs fn once, measuring wall, own CPU and (when `pid` is a local backend) the server's CPU. */
export async function timeOnce<T>(fn: () => Promise<T>, pid = Number.NaN): Promise<[Timing, T]> {
  const s0 = processCpu(pid);
  const c0 = ownCpu();
  const t0 = performance.now();
  const out = await fn();
  const wall = (performance.now() - t0) / 1000;
  return [{ wall, cpu: ownCpu() - c0, server: processCpu(pid) - s0 }, out];
}

/** The minimum of each figure over `n` runs (each figure's own minimum). */
export async function timeMin<T>(n: number, fn: () => Promise<T>, pid = Number.NaN): Promise<[Timing, T]> {
  let best: Timing = { wall: Infinity, cpu: Infinity, server: Infinity };
  let out: T | undefined;
  for (let i = 0; i < n; i++) {
    const [t, o] = await timeOnce(fn, pid);
    best = {
      wall: Math.min(best.wall, t.wall),
      cpu: Math.min(best.cpu, t.cpu),
      server: Math.min(best.server, t.server),
    };
    out = o;
  }
  return [best, out as T];
}

/** "1.23 s (CPU 0.98 s + server 0.40 s)". */
export function showTiming(t: Timing): string {
  const server = Number.isFinite(t.server) ? ` + server ${t.server.toFixed(2)} s` : '';
  return `${t.wall.toFixed(2)} s (CPU ${t.cpu.toFixed(2)} s${server})`;
}
