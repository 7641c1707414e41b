/**
 * S-X2's cell collapsing (sx2FromTable) against a literal transcription of mirt's collapseCells
 * procedure for two categories, which removes rows from the arrays themselves (splice) and
 * searches for the first bad row from the top after every merge. The engine does the same in
 * linear time (a linked list of rows, a search that resumes at the merged row); the two must
 * agree bit for bit, on tables shaped to need many merges: many rows with 0 or 1 person, many
 * expected counts below mincell, some exactly 0.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sx2FromTable } from '../../src/engine/itemfit.js';
import { seededRandom } from '../../src/engine/simulate.js';
import { chiSquareUpper } from '../../src/engine/stats.js';
import type { ItemFit } from '../../src/engine/types.js';

/** mirt's steps 1-5 (file comment of engine/itemfit.ts) on plain arrays. */
function collapseBySplicing(
  O0: number[],
  O1: number[],
  E0: number[],
  E1: number[],
  mincell: number,
  freeParams: number,
  N: number,
): ItemFit {
  const none: ItemFit = {
    kind: 'S-X2',
    statistic: Number.NaN,
    df: Number.NaN,
    p: Number.NaN,
    rmsea: Number.NaN,
  };
  const remove = (r: number) => {
    for (const a of [O0, O1, E0, E1]) a.splice(r, 1);
  };
  const mergeInto = (from: number, to: number) => {
    O0[to] += O0[from];
    O1[to] += O1[from];
    E0[to] += E0[from];
    E1[to] += E1[from];
    remove(from);
  };
  for (let r = O0.length - 1; r >= 0; r--) if (O0[r] + O1[r] === 0) remove(r);
  if (O0.length === 0) return none;
  const drop: number[] = [];
  for (let r = 0; r < O0.length - 1; r++) {
    if (O0[r] + O1[r] === 1) {
      drop.push(r);
      O0[r + 1] += O0[r];
      O1[r + 1] += O1[r];
      E0[r + 1] += E0[r];
      E1[r + 1] += E1[r];
    }
  }
  for (let k = drop.length - 1; k >= 0; k--) remove(drop[k]);
  if (O0.length >= 2 && O0[O0.length - 1] + O1[O1.length - 1] === 1) mergeInto(O0.length - 1, O0.length - 2);
  if (O0.length < 2) return none;
  let positive = 0;
  for (const e of E1) if (e > 0) positive++;
  if (positive / E1.length < 0.05) return none;
  for (;;) {
    const whc = E0.findIndex((_, r) => (E0[r] < mincell && E0[r] !== 0) || (E1[r] < mincell && E1[r] !== 0));
    if (whc < 0) break;
    if (E0.length < 2) return none;
    const last = E0.length - 1;
    if (whc === 0) mergeInto(0, 1);
    else if (whc === last) mergeInto(last, last - 1);
    else mergeInto(whc, O0[whc - 1] + O1[whc - 1] <= O0[whc + 1] + O1[whc + 1] ? whc - 1 : whc + 1);
  }
  if (E0.length < 2) return none;
  let x2 = 0;
  let cells = 0;
  for (let r = 0; r < E0.length; r++) {
    if (E0[r] !== 0) {
      x2 += (O0[r] - E0[r]) ** 2 / E0[r];
      cells++;
    }
    if (E1[r] !== 0) {
      x2 += (O1[r] - E1[r]) ** 2 / E1[r];
      cells++;
    }
  }
  const df = Math.max(0, cells - E0.length - freeParams);
  if (df === 0) return { kind: 'S-X2', statistic: Number.NaN, df: 0, p: Number.NaN, rmsea: Number.NaN };
  const ratio = x2 / df - 1;
  return {
    kind: 'S-X2',
    statistic: x2,
    df,
    p: chiSquareUpper(x2, df),
    rmsea: ratio > 0 ? Math.sqrt(ratio / (N - 1)) : 0,
  };
}

/** A table of `rows` score rows: sparse counts, expectations often below 1, sometimes exactly 0. */
function table(rand: () => number, rows: number) {
  const O0: number[] = [];
  const O1: number[] = [];
  const E0: number[] = [];
  const E1: number[] = [];
  for (let r = 0; r < rows; r++) {
    const size = rand() < 0.3 ? Math.floor(rand() * 2) : Math.floor(rand() * 40);
    const p = rand();
    const o1 = Math.round(size * p * rand());
    O1.push(o1);
    O0.push(size - o1);
    const e1 = rand() < 0.1 ? 0 : size * p * rand() * (rand() < 0.5 ? 0.05 : 1);
    E1.push(e1);
    E0.push(rand() < 0.1 ? 0 : Math.max(0, size - e1) * (rand() < 0.5 ? 0.05 : 1));
  }
  return { O0, O1, E0, E1 };
}

describe('S-X2 cell collapsing', () => {
  it('equals the splice-and-rescan transcription of mirt bit for bit on 3,000 random tables', () => {
    const rand = seededRandom(14);
    let merged = 0;
    for (let k = 0; k < 3000; k++) {
      const rows = 1 + Math.floor(rand() * (k < 2500 ? 30 : 600));
      const t = table(rand, rows);
      const mincell = rand() < 0.8 ? 1 : 5 * rand();
      const copy = () => ({ O0: [...t.O0], O1: [...t.O1], E0: [...t.E0], E1: [...t.E1] });
      const a = copy();
      const b = copy();
      const ours = sx2FromTable(a.O0, a.O1, a.E0, a.E1, mincell, 2, 1000);
      const ref = collapseBySplicing(b.O0, b.O1, b.E0, b.E1, mincell, 2, 1000);
      assert.deepEqual(ours, ref, `table ${k} (${rows} rows, mincell ${mincell})`);
      if (ours.kind === 'S-X2' && Number.isFinite(ours.df) && b.O0.length < rows / 2) merged++;
    }
    // The tables did exercise the merging: many ended with under half their rows.
    assert.ok(merged > 300, `only ${merged} tables lost half their rows`);
  });
});
