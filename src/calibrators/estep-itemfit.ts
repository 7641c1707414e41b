/**
 * Item fit's per-learner passes on the WebAssembly executor (estep-workers.ts): the tables into
 * the Louis pages (estep-memory.ts), the mean squares' kernel on every thread's share of the
 * users, then the sum-score kernel on batches of the selected learners, each batch cut among
 * the threads by work (K^2 per learner). Same contract as itemfit-passes.ts's learnerPassesJs.
 */

import { SQUARE_SLOTS } from '../engine/itemfit-meansquares.js';
import { type ItemFitPassInput, type ItemFitPassOutput, sumScorePassJs } from '../engine/itemfit-passes.js';
import type { Kernel } from './estep-kernel.js';
import { FIT_BATCH_ANSWERS, FIT_BATCH_LEARNERS, f64Index, type Layout, type Region } from './estep-memory.js';

/** What the passes need of the executor. */
export interface KernelThreads {
  f64(): Float64Array;
  readonly at: Layout;
  readonly regions: readonly Region[];
  /** The common first arguments of the users kernels for a region (the tables loaded last). */
  head(r: Region): number[];
  /** The kernels' last arguments for thread r: J, its answer list, the complete learners' tables. */
  listArgs(r: Region): number[];
  /** Runs `fn` with argsOf(t) on thread t (0: this one), in chunks of `chunk` of args[0]..args[1]. */
  onThreads(fn: Kernel, argsOf: (t: number) => number[], chunk: number): Promise<void>;
}

/**
 * Both passes, the log tables already loaded at `stride`: the mean squares' sums on every
 * thread's users (one block of sums per thread, added here), then the sum scores, in the kernel
 * when every selected learner fits its L (else in JavaScript on this thread).
 */
export async function itemFitOnKernel(
  k: KernelThreads,
  input: ItemFitPassInput,
  stride: number,
): Promise<ItemFitPassOutput> {
  const f64 = k.f64();
  const { at, regions } = k;
  const t = loadFitTables(f64, at, input, stride);
  const nSums = (input.tables.P.length / input.nodes.length) * SQUARE_SLOTS;
  for (const r of regions) f64.fill(0, f64Index(r.info), f64Index(r.info) + nSums);
  await k.onThreads(
    'squares',
    (i) => [
      ...k.head(regions[i]),
      ...[t.invP, t.PoverQ, t.invQ, regions[i].info, regions[i].work],
      ...k.listArgs(regions[i]),
    ],
    SQUARES_CHUNK,
  );
  const squares = new Float64Array(nSums);
  for (const r of regions) {
    const o = f64Index(r.info);
    for (let i = 0; i < nSums; i++) squares[i] += f64[o + i];
  }
  const eSum = new Float64Array(input.selectedPtr[input.selected.length]);
  const theta = new Float64Array(input.selected.length);
  if (fitsKernel(input, at)) await sumScoresOnKernel(k, input, t, stride, eSum, theta);
  else sumScorePassJs(input, 0, input.selected.length, eSum, theta);
  return { squares, eSum, theta };
}

/** Byte offsets of item fit's tables in the Louis pages. */
export interface FitTables {
  invP: number;
  PoverQ: number;
  invQ: number;
  P: number;
  Q: number;
  w: number;
}

/**
 * 1/P, P/Q and 1/Q into Louis' s1 block, P, Q and the weights into s0 (each block holds three
 * tables of items x capacity), at `stride` nodes per item, padding 0; the nodes into theirs.
 */
function loadFitTables(f64: Float64Array, at: Layout, input: ItemFitPassInput, stride: number): FitTables {
  const { tables, nodes, w } = input;
  const nQ = nodes.length;
  const nItems = tables.P.length / nQ;
  const plane = (block: number, n: number) => block + 8 * n * nItems * stride;
  const out: FitTables = {
    invP: plane(at.s1, 0),
    PoverQ: plane(at.s1, 1),
    invQ: plane(at.s1, 2),
    P: plane(at.s0, 0),
    Q: plane(at.s0, 1),
    w: plane(at.s0, 2),
  };
  for (const key of ['invP', 'PoverQ', 'invQ', 'P', 'Q'] as const) {
    for (let j = 0; j < nItems; j++) {
      const o = f64Index(out[key]) + j * stride;
      f64.set(tables[key].subarray(j * nQ, (j + 1) * nQ), o);
      f64.fill(0, o + nQ, o + stride);
    }
  }
  f64.set(w, f64Index(out.w));
  f64.set(nodes, f64Index(at.nodes));
  return out;
}

/** Whether every selected learner fits the kernel's L (else the pass runs in JavaScript). */
function fitsKernel(input: ItemFitPassInput, at: Layout): boolean {
  const { selected, selectedPtr } = input;
  for (let i = 0; i < selected.length; i++)
    if (selectedPtr[i + 1] - selectedPtr[i] > at.fitAnswers) return false;
  return true;
}

/**
 * The sum-score pass in the kernel: expectations into eSum (at selectedPtr) and thetas, batch by
 * batch (as many learners and answers as the batch blocks hold).
 */
async function sumScoresOnKernel(
  k: KernelThreads,
  input: ItemFitPassInput,
  t: FitTables,
  stride: number,
  eSum: Float64Array,
  theta: Float64Array,
): Promise<void> {
  const { selected, selectedPtr } = input;
  const { at } = k;
  const nQ = input.nodes.length;
  for (let b0 = 0; b0 < selected.length; ) {
    let b1 = b0;
    while (
      b1 < selected.length &&
      b1 - b0 < FIT_BATCH_LEARNERS &&
      selectedPtr[b1 + 1] - selectedPtr[b0] <= FIT_BATCH_ANSWERS
    )
      b1++;
    const f64 = k.f64();
    new Int32Array(f64.buffer, at.sel, b1 - b0).set(selected.subarray(b0, b1));
    const ptr = new Int32Array(f64.buffer, at.selPtr, b1 - b0 + 1);
    for (let i = b0; i <= b1; i++) ptr[i - b0] = selectedPtr[i] - selectedPtr[b0];
    const cuts = cutByWork(selectedPtr, b0, b1, k.regions.length);
    const tables = [t.P, t.Q, t.invP, t.invQ, at.nodes, t.w, at.sel, at.selPtr, at.eSum, at.theta];
    await k.onThreads(
      'sumscore',
      (r) => [
        cuts[r],
        cuts[r + 1],
        nQ,
        8 * stride,
        at.ptr,
        at.item,
        at.resp,
        ...tables,
        k.regions[r].fitL,
        k.regions[r].bound,
      ],
      SUM_SCORE_CHUNK,
    );
    const answers = selectedPtr[b1] - selectedPtr[b0];
    eSum.set(f64.subarray(f64Index(at.eSum), f64Index(at.eSum) + answers), selectedPtr[b0]);
    theta.set(f64.subarray(f64Index(at.theta), f64Index(at.theta) + b1 - b0), b0);
    b0 = b1;
  }
}

/**
 * Users per call of the squares kernel: run once per fit, it tiers up sooner in smaller chunks
 * than the E-step's (dense 5,000 x 40, cold: 20 ms against 32 ms with 2,048).
 */
const SQUARES_CHUNK = 256;

/** Learners per kernel call: enough work per call, and calls enough for V8 to tier the kernel up. */
const SUM_SCORE_CHUNK = 64;

/** Cuts batch positions [0, b1 - b0) into `parts` ranges of about equal work (K^2 per learner). */
function cutByWork(selectedPtr: Int32Array, b0: number, b1: number, parts: number): number[] {
  const work = (i: number) => (selectedPtr[i + 1] - selectedPtr[i]) ** 2;
  let total = 0;
  for (let i = b0; i < b1; i++) total += work(i);
  const cuts = [0];
  let done = 0;
  let i = b0;
  for (let p = 1; p < parts; p++) {
    while (i < b1 && done + work(i) / 2 < (total * p) / parts) done += work(i++);
    cuts.push(i - b0);
  }
  cuts.push(b1 - b0);
  return cuts;
}
