/**
 * The whole `fit` process on the reference data sets (test/fixtures/reference: LSAT7, LSAT6,
 * SAT12) for each model, next to mirt 1.47's stored time for the same fit (`seconds`, the faster
 * of its two fits, EM alone inside R, so ours also pays Node's start and the file). Min of 3.
 * Our 3PL has the N(-1.1, 2^2) prior on logit c by default, so it is compared with mirt's
 * `3PLprior`.   node --import tsx bench/reference.ts      (npm run bench -- reference)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { measure, show } from './ingest.js';
import { mirtCell } from './report.js';

const root = path.resolve(import.meta.dirname, '..');
const REF = path.join(root, 'test', 'fixtures', 'reference');
const CLI = path.join(root, 'dist', 'job', 'cli.js');
/** Our model name -> mirt's result file for the same fit. */
const MODELS: [string, string][] = [
  ['Rasch', 'Rasch'],
  ['1PL', '1PL'],
  ['2PL', '2PL'],
  ['3PL', '3PLprior'],
  ['4PL', '4PL'],
];

export async function benchReference(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirt-bench-ref-'));
  const lines: string[] = [];
  try {
    for (const data of ['LSAT7', 'LSAT6', 'SAT12']) {
      for (const [ours, theirs] of MODELS) {
        const ref = JSON.parse(readFileSync(path.join(REF, 'results', `${data}.${theirs}.json`), 'utf8')) as {
          seconds: number[];
        };
        const mirt = Math.min(...ref.seconds);
        const input = path.join(REF, 'datasets', `${data}.long.csv`);
        const m = await measure([
          CLI,
          'fit',
          '--input',
          input,
          '--model',
          ours,
          '--output',
          path.join(dir, 'out.json'),
        ]);
        lines.push(
          `| ${data} ${ours} | ${show(m, true)} | ${mirtCell(Number(mirt.toFixed(3)), m.wall)} (mirt ${theirs}) |`,
        );
        console.log(`  ${data} ${ours}: ${show(m)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('== whole `fit` on the reference data sets, min of 3, against mirt 1.47 EM alone');
  console.log('| fit | ours: whole process | mirt |\n|---|---|---|');
  for (const l of lines) console.log(l);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchReference();
