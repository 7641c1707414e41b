/**
 * Issue 14's table: the whole `fit` process on 4-column CSVs with ISO time stamps (as a platform
 * export has them), reading the file alone, the bin's cold start, and S-X2 on a dense 500-item
 * test; each figure the minimum of 3 runs, next to the figure measured on main before the work
 * (issue 14) and mirt's time for the same fit. Files are generated under the OS temp folder and
 * removed afterwards.
 *
 *   node --import tsx bench/ingest.ts          (npm run bench runs it too)
 *   MIRT_BENCH_BEFORE_DIST=/path/to/main/dist node --import tsx bench/ingest.ts
 * The second form measures a build of main side by side, under the same load, instead of
 * printing the stored figures (its node_modules must be resolvable from that folder).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BENCH_SETS, type BenchSet, writeCsv } from './datasets.js';
import { addRows, mirtCell } from './report.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const NOW = path.join(root, 'dist');
/** A build of main before this work, measured side by side under the same load when given. */
const BEFORE_DIST = process.env.MIRT_BENCH_BEFORE_DIST;

export interface Measure {
  wall: number;
  cpu: number;
  rss: number;
}

/**
 * Runs node with `args` under /usr/bin/time 3 times: the minimum wall and CPU (user + system)
 * seconds and the largest peak RSS. CPU time is given because on a shared machine the wall
 * time measures the neighbours as much as the program.
 */
export async function measure(args: string[], n = 3): Promise<Measure> {
  const best = { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY, rss: 0 };
  for (let i = 0; i < n; i++) {
    const { stderr } = await run('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, ...args], {
      maxBuffer: 1 << 24,
    });
    const m = /TIME (\S+) (\S+) (\S+) (\d+)\s*$/.exec(stderr);
    if (!m) throw new Error(`no timing in: ${stderr.slice(-300)}`);
    best.wall = Math.min(best.wall, Number(m[1]));
    best.cpu = Math.min(best.cpu, Number(m[2]) + Number(m[3]));
    best.rss = Math.max(best.rss, Math.round(Number(m[4]) / 1024));
  }
  return best;
}

export const secs = (s: number) => (s < 1 ? `${s.toFixed(3)} s` : `${s.toFixed(2)} s`);
export const show = (m: Measure, rss = false) =>
  `${secs(m.wall)} (CPU ${secs(m.cpu)})${rss ? `, ${m.rss} MiB` : ''}`;

/** A module script run by node: reading alone, or S-X2 alone, with the given build. */
function script(body: string): string[] {
  return ['--input-type=module', '-e', body];
}

const readScript = (dist: string, csv: string) =>
  script(`const { openInput, readResponsesCsv } = await import(${JSON.stringify(path.join(dist, 'files', 'csv-responses.js'))});
    await readResponsesCsv(openInput(${JSON.stringify(csv)}));`);

/** S-X2 of every item on a dense test with the true parameters; the simulation is timed apart. */
const sx2Script = (dist: string, nItems: number, nUsers: number, fit: boolean) =>
  script(`const { itemFitSX2 } = await import(${JSON.stringify(path.join(dist, 'engine', 'itemfit.js'))});
    const { simulateResponses } = await import(${JSON.stringify(path.join(dist, 'engine', 'simulate.js'))});
    const { data, truth } = simulateResponses({ nUsers: ${nUsers}, nItems: ${nItems}, perUser: ${nItems}, model: '2PL', seed: 3 });
    const bank = { a: truth.a, d: truth.a.map((a, j) => -a * truth.b[j]), c: new Float64Array(${nItems}) };
    if (${fit}) itemFitSX2(data, bank, { mean: 0, variance: 1 }, { freeParamsPerItem: new Array(data.nItems).fill(2) });`);

/** The figures on main before this work (issue 14's table; S-X2 measured the same way). */
const STORED_BEFORE = {
  help: '0.41 s',
  version: 'no --version',
  dense: '0.80 s',
  fit2M: '-',
  read10M: '10.3 s',
  fit10M: '19.5 s, 449 MiB',
  sx2: '17.0 s CPU',
};

interface Row {
  what: string;
  before: string;
  now: string;
  target: string;
  mirt: string;
}

export async function benchIngest(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirt-bench-ingest-'));
  const rows: Row[] = [];
  const side = async (
    what: string,
    stored: string,
    target: string,
    args: (dist: string) => string[] | null,
    opts: { rss?: boolean; mirt?: number; minus?: (dist: string) => Promise<Measure> } = {},
  ) => {
    const once = async (dist: string) => {
      const a = args(dist);
      if (a === null) return null;
      const m = await measure(a, what.startsWith('cold') ? 10 : 3);
      if (!opts.minus) return m;
      const base = await opts.minus(dist);
      return { wall: m.wall - base.wall, cpu: m.cpu - base.cpu, rss: m.rss };
    };
    const now = (await once(NOW)) as Measure;
    const before = BEFORE_DIST ? await once(BEFORE_DIST) : undefined;
    rows.push({
      what,
      before: before === undefined ? stored : before === null ? 'n/a' : show(before, opts.rss),
      now: show(now, opts.rss),
      target,
      mirt: mirtCell(opts.mirt, now.wall),
    });
    console.log(`  ${what}: ${show(now, opts.rss)} (target ${target})`);
  };
  try {
    const cli = (dist: string) => path.join(dist, 'job', 'cli.js');
    await side('cold start `mirt-calibrate --help`', STORED_BEFORE.help, '<= 0.120 s', (d) => [
      cli(d),
      '--help',
    ]);
    await side('cold start `mirt-calibrate --version`', STORED_BEFORE.version, '<= 0.120 s', (d) =>
      d === NOW ? [cli(d), '--version'] : null,
    );
    const sets: [BenchSet, string, string, string, number | undefined][] = [
      [
        BENCH_SETS[0],
        STORED_BEFORE.dense,
        '<= 0.3 s',
        'dense 5,000 x 40 (200k)',
        BENCH_SETS[0].mirtFitSeconds,
      ],
      [
        BENCH_SETS[1],
        STORED_BEFORE.fit2M,
        '<= 2 s',
        '2M (50,000 x 500, 40 each)',
        BENCH_SETS[1].mirtFitSeconds,
      ],
      [
        BENCH_SETS[2],
        STORED_BEFORE.fit10M,
        '<= 10 s, <= 600 MB',
        '10M (200,000 x 1,000, 50 each)',
        BENCH_SETS[2].mirtFitSeconds,
      ],
    ];
    for (const [set, stored, target, label, mirt] of sets) {
      const csv = path.join(dir, 'in.csv');
      const out = path.join(dir, 'out.json');
      const n = await writeCsv(set, csv, 1, { timestamps: true });
      if (n >= 5e6)
        await side(
          `reading ${label}, 4 columns`,
          STORED_BEFORE.read10M,
          '<= 1.5 s',
          (d) => readScript(d, csv),
          {
            rss: true,
          },
        );
      await side(
        `whole \`fit\` ${label}, ${set.model}`,
        stored,
        target,
        (d) => [cli(d), 'fit', '--input', csv, '--model', set.model, '--output', out],
        { rss: true, mirt },
      );
      rmSync(csv);
      rmSync(out, { force: true });
    }
    await side(
      'S-X2 alone, dense 5,000 x 500',
      STORED_BEFORE.sx2,
      'O(J^2 Q)',
      (d) => sx2Script(d, 500, 5000, true),
      {
        minus: (d) => measure(sx2Script(d, 500, 5000, false), 1),
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `== ingestion and start-up (issue 14): min of 3 runs (10 for start-up); before: ${BEFORE_DIST ? `${BEFORE_DIST}, measured now` : 'stored figures of issue 14 (set MIRT_BENCH_BEFORE_DIST to measure a build of main side by side)'}`,
  );
  addRows(
    rows.map((r) => ({ what: r.what, target: r.target, measured: r.now, mirt: r.mirt, before: r.before })),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIngest();
