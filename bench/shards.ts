/**
 * Benchmark of the split mode (not a test; issue 16):
 *
 * 1. `pg`: 10M answers (200,000 learners x 50 of 1,000 items, 30 days) behind an `attempt` VIEW
 *    on PostgreSQL; the run calibrates on a 10% sample with --score shards, then
 *    `mirt-calibrate score` (the built CLI, one process per shard) scores everyone in 1, 2 and 4
 *    concurrent shard processes. Prints wall time, answers per second, the speed-up, each
 *    shard's own time and peak memory, and the server's cost of one shard's filtered scan.
 * 2. `sample`: a simulated 200,000-learner bank (50 of 1,000 items each, plus 10 rare items)
 *    calibrated on stratified samples of 5%, 10%, 25% and 100%: RMSE of a and b against the
 *    truth (all items, rare items), time, and the share of items within the 95% interval of
 *    the full-data estimates.
 *
 *   npm run build && node --import tsx bench/shards.ts [pg|sample]
 * PostgreSQL: as bench-db.ts says (MIRT_BENCH_PG_URL; a throwaway database, or the kept one).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { shardExpr } from '../src/data/shards.js';
import { ResponseBuilder, type ResponseData } from '../src/engine/responses.js';
import { normalDraw, seededRandom } from '../src/engine/simulate.js';
import type { CalibrationResult } from '../src/engine/types.js';
import { calibrate } from '../src/index.js';
import { loadConfig } from '../src/job/config.js';
import { runJob } from '../src/job/run-job.js';
import { stratifiedSample } from '../src/job/sample.js';
import { type AnswerSpec, answerCount, dropJobTables, PG_ANSWERS, pgAttemptDb } from './bench-db.js';

const CLI = join(import.meta.dirname, '../dist/job/cli.js');

interface ShardRun {
  readonly seconds: number;
  /** The process's own CPU seconds (user + system): what a pod with a core to itself would take. */
  readonly cpu: number;
  readonly phases: string;
  readonly learners: number;
  readonly maxRssMiB: number;
}

/** One `score` process of the built CLI: the seconds= it reports and its peak RSS. */
function scoreProcess(url: string, version: string, shard: string): Promise<ShardRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '-e',
        // Run the CLI in this process and report its peak RSS when it exits.
        `process.on('exit', () => { const r = process.resourceUsage(); process.stderr.write('RSS ' + r.maxRSS + ' CPU ' + (r.userCPUTime + r.systemCPUTime) / 1e6 + '\\n'); }); process.argv.splice(1, 0, ${JSON.stringify(CLI)}); import(${JSON.stringify(pathToFileURL(CLI).href)});`,
        'score',
        '--version',
        version,
        '--shard',
        shard,
      ],
      { env: { ...process.env, DATABASE_URL: url } },
    );
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const m = /written: learners=(\d+) .* seconds=([\d.]+) \(([^)]*)\)/.exec(out);
      const rss = /RSS (\d+) CPU ([\d.]+)/.exec(err);
      if (code !== 0 || !m || !rss) reject(new Error(`shard ${shard} exited ${code}: ${err}`));
      else
        resolve({
          learners: Number(m[1]),
          seconds: Number(m[2]),
          phases: m[3],
          cpu: Number(rss[2]),
          maxRssMiB: Number(rss[1]) / 1024,
        });
    });
  });
}

export async function benchShardsPg(spec: AnswerSpec = PG_ANSWERS): Promise<void> {
  const b = await pgAttemptDb(spec);
  const { url, db } = b;
  const answers = answerCount(spec);
  try {
    await dropJobTables(db);
    let t = performance.now();
    const lines: string[] = [];
    const config = loadConfig(['--calibration-sample', '10%', '--score', 'shards'], { DATABASE_URL: url });
    const run = await runJob(config, { io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } });
    if (run.status !== 'ok') throw new Error(lines.join('\n'));
    const s = run.seconds;
    console.log(
      `  run --calibration-sample 10% --score shards: ${((performance.now() - t) / 1000).toFixed(1)} s ` +
        `(extract ${s.extract?.toFixed(1)} s, calibrate ${s.calibrate?.toFixed(1)} s, upsert ${s.upsert?.toFixed(1)} s)`,
    );

    // The server's part of one shard: the window scanned and the hash computed for every row, only the
    // shard's rows kept (no transfer). Every shard pays it, on the database's cores.
    t = performance.now();
    await db.transaction(async (tx) => {
      await tx.query("SELECT set_config('mirt.shard_count', '4', true)");
      await tx.query(`SELECT count(*) FROM attempt t WHERE ${shardExpr('t.student_id::text')} = 0`);
    });
    const scan = (performance.now() - t) / 1000;
    t = performance.now();
    await db.query('SELECT count(*) FROM attempt');
    const bare = (performance.now() - t) / 1000;
    console.log(
      `  server scan of the window: ${bare.toFixed(2)} s bare, ${scan.toFixed(2)} s with the shard filter (one shard of 4, count only); load average ${loadavg()[0].toFixed(1)}`,
    );

    // The server's whole part of one shard of 4: scan, filter and its rows formatted as text,
    // without a client (COPY to the server's /dev/null needs a superuser: skipped otherwise).
    let produce = Number.NaN;
    try {
      t = performance.now();
      await db.transaction(async (tx) => {
        await tx.query("SELECT set_config('mirt.shard_count', '4', true)");
        await tx.query(
          `COPY (SELECT t.student_id::text, t.item_id::text, t.correct::text, round(date_part('epoch', t.completed_at) * 1000)::bigint::text
                   FROM attempt t WHERE ${shardExpr('t.student_id::text')} = 0) TO '/dev/null'`,
        );
      });
      produce = (performance.now() - t) / 1000;
      console.log(`  server COPY of one shard of 4 to /dev/null: ${produce.toFixed(2)} s`);
    } catch (e) {
      console.log(`  server COPY to /dev/null skipped: ${(e as Error).message}`);
    }

    let base = 0;
    let clientCpu = Number.NaN;
    const rows: string[] = [];
    for (const n of [1, 2, 4]) {
      await db.query('DELETE FROM mirt_ability WHERE version = $1', [run.version]);
      await db.query('DELETE FROM mirt_score_shards WHERE version = $1', [run.version]);
      await db.query('VACUUM mirt_ability');
      t = performance.now();
      const shards = await Promise.all(
        Array.from({ length: n }, (_, i) => scoreProcess(url, run.version, `${i}/${n}`)),
      );
      const wall = (performance.now() - t) / 1000;
      if (n === 1) {
        base = wall;
        clientCpu = shards[0].cpu;
      }
      const learners = shards.reduce((x, r) => x + r.learners, 0);
      rows.push(
        `| ${n} | ${wall.toFixed(1)} | ${(answers / wall / 1e6).toFixed(2)} | ${(base / wall).toFixed(2)}x | ` +
          `${shards.map((r) => `${r.seconds.toFixed(1)} (${r.phases}; cpu ${r.cpu.toFixed(1)})`).join('<br>')} | ${Math.max(...shards.map((r) => r.maxRssMiB)).toFixed(0)} | ${learners} | ${loadavg()[0].toFixed(1)} |`,
      );
    }
    console.log(
      '\n| shard processes | wall s | M answers/s | speed-up | each shard: s (phases; own CPU s) | peak RSS MiB | learners | load avg |\n| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of rows) console.log(r);
    sizing(answers, {
      scan,
      produce,
      clientCpu,
      calibrate: run.seconds.calibrate ?? Number.NaN,
      extract: run.seconds.extract ?? Number.NaN,
    });
  } finally {
    await b.close();
  }
}

/**
 * Projection to 1 billion answers from the per-answer costs measured on `answers`: a shard pod
 * with a core of its own spends clientCpu per answer of its shard (extraction parsing, EAP,
 * upsert); the database spends `scan` per row of the WHOLE window for every shard (the hash
 * filter) and produce - scan per row it sends. Assumes the database has a core per concurrent
 * shard; where it has fewer, the scans queue.
 */
function sizing(
  answers: number,
  m: { scan: number; produce: number; clientCpu: number; calibrate: number; extract: number },
): void {
  const target = 1e9;
  const scanRow = m.scan / answers;
  const sendRow = Number.isFinite(m.produce) ? Math.max(0, m.produce - m.scan) / (answers / 4) : 0;
  const clientRow = m.clientCpu / answers;
  console.log(
    `\nPer answer: client ${(clientRow * 1e6).toFixed(2)} us CPU, server scan with filter ${(scanRow * 1e6).toFixed(3)} us per row of the window per shard, server send ${(sendRow * 1e6).toFixed(3)} us per row of the shard`,
  );
  console.log(
    '| pods (shards at once) | scoring 1B answers, min | of which the per-shard window scan, min |\n| --- | --- | --- |',
  );
  for (const n of [1, 4, 8, 16, 32, 64]) {
    const perShard = target * scanRow + (target / n) * (sendRow + clientRow);
    console.log(`| ${n} | ${(perShard / 60).toFixed(1)} | ${((target * scanRow) / 60).toFixed(1)} |`);
  }
  console.log(
    `Calibration pod at 1B answers: extraction ~${((m.extract * target) / answers / 60).toFixed(0)} min (measured ${m.extract.toFixed(1)} s for ${answers}); ` +
      `EM on a 10% sample ~${((m.calibrate * target) / answers / 60).toFixed(0)} min (measured ${m.calibrate.toFixed(1)} s on a 10% sample of ${answers}); a fixed learner count keeps it at the measured time`,
  );
}

/** 200,000 learners x 50 of 1,000 items, and 3% of them one of 10 rare items (~600 answers each). */
function bank(nUsers: number, seed: number) {
  const rand = seededRandom(seed);
  const common = 1000;
  const rare = 10;
  const a = new Float64Array(common + rare);
  const b = new Float64Array(common + rare);
  for (let j = 0; j < common + rare; j++) {
    a[j] = Math.exp(0.25 * normalDraw(rand));
    b[j] = normalDraw(rand);
  }
  const builder = new ResponseBuilder();
  const pick = Int32Array.from({ length: common }, (_, j) => j);
  for (let u = 0; u < nUsers; u++) {
    const theta = normalDraw(rand);
    const answer = (j: number) =>
      builder.add(`u${u}`, `i${j}`, rand() < 1 / (1 + Math.exp(-a[j] * (theta - b[j]))) ? 1 : 0);
    for (let k = 0; k < 50; k++) {
      const r = k + Math.floor(rand() * (common - k));
      const x = pick[k];
      pick[k] = pick[r];
      pick[r] = x;
      answer(pick[k]);
    }
    if (rand() < 0.03) answer(common + Math.floor(rand() * rare));
  }
  return { data: builder.build(), a, b, common };
}

export async function benchSampleSize(nUsers = 200_000): Promise<void> {
  const { data, a, b, common } = bank(nUsers, 11);
  console.log(`\nSample sizes: ${nUsers} learners, ${data.nObs} answers, ${data.nItems} items (10 rare)`);
  const rmse = (r: CalibrationResult, rareOnly: boolean) => {
    let sa = 0;
    let sb = 0;
    let n = 0;
    for (const it of r.items) {
      const j = Number(it.id.slice(1));
      if (rareOnly !== j >= common) continue;
      sa += (it.a - a[j]) ** 2;
      sb += (it.b - b[j]) ** 2;
      n++;
    }
    return `${Math.sqrt(sa / n).toFixed(3)} / ${Math.sqrt(sb / n).toFixed(3)}`;
  };
  const results: { share: number; r: CalibrationResult; data: ResponseData; seconds: number }[] = [];
  for (const share of [1, 0.25, 0.1, 0.05]) {
    const t0 = performance.now();
    const sample =
      share === 1
        ? data
        : stratifiedSample(data, { size: { kind: 'share', p: share }, rareItemAnswers: 1000, seed: 20261201 })
            .data;
    // Standard errors as the run computes them: on this size, per item block (Louis), which leaves
    // out the covariance with the other items' estimates and the latent scale, so they run a
    // little small; full information costs two E-steps per parameter (4,040 here).
    const r = await calibrate(sample, { model: '2PL', scoreMethod: null });
    results.push({ share, r, data: sample, seconds: (performance.now() - t0) / 1000 });
  }
  const full = new Map(results[0].r.items.map((it) => [it.id, it]));
  console.log(
    '| sample | learners | answers | RMSE a / b (1,000 items) | RMSE a / b (10 rare items) | a and b within 1.96 SE of full (a alone, b alone) | seconds |\n| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const { share, r, data: d, seconds } of results.reverse()) {
    let ok = 0;
    let okA = 0;
    let okB = 0;
    for (const it of r.items) {
      const f = full.get(it.id);
      if (!f) continue;
      const inA = Math.abs(it.a - f.a) <= 1.96 * (it.se.a ?? 0);
      const inB = Math.abs(it.b - f.b) <= 1.96 * (it.se.b ?? 0);
      okA += inA ? 1 : 0;
      okB += inB ? 1 : 0;
      ok += inA && inB ? 1 : 0;
    }
    const pct = (n: number) => `${((100 * n) / r.items.length).toFixed(1)}%`;
    console.log(
      `| ${share * 100}% | ${d.nUsers} | ${d.nObs} | ${rmse(r, false)} | ${rmse(r, true)} | ${share === 1 ? '-' : `${pct(ok)} (a ${pct(okA)}, b ${pct(okB)})`} | ${seconds.toFixed(1)} |`,
    );
  }
}

export async function benchShards(): Promise<void> {
  await benchShardsPg();
  await benchSampleSize();
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const which = process.argv[2];
  if (!which || which === 'pg') await benchShardsPg();
  if (!which || which === 'sample') await benchSampleSize();
}
