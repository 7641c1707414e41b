/**
 * The shared memory of the WebAssembly executor (estep-workers.ts): where each block lives.
 *
 * Layout (byte offsets, 16-byte aligned): userPtr, userItem, userResp, then the tables log P,
 * log(1-P) (item-major, stride = nodes rounded up to even), log w, nodes, the complete learners'
 * tables (if any learner answered every item); then per thread r0, r1, nodeN, work, outMax,
 * outSum, the list of a learner's answers and the complete learners' counts. Louis' score tables s1, s0 and the per-thread information slots
 * come last, in pages added only when item-block standard errors ask for them (they are 3x the
 * size of the accumulators: a run without them should not pay for them); item fit's ratio
 * tables and per-item sums use the same pages.
 *
 * Offsets are plain numbers up to WebAssembly's 4 GiB: element indices are byteOffset / 8, never
 * `byteOffset >> 3` (signed 32-bit: past 2 GiB it turns negative).
 */

import { completeRows } from './estep-complete.js';

export const PAGE = 65536;
/** Learners and answers of one batch of item fit's sum-score kernel. */
export const FIT_BATCH_LEARNERS = 8192;
export const FIT_BATCH_ANSWERS = 1 << 18;
/** Item fit's default bound on the answers of a learner in S-X2's table (itemfit-tables.ts). */
export const FIT_ANSWERS_PER_LEARNER = 300;
/** WebAssembly's 32-bit memory: 65536 pages of 64 KiB, 4 GiB. */
export const MAX_PAGES = 65536;

/** Cuts users into `parts` contiguous ranges with about equal numbers of answers. */
export function splitUsers(userPtr: Int32Array, parts: number): number[] {
  const nUsers = userPtr.length - 1;
  const total = userPtr[nUsers];
  const cuts = [0];
  let u = 0;
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    while (u < nUsers && userPtr[u] < target) u++;
    cuts.push(u);
  }
  cuts.push(nUsers);
  return cuts;
}

/** Element index of a byte offset into a Float64Array over the whole memory (offsets up to 4 GiB). */
export function f64Index(byteOffset: number): number {
  return byteOffset / 8;
}

export interface Region {
  u0: number;
  u1: number;
  r0: number;
  r1: number;
  nodeN: number;
  work: number;
  /** Per-user outputs: max and sum of the E-step, or mean and SD of the EAP. */
  out1: number;
  out2: number;
  /** Louis' information slots (9 per item), in the Louis pages; item fit's sums use them too. */
  info: number;
  /** The sum-score pass's L (nodes x (fitAnswers + 1)) and bounds (nodes), in the Louis pages. */
  fitL: number;
  bound: number;
  /** The kernels' list of a learner's answers (estep.wat: "Answers by list"), `listSlots` of them. */
  list: number;
  /** Complete learners' counts (estep-complete.ts); 0 when there are none. */
  complete: number;
}

/** Bytes of the shared memory, laid out once for `capacity` nodes; each call uses its own stride. */
export interface Layout {
  ptr: number;
  item: number;
  resp: number;
  logP: number;
  logQ: number;
  logW: number;
  nodes: number;
  /** Complete learners' tables (estep-complete.ts); 0 when there are none. */
  complete: number;
  /** Slots of each thread's answer list: the most answers of a learner (at least 1). */
  listSlots: number;
  /** Louis' score tables, in the Louis pages (item fit's tables too). */
  s1: number;
  s0: number;
  /** The sum-score pass's batch: learners, where their expectations start, thetas, expectations. */
  sel: number;
  selPtr: number;
  theta: number;
  eSum: number;
  /** Most answers of a learner the sum-score kernel takes. */
  fitAnswers: number;
}

/** What the layout depends on: the data's sizes, the node capacity and the users' cut. */
export interface LayoutShape {
  readonly nUsers: number;
  readonly nObs: number;
  readonly nItems: number;
  /** Node capacity, even. */
  readonly cap: number;
  /** Thread t runs users [cuts[t], cuts[t + 1]). */
  readonly cuts: readonly number[];
  /** Most answers of a learner in the sum-score kernel (default FIT_ANSWERS_PER_LEARNER). */
  readonly fitAnswers?: number;
  /** The most answers of a learner (the kernels' answer lists hold that many). */
  readonly maxAnswers: number;
  /** Whether some learner answered every item (then the complete learners' blocks are laid out). */
  readonly complete?: boolean;
}

export interface MemoryPlan {
  readonly at: Layout;
  readonly regions: Region[];
  /** Pages for the E-step and the EAP. */
  readonly basePages: number;
  /** Pages once Louis' tables are added (may exceed MAX_PAGES: then that pass runs in JavaScript). */
  readonly louisPages: number;
}

/**
 * Byte offsets of everything in the shared memory (pure: sizes in, offsets out). The E-step and
 * EAP blocks first, Louis' blocks after `basePages`, so that they can be added by growing the
 * memory when standard errors need them.
 */
export function planMemory(shape: LayoutShape): MemoryPlan {
  const { nUsers, nObs, nItems: J, cap, cuts } = shape;
  let top = 0;
  const take = (bytes: number) => {
    const at = top;
    top += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const ptr = take(4 * (nUsers + 1));
  const item = take(4 * nObs);
  const resp = take(nObs);
  const logP = take(8 * J * cap);
  const logQ = take(8 * J * cap);
  const logW = take(8 * cap);
  const nodes = take(8 * cap);
  const complete = shape.complete ? take(8 * completeRows(J) * cap) : 0;
  const listSlots = Math.max(1, shape.maxAnswers);
  const regions: Region[] = [];
  for (let t = 0; t + 1 < cuts.length; t++) {
    const users = cuts[t + 1] - cuts[t];
    regions.push({
      u0: cuts[t],
      u1: cuts[t + 1],
      r0: take(8 * J * cap),
      r1: take(8 * J * cap),
      nodeN: take(8 * cap),
      work: take(8 * cap),
      out1: take(8 * users),
      out2: take(8 * users),
      info: -1,
      fitL: -1,
      bound: -1,
      list: take(4 * listSlots),
      complete: shape.complete ? take(8 * completeRows(J) * cap) : 0,
    });
  }
  const basePages = Math.ceil(top / PAGE) + 1;
  top = basePages * PAGE;
  const s1 = take(8 * J * 3 * cap);
  const s0 = take(8 * J * 3 * cap);
  for (const r of regions) r.info = take(8 * J * 9);
  // Item fit's sum-score pass: one batch of learners, and each thread's L and bounds.
  const fitAnswers = shape.fitAnswers ?? FIT_ANSWERS_PER_LEARNER;
  const sel = take(4 * FIT_BATCH_LEARNERS);
  const selPtr = take(4 * (FIT_BATCH_LEARNERS + 1));
  const theta = take(8 * FIT_BATCH_LEARNERS);
  const eSum = take(8 * FIT_BATCH_ANSWERS);
  for (const r of regions) {
    r.fitL = take(8 * (fitAnswers + 1) * cap);
    r.bound = take(8 * cap);
  }
  return {
    at: {
      ptr,
      item,
      resp,
      logP,
      logQ,
      logW,
      nodes,
      complete,
      listSlots,
      s1,
      s0,
      sel,
      selPtr,
      theta,
      eSum,
      fitAnswers,
    },
    regions,
    basePages,
    louisPages: Math.ceil(top / PAGE),
  };
}

/** The most answers of one user (the sum-score kernel's L is laid out for up to 300 of them). */
export function maxAnswers(userPtr: Int32Array): number {
  let most = 0;
  for (let u = 0; u + 1 < userPtr.length; u++) most = Math.max(most, userPtr[u + 1] - userPtr[u]);
  return most;
}

/**
 * The E-step's log tables into the memory at `stride` nodes per item: pad nodes have log w =
 * -inf (posterior 0) and table entries 0.
 */
export function loadLogTables(
  f64: Float64Array,
  at: Layout,
  input: { nQ: number; logP: Float64Array; logQ: Float64Array; logW: Float64Array },
  nItems: number,
  stride: number,
): void {
  const nQ = input.nQ;
  const logP = f64Index(at.logP);
  const logQ = f64Index(at.logQ);
  for (let j = 0; j < nItems; j++) {
    f64.set(input.logP.subarray(j * nQ, (j + 1) * nQ), logP + j * stride);
    f64.set(input.logQ.subarray(j * nQ, (j + 1) * nQ), logQ + j * stride);
    if (stride > nQ) {
      f64[logP + j * stride + nQ] = 0;
      f64[logQ + j * stride + nQ] = 0;
    }
  }
  f64.set(input.logW, f64Index(at.logW));
  if (stride > nQ) f64[f64Index(at.logW) + nQ] = Number.NEGATIVE_INFINITY;
}

/**
 * The E-step's accumulators of every region added into `acc` (strided -> nQ nodes per item), and
 * the marginal log-likelihood, the sum over users of max + log(sum).
 */
export function readAccumulators(
  f64: Float64Array,
  regions: readonly Region[],
  acc: { r0: Float64Array; r1: Float64Array; nodeN: Float64Array },
  nQ: number,
  stride: number,
): number {
  const nItems = acc.r0.length / nQ;
  let logLik = 0;
  regions.forEach((r, t) => {
    // The first region's rows copied (what adding them to zeros gives), the others' added.
    const put = t === 0 ? copyRow : addRow;
    for (let j = 0; j < nItems; j++) {
      put(acc.r0, j * nQ, f64, f64Index(r.r0) + j * stride, nQ);
      put(acc.r1, j * nQ, f64, f64Index(r.r1) + j * stride, nQ);
    }
    put(acc.nodeN, 0, f64, f64Index(r.nodeN), nQ);
    const m = f64Index(r.out1);
    const s = f64Index(r.out2);
    for (let u = 0; u < r.u1 - r.u0; u++) logLik += f64[m + u] + Math.log(f64[s + u]);
  });
  return logLik;
}

function copyRow(dst: Float64Array, o: number, src: Float64Array, a: number, n: number): void {
  dst.set(src.subarray(a, a + n), o);
}

function addRow(dst: Float64Array, o: number, src: Float64Array, a: number, n: number): void {
  for (let q = 0; q < n; q++) dst[o + q] += src[a + q];
}
