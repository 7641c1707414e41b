/**
 * Benchmark of the nightly job's phases (not a test): 10M observations (200,000 users x 50 of
 * 1,000 items, 30 days) behind an `attempt` VIEW on PostgreSQL, and 1M on the embedded PGlite.
 * Prints seconds for extraction (COPY into typed arrays, hygiene included), calibration (EM and
 * standard errors), scoring (EAP), upsert (one transaction), and the peak RSS.
 *
 *   node --import tsx bench/job.ts [pg|pglite]      (both by default)
 * PostgreSQL: MIRT_BENCH_PG_URL or postgresql://postgres@127.0.0.1:5432/postgres (a throwaway
 * database is created and dropped).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { LocalCalibrator } from '../src/calibrators/local.js';
import type { Db } from '../src/data/db.js';
import { extractObservations } from '../src/data/extract.js';
import { migrate } from '../src/data/migrations.js';
import { openPgDb } from '../src/data/pg-db.js';
import { openPgliteDb } from '../src/data/pglite-db.js';
import { writeResults } from '../src/data/write-results.js';
import { ResponseBuilder } from '../src/engine/responses.js';

const ADMIN = process.env.MIRT_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Users x items answers with a 2PL truth, generated inside the database (fixed seed). */
export async function createBenchData(db: Db, users: number, perUser: number, items: number): Promise<void> {
  await db.query('SELECT setseed(0.42)');
  await db.query(`CREATE TABLE bench_item AS
    SELECT i, exp(0.3 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())) AS a,
           sqrt(-2 * ln(random())) * cos(2 * pi() * random()) AS b
      FROM generate_series(0, ${items - 1}) i`);
  await db.query(`CREATE TABLE bench_user AS
    SELECT u, sqrt(-2 * ln(random())) * cos(2 * pi() * random()) AS theta FROM generate_series(0, ${users - 1}) u`);
  // User u answers items (u*7 + k*997) mod 1000, k < perUser: distinct because 997 is prime to 1000.
  await db.query(`CREATE TABLE attempt_log AS
    SELECT 'u' || bu.u AS student_id, bi.i AS question_id,
           random() < 1 / (1 + exp(-bi.a * (bu.theta - bi.b))) AS is_correct,
           now() - random() * interval '29 days' AS completed_at
      FROM bench_user bu CROSS JOIN generate_series(0, ${perUser - 1}) k
      JOIN bench_item bi ON bi.i = (bu.u * 7 + k * 997) % ${items}`);
  await db.query(
    'CREATE VIEW attempt AS SELECT student_id, question_id AS item_id, is_correct AS correct, completed_at FROM attempt_log',
  );
  // A production table has been vacuumed: without this the first read of freshly loaded rows
  // also sets their hint bits (writes), which is a cost of the load, not of the job.
  await db.query('VACUUM ANALYZE attempt_log');
}

async function phases(db: Db, label: string): Promise<void> {
  const t0 = performance.now();
  const builder = new ResponseBuilder();
  const ex = await extractObservations(
    db,
    builder,
    { lookbackDays: 30, topicId: null, subjectId: null, maxObs: null },
    {
      info: () => {},
      warn: () => {},
    },
  );
  const data = builder.build();
  const tExtract = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const result = await new LocalCalibrator().calibrate(data, {
    model: '2PL',
    version: 'vbench',
    runId: 'fit-bench',
  });
  const tCal = (performance.now() - t1) / 1000;
  const timings = result.fit_meta.metrics.timings as
    | { em: number; se: number; scoring: number; itemFit: number }
    | undefined;

  await migrate(db);
  const t2 = performance.now();
  await writeResults(db, result, {
    version: 'vbench',
    runId: 'fit-bench',
    model: '2PL',
    updateQuestionMeta: false,
    retainVersions: null,
  });
  const tUp = (performance.now() - t2) / 1000;
  const total = (performance.now() - t0) / 1000;
  const scoring = timings?.scoring ?? Number.NaN;
  console.log(
    `${label}: ${ex.rows} observations (${data.nUsers} users, ${data.nItems} items)\n` +
      `  extraction ${tExtract.toFixed(2)} s | calibration ${(tCal - scoring).toFixed(2)} s (EM ${timings?.em.toFixed(2)} s, cycles ${result.fit_meta.metrics.cycles}) | ` +
      `scoring ${scoring.toFixed(2)} s | upsert ${tUp.toFixed(2)} s (${result.item_params.length} items, ${result.abilities.length} abilities) | ` +
      `total ${total.toFixed(2)} s | peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
}

export async function benchJobPg(users = 200_000, perUser = 50, items = 1000): Promise<void> {
  const name = `mirt_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  const db = await openPgDb(u.toString());
  try {
    const t = performance.now();
    await createBenchData(db, users, perUser, items);
    console.log(
      `PostgreSQL: generated ${users * perUser} attempts in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    await phases(db, 'PostgreSQL');
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

export async function benchJobPglite(users = 20_000, perUser = 50, items = 1000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mirt-bench-'));
  const db = await openPgliteDb(join(dir, 'data'));
  try {
    const t = performance.now();
    await createBenchData(db, users, perUser, items);
    console.log(
      `PGlite: generated ${users * perUser} attempts in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    await phases(db, 'PGlite');
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both runs; bench/run.ts may call this. */
export async function benchJob(): Promise<void> {
  await benchJobPg();
  await benchJobPglite();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2];
  const run = which === 'pg' ? benchJobPg() : which === 'pglite' ? benchJobPglite() : benchJob();
  run.then(
    () => console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
