/**
 * Benchmark data: simulated answer files written straight to CSV (no engine involved), with a
 * fixed seed, in the shape of the targets.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { normalDraw, seededRandom } from '../src/engine/simulate.js';

export interface BenchSet {
  readonly name: string;
  readonly model: '2PL' | '3PL';
  readonly nUsers: number;
  readonly nItems: number;
  readonly perUser: number;
  /** mirt 1.47 on a 2-core machine, EM fit alone (issue 2), seconds. */
  readonly mirtFitSeconds?: number;
}

export const BENCH_SETS: readonly BenchSet[] = [
  { name: 'dense 5,000 x 40 (200k) 2PL', model: '2PL', nUsers: 5000, nItems: 40, perUser: 40, mirtFitSeconds: 0.85 },
  { name: 'sparse 50,000 x 500, 40 each (2M) 2PL', model: '2PL', nUsers: 50000, nItems: 500, perUser: 40, mirtFitSeconds: 36 },
  { name: 'sparse 200,000 x 1,000, 50 each (10M) 2PL', model: '2PL', nUsers: 200000, nItems: 1000, perUser: 50 },
  { name: 'dense 10,000 x 60 (600k) 3PL', model: '3PL', nUsers: 10000, nItems: 60, perUser: 60, mirtFitSeconds: 18.6 },
];

/** Writes user_id,item_id,is_correct rows; returns the number of rows. */
export async function writeCsv(set: BenchSet, path: string, seed = 1): Promise<number> {
  const rand = seededRandom(seed);
  const { nUsers, nItems, perUser, model } = set;
  const a = new Float64Array(nItems);
  const b = new Float64Array(nItems);
  const c = new Float64Array(nItems);
  for (let j = 0; j < nItems; j++) {
    a[j] = Math.exp(0.25 * normalDraw(rand));
    b[j] = normalDraw(rand);
    c[j] = model === '3PL' ? 0.1 + 0.2 * rand() : 0;
  }
  const out = createWriteStream(path);
  out.write('user_id,item_id,is_correct\n');
  const pick = Int32Array.from({ length: nItems }, (_, j) => j);
  let rows = 0;
  let buf = '';
  for (let u = 0; u < nUsers; u++) {
    const th = normalDraw(rand);
    for (let k = 0; k < perUser; k++) {
      const r = k + Math.floor(rand() * (nItems - k));
      const t = pick[k];
      pick[k] = pick[r];
      pick[r] = t;
      const j = pick[k];
      const p = c[j] + (1 - c[j]) / (1 + Math.exp(-a[j] * (th - b[j])));
      buf += `user${u},item${j},${rand() < p ? 1 : 0}\n`;
      rows++;
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return rows;
}
