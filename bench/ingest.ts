/**
 * Issue 14's table: the whole `fit` process on 4-column CSVs with ISO time stamps (as a platform
 * export has them), reading the file alone, the bin's cold start, and S-X2 on a dense 500-item
 * test; each figure the minimum of 3 runs, next to the figure measured on main before the work
 * (issue 14) and mirt's time for the same fit. Files are generated under the OS temp folder and
 * removed afterwards.
 *
 *   node --import tsx bench/ingest.ts          (npm run bench runs it too)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { itemFitSX2 } from '../src/engine/itemfit.js';
import { simulateResponses } from '../src/engine/simulate.js';
import { BENCH_SETS, type BenchSet, writeCsv } from './datasets.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = path.join(root, 'dist', 'job', 'cli.js');

interface Row {
  what: string;
  before: string;
  now: string;
  target: string;
  mirt: string;
}

/** Minimum wall time in seconds of `n` runs of `fn`, and the last value it returned. */
async function minOf<T>(n: number, fn: () => Promise<T>): Promise<{ s: number; last: T }> {
  let best = Number.POSITIVE_INFINITY;
  let last: T | undefined;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    last = await fn();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return { s: best, last: last as T };
}

const secs = (s: number) => `${s < 1 ? s.toFixed(3) : s.toFixed(2)} s`;

async function wholeFit(set: BenchSet, csv: string, dir: string): Promise<{ s: number; rss: number }> {
  const out = path.join(dir, 'out.json');
  let rss = 0;
  const { s } = await minOf(3, async () => {
    const { stderr } = await run(
      'node',
      [bin, 'fit', '--input', csv, '--model', set.model, '--output', out],
      {
        maxBuffer: 1 << 24,
      },
    );
    rss = Math.max(rss, Number(/peak RSS (\d+) MiB/.exec(stderr)?.[1] ?? 0));
  });
  JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out);
  return { s, rss };
}

/** Reading alone, in a fresh process (as fit does it), seconds. */
async function readOnly(csv: string): Promise<number> {
  const script = `import { createReadStream } from 'node:fs';
    import { readResponsesCsv } from ${JSON.stringify(path.join(root, 'dist', 'files', 'csv-responses.js'))};
    const t = performance.now();
    await readResponsesCsv(createReadStream(${JSON.stringify(csv)}, { highWaterMark: 1 << 20 }));
    console.log((performance.now() - t) / 1000);`;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const { stdout } = await run('node', ['--input-type=module', '-e', script]);
    best = Math.min(best, Number(stdout));
  }
  return best;
}

/** S-X2 of every item on a dense test with the true parameters. */
function sx2Seconds(nItems: number, nUsers: number): number {
  const { data, truth } = simulateResponses({ nUsers, nItems, perUser: nItems, model: '2PL', seed: 3 });
  const bank = {
    a: truth.a,
    d: truth.a.map((a, j) => -a * truth.b[j]),
    c: new Float64Array(nItems),
  };
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    itemFitSX2(data, bank, { mean: 0, variance: 1 }, { freeParamsPerItem: new Array(data.nItems).fill(2) });
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

/** Measured on main before this work (issue 14's table; S-X2 and 2M measured the same way). */
const BEFORE = {
  read10M: '10.3 s',
  fit10M: '19.5 s, 449 MiB',
  fit2M: '-',
  dense: '0.80 s',
  help: '0.41 s',
  version: '(no --version)',
  sx2: '17.0 s (CPU)',
};
/** mirt 1.47's EM fit alone on the same data (issue 2, issue 14), seconds. */
const MIRT_10M = 490;

export async function benchIngest(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirt-bench-ingest-'));
  const rows: Row[] = [];
  try {
    for (const flag of ['--help', '--version'] as const) {
      const { s } = await minOf(10, () => run('node', [bin, flag]));
      rows.push({
        what: `cold start \`mirt-calibrate ${flag}\``,
        before: flag === '--help' ? BEFORE.help : BEFORE.version,
        now: secs(s),
        target: '<= 0.120 s',
        mirt: '',
      });
    }
    const sets: [BenchSet, string, string, string, number | undefined][] = [
      [BENCH_SETS[0], BEFORE.dense, '<= 0.3 s', 'dense 5,000 x 40 (200k)', BENCH_SETS[0].mirtFitSeconds],
      [
        BENCH_SETS[1],
        BEFORE.fit2M,
        '<= 2 s',
        '2M answers (50,000 x 500, 40 each)',
        BENCH_SETS[1].mirtFitSeconds,
      ],
      [
        BENCH_SETS[2],
        BEFORE.fit10M,
        '<= 10 s, <= 600 MB',
        '10M answers (200,000 x 1,000, 50 each)',
        MIRT_10M,
      ],
    ];
    for (const [set, before, target, label, mirt] of sets) {
      const csv = path.join(dir, 'in.csv');
      const n = await writeCsv(set, csv, 1, { timestamps: true });
      if (n >= 5e6) {
        rows.push({
          what: `reading ${label}, 4 columns`,
          before: BEFORE.read10M,
          now: secs(await readOnly(csv)),
          target: '<= 1.5 s',
          mirt: '',
        });
      }
      const f = await wholeFit(set, csv, dir);
      rows.push({
        what: `whole \`fit\` ${label}, ${set.model}`,
        before,
        now: `${secs(f.s)}, ${f.rss} MiB`,
        target,
        mirt: mirt ? `${mirt} s (${(mirt / f.s).toFixed(0)}x ours)` : '',
      });
      rmSync(csv);
    }
    rows.push({
      what: 'S-X2, dense 5,000 x 500',
      before: BEFORE.sx2,
      now: secs(sx2Seconds(500, 5000)),
      target: 'O(J^2 Q)',
      mirt: '',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('== ingestion and start-up (issue 14): min of 3 runs (10 for start-up), wall time');
  console.log('| what | before (main) | now | target | mirt |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.before} | ${r.now} | ${r.target} | ${r.mirt} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIngest();
