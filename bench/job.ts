/**
 * The nightly job end to end (issue 14's targets): `runJob` as `mirt-calibrate run` runs it, on
 * 10M answers (200,000 users x 50 of 1,000 items, 30 days) behind an `attempt` VIEW on
 * PostgreSQL (target <= 20 s) and on 1M in the embedded database (target <= 10 s). Phase by
 * phase: extract (start-up, lock and migrations included), calibrate = EM + SEs + score + item
 * fit (the engine's own timings), upsert; wall seconds, this process's CPU seconds (every thread)
 * and, on a local PostgreSQL, the CPU seconds of the job's server backend. Each job runs
 * MIRT_BENCH_REPS times (2) on a database reset to the first night (no mirt_* tables); the
 * targets table takes each figure's minimum.
 *
 *   node --import tsx bench/job.ts [job-pg|job-pglite]      (npm run bench -- job-pg)
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createCalibrator } from '../src/calibrators/index.js';
import type { Calibrator } from '../src/calibrators/types.js';
import type { Db } from '../src/data/db.js';
import { openPgDb } from '../src/data/pg-db.js';
import { openPgliteDb } from '../src/data/pglite-db.js';
import { loadConfig } from '../src/job/config.js';
import { runJob } from '../src/job/run-job.js';
import {
  type AnswerSpec,
  answerCount,
  backendPid,
  dropJobTables,
  ownCpu,
  PG_ANSWERS,
  PGLITE_ANSWERS,
  pgAttemptDb,
  pgliteAttemptDb,
  processCpu,
} from './bench-db.js';
import { BENCH_SETS } from './datasets.js';
import { addRows, mirtCell, type TargetRow } from './report.js';

interface Timings {
  em: number;
  se: number;
  scoring: number;
  itemFit: number;
}

interface JobFigures {
  wall: number;
  cpu: number;
  server: number;
  rss: number;
}

const REPS = Number(process.env.MIRT_BENCH_REPS ?? 2);

/**
 * Runs the job once (on the Db `open` gives, else on the one the config names, opened by the job
 * as `run` does); prints its phases and returns the figures.
 */
async function measureJob(
  label: string,
  config: ReturnType<typeof loadConfig>,
  open?: () => Promise<Db>,
): Promise<JobFigures> {
  const inner = await createCalibrator(config, () => {});
  let timings: Timings | null = null;
  let cpuBeforeCal = 0;
  let cpuCal = 0;
  const calibrator: Calibrator = {
    kind: inner.kind,
    describe: () => inner.describe(),
    async calibrate(data, job) {
      cpuBeforeCal = ownCpu();
      const r = await inner.calibrate(data, job);
      cpuCal = ownCpu() - cpuBeforeCal;
      timings = r.fit_meta.metrics.timings as Timings;
      return r;
    },
  };
  // The job's own connection: its backend's CPU is read just before the job closes it.
  let server = Number.NaN;
  const openDb = async () => {
    const db = await (open as () => Promise<Db>)();
    const pid = await backendPid(db);
    const s0 = processCpu(pid);
    return new Proxy(db, {
      get(target, key) {
        if (key === 'close')
          return () => {
            server = processCpu(pid) - s0;
            return target.close();
          };
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  const lines: string[] = [];
  const c0 = ownCpu();
  const t0 = performance.now();
  const run = await runJob(config, {
    io: { out: (l) => lines.push(l), err: (l) => lines.push(l) },
    calibrator,
    openDb: open ? openDb : undefined,
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = ownCpu() - c0;
  if (run.status !== 'ok' || timings === null) throw new Error(`job ${run.status}:\n${lines.join('\n')}`);
  const t = timings as Timings;
  const s = run.seconds;
  const rss = process.resourceUsage().maxRSS / 1024;
  const cal = s.calibrate ?? Number.NaN;
  const rest = wall - (s.extract ?? 0) - cal - (s.upsert ?? 0);
  const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
  console.log(
    `${label}: ${run.extraction?.rows} answers, ${run.written?.items ?? '?'} items, ${run.written?.abilities ?? '?'} abilities\n` +
      `  extract ${f(s.extract)} s (CPU ${(cpuBeforeCal - c0).toFixed(2)} s incl. start-up) | ` +
      `calibrate ${f(cal)} s (CPU ${cpuCal.toFixed(2)} s: EM ${f(t.em)}, SEs ${f(t.se)}, score ${f(t.scoring)}, item fit ${f(t.itemFit)}) | ` +
      `upsert ${f(s.upsert)} s | other ${rest.toFixed(2)} s\n` +
      `  total ${wall.toFixed(2)} s, CPU ${cpu.toFixed(2)} s${Number.isFinite(server) ? ` + server backend ${server.toFixed(2)} s` : ''}, peak RSS ${rss.toFixed(0)} MiB`,
  );
  return { wall, cpu, server, rss };
}

/** The job REPS times: each figure's minimum (peak RSS: the largest). */
async function minOfRuns(run: () => Promise<JobFigures>): Promise<JobFigures> {
  const all: JobFigures[] = [];
  for (let i = 0; i < REPS; i++) all.push(await run());
  return {
    wall: Math.min(...all.map((m) => m.wall)),
    cpu: Math.min(...all.map((m) => m.cpu)),
    server: Math.min(...all.map((m) => m.server)),
    rss: Math.max(...all.map((m) => m.rss)),
  };
}

const row = (what: string, target: string, m: JobFigures, mirt?: number): TargetRow => ({
  what,
  target,
  measured: `${m.wall.toFixed(2)} s (CPU ${m.cpu.toFixed(2)} s${Number.isFinite(m.server) ? ` + server ${m.server.toFixed(2)} s` : ''}), ${m.rss.toFixed(0)} MiB`,
  mirt: mirtCell(mirt, m.wall),
});

export async function benchJobPg(s: AnswerSpec = PG_ANSWERS): Promise<void> {
  const b = await pgAttemptDb(s);
  try {
    const config = loadConfig([], { DATABASE_URL: b.url });
    const m = await minOfRuns(async () => {
      await dropJobTables(b.db);
      return measureJob('job on PostgreSQL (attempt VIEW)', config, () => openPgDb(b.url));
    });
    addRows([
      row(
        `job on PostgreSQL, ${answerCount(s) / 1e6}M answers, end to end`,
        '<= 20 s',
        m,
        s === PG_ANSWERS ? BENCH_SETS[2].mirtFitSeconds : undefined,
      ),
    ]);
  } finally {
    await b.close();
  }
}

export async function benchJobPglite(s: AnswerSpec = PGLITE_ANSWERS): Promise<void> {
  const b = await pgliteAttemptDb(s);
  try {
    const config = loadConfig(['--data-dir', b.url], {});
    const m = await minOfRuns(async () => {
      const db = await openPgliteDb(b.url);
      await dropJobTables(db);
      await db.close();
      return measureJob('job on the embedded database (opened by the job)', config);
    });
    addRows([
      row(`job on the embedded database, ${answerCount(s) / 1e6}M answers, end to end`, '<= 10 s', m),
    ]);
  } finally {
    await b.close();
  }
}

export const SECTIONS = { 'job-pg': benchJobPg, 'job-pglite': benchJobPglite };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2];
  if (!which || which === 'job-pg') await benchJobPg();
  if (!which || which === 'job-pglite') await benchJobPglite();
}
