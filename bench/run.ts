/**
 * `npm run bench [-- SECTION ...]`: benchmarks, printing figures (never part of `npm test`).
 *
 * With no section named it runs issue 14's targets (`fit`, `reference`, `job-pg`, `job-pglite`,
 * `copy-phases`: about 5 minutes on this 2-core machine at load ~5) and ends with one table of every
 * target next to the measured figure and mirt's time for the same fit. `all` runs every
 * section; `list` lists them. Each section runs in its own process, so peak memory is its own
 * and one failing section does not stop the others (the exit code says so). The 10M-answer
 * PostgreSQL database is generated once and shared by the sections that read it, then dropped
 * (kept with MIRT_BENCH_KEEP_DB=1, and then reused by later runs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ADMIN_URL } from './bench-db.js';
import { printTable, readRows } from './report.js';

interface Section {
  readonly file: string;
  readonly fn: string;
  readonly about: string;
  /** Part of the default run (issue 14's targets). */
  readonly target: boolean;
}

const SECTIONS: Readonly<Record<string, Section>> = {
  fit: {
    file: 'ingest.ts',
    fn: 'benchIngest',
    about: 'whole `fit` process on 4-column CSVs (200k, 2M, 10M), reading 10M, cold start, S-X2 on 500 items',
    target: true,
  },
  reference: {
    file: 'reference.ts',
    fn: 'benchReference',
    about: 'whole `fit` on the reference data sets (LSAT7, LSAT6, SAT12 x 5 models) against mirt',
    target: true,
  },
  'job-pg': {
    file: 'job.ts',
    fn: 'benchJobPg',
    about: 'the job end to end, 10M answers on PostgreSQL',
    target: true,
  },
  'job-pglite': {
    file: 'job.ts',
    fn: 'benchJobPglite',
    about: 'the job end to end, 1M answers on the embedded database',
    target: true,
  },
  'copy-phases': {
    file: 'copy-phases.ts',
    fn: 'benchCopyPhases',
    about: "where the job's extraction time goes (server, transfer, parse, builder)",
    target: true,
  },
  engine: {
    file: 'engine.ts',
    fn: 'benchEngine',
    about: 'whole fit per data set and E-step rates',
    target: false,
  },
  service: { file: 'service.ts', fn: 'benchService', about: 'the HTTP service under load', target: false },
  shards: {
    file: 'shards.ts',
    fn: 'benchShardsPg',
    about: 'scoring in 1, 2, 4 shard processes (10M)',
    target: false,
  },
  sample: {
    file: 'shards.ts',
    fn: 'benchSampleSize',
    about: 'calibration sample sizes (200,000 learners)',
    target: false,
  },
  itemfit: {
    file: 'itemfit.ts',
    fn: 'benchItemfit',
    about: 'sparse item fit: power and false alarms',
    target: false,
  },
  linking: { file: 'linking.ts', fn: 'benchLinking', about: 'linking methods by simulation', target: false },
  restarts: {
    file: 'restarts.ts',
    fn: 'benchRestarts',
    about: "the 3PL M-step's restarts: cost and objective",
    target: false,
  },
};

const here = path.dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);

if (args[0] === 'list' || args[0] === '--help') {
  for (const [name, s] of Object.entries(SECTIONS))
    console.log(`${name.padEnd(12)} ${s.target ? '(default) ' : ''}${s.about}`);
  process.exit(0);
}
const unknown = args.filter((a) => a !== 'all' && !(a in SECTIONS));
if (unknown.length > 0) {
  console.error(
    `unknown bench section(s): ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}, all`,
  );
  process.exit(2);
}
const names = args.includes('all')
  ? Object.keys(SECTIONS)
  : args.length > 0
    ? args
    : Object.keys(SECTIONS).filter((n) => SECTIONS[n].target);

const dir = mkdtempSync(path.join(tmpdir(), 'mirt-bench-rows-'));
const rowsFile = path.join(dir, 'rows.jsonl');
const createdFile = path.join(dir, 'created.txt');
const userKeeps = process.env.MIRT_BENCH_KEEP_DB === '1';
const failed: string[] = [];
const t0 = performance.now();
try {
  for (const name of names) {
    const s = SECTIONS[name];
    console.log(`\n### ${name}: ${s.about}`);
    const t = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'section.ts'), s.file, s.fn], {
      stdio: 'inherit',
      env: {
        ...process.env,
        MIRT_BENCH_ROWS: rowsFile,
        MIRT_BENCH_KEEP_DB: '1',
        MIRT_BENCH_CREATED: createdFile,
      },
    });
    console.log(
      `### ${name}: ${((performance.now() - t) / 1000).toFixed(0)} s${r.status === 0 ? '' : `, FAILED (exit ${r.status})`}`,
    );
    if (r.status !== 0) failed.push(name);
  }
  console.log(
    `\n== issue 14 targets (fit: min of 3 runs; jobs and copy phases: min of MIRT_BENCH_REPS = ${process.env.MIRT_BENCH_REPS ?? 2}; mirt: its EM fit alone on data of the same shape; CPU = user + system of the process, server = its PostgreSQL backend; bench ${((performance.now() - t0) / 60000).toFixed(1)} min)`,
  );
  printTable(readRows(rowsFile));
  if (failed.length > 0) {
    console.log(`FAILED sections: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  if (!userKeeps) await dropCreatedDatabases();
  rmSync(dir, { recursive: true, force: true });
}

/** The databases the sections created and kept for each other, unless the user asked to keep them. */
async function dropCreatedDatabases(): Promise<void> {
  const names = existsSync(createdFile) ? readFileSync(createdFile, 'utf8').split('\n').filter(Boolean) : [];
  if (names.length === 0) return;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end().catch(() => {});
  }
}
