/**
 * Where the job's extraction time goes (issue 14, item 1), on PostgreSQL with the `attempt` VIEW
 * of bench/job.ts: each line adds one stage to the one before.
 *   1. the server alone: the SELECT behind the VIEW formatted by COPY, written to /dev/null;
 *   2. + the transfer: COPY TO STDOUT read by the client, bytes counted;
 *   3. + the parse: CopyTextParser with the extraction's column kinds, fields dropped;
 *   4. + the builder: the job's extractObservations into a ResponseBuilder, and build().
 *
 *   node --import tsx bench/copy-phases.ts [users]      (default 200,000 users x 50 = 10M)
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CopyTextParser } from '../src/data/copy-text.js';
import { extractObservations } from '../src/data/extract.js';
import { openPgDb } from '../src/data/pg-db.js';
import { ResponseBuilder } from '../src/engine/responses.js';
import { createBenchData } from './job.js';

const ADMIN = process.env.MIRT_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// The extraction's SELECT for the attempt VIEW (data/extract.ts), with the window inlined.
const EPOCH = "round(date_part('epoch', a.completed_at) * 1000)::bigint::text";
const SELECT = `SELECT a.student_id::text, a.item_id::text, a.correct::text, ${EPOCH}
  FROM attempt a WHERE a.completed_at >= now() - interval '30 days'`;

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  let best = Number.POSITIVE_INFINITY;
  let out: T | undefined;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    out = await fn();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  console.log(`  ${label}: ${best.toFixed(2)} s (min of 3)`);
  return out as T;
}

export async function benchCopyPhases(users = 200_000): Promise<void> {
  const name = `mirt_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  const db = await openPgDb(u.toString());
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await createBenchData(db, users, 50, 1000);
    console.log(`== extraction phases, ${users * 50} answers behind the attempt VIEW (PostgreSQL)`);
    await timed('1 server: SELECT + COPY formatting to /dev/null', () =>
      client.query(`COPY (${SELECT}) TO '/dev/null'`),
    );
    // What the server's side is made of: the same rows with less conversion per row.
    for (const [label, cols] of [
      ['ids and correctness only (no time)', 'a.student_id::text, a.item_id::text, a.correct::text'],
      ['time as timestamptz text', 'a.student_id::text, a.item_id::text, a.correct::text, a.completed_at'],
      ['no ::text casts, epoch ms', `a.student_id, a.item_id, a.correct, ${EPOCH}`],
      ['count(*) only (scan and filter)', null],
    ] as const) {
      const sql = SELECT.replace(/^SELECT[\s\S]*?FROM/, `SELECT ${cols ?? 'count(*)'} FROM`);
      await timed(`  1' server, ${label}`, () =>
        cols === null ? client.query(sql) : client.query(`COPY (${sql}) TO '/dev/null'`),
      );
    }
    const bytes = await timed('2 + transfer: COPY TO STDOUT read by the client', async () => {
      let n = 0;
      for await (const c of client.query(copyTo(`COPY (${SELECT}) TO STDOUT`))) n += (c as Buffer).length;
      return n;
    });
    console.log(`    (${(bytes / 2 ** 20).toFixed(0)} MiB of COPY text)`);
    await timed('3 + parse: CopyTextParser (text, text, bool, int), fields dropped', async () => {
      const p = new CopyTextParser(['text', 'text', 'bool', 'int'], () => {});
      for await (const c of client.query(copyTo(`COPY (${SELECT}) TO STDOUT`))) p.push(c as Buffer);
      p.end();
    });
    await timed('4 + builder: extractObservations + build()', async () => {
      const b = new ResponseBuilder();
      await extractObservations(
        db,
        b,
        { lookbackDays: 30, topicId: null, subjectId: null, maxObs: null },
        { info: () => {}, warn: () => {} },
      );
      return b.build().nObs;
    });
  } finally {
    await client.end();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  await benchCopyPhases(Number(process.argv[2] ?? 200_000));
