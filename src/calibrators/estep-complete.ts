/**
 * Complete learners in the WebAssembly kernels (estep.wat, "Complete learners"): on a dense test
 * every learner answers all J items, and the log joint at each node is
 *
 *   log w + sum_j log Q_j + sum over right answers of D_j  (D = log P - log Q)
 *   = log w + sum_j log P_j - sum over wrong answers of D_j,
 *
 * so the kernel adds tables for whichever side has fewer answers (on average well under half),
 * in the E-step, Louis' pass and the EAP. The E-step's expected counts follow the same side: the
 * posterior goes to A (right side: the learner's right answers) or B (wrong side: the wrong
 * ones), and its sum over the side's learners to PcR or PcW; every item's counts over those
 * learners are then
 *
 *   r1 = A + PcW - B,  r0 = B + PcR - A.
 *
 * This file lays out, loads, clears and folds those blocks (byte offsets into the shared memory,
 * at the stride of the current call, in nodes: the kernel computes the same offsets from J and the
 * stride).
 */

/** Element index of a byte offset (estep-memory.ts's f64Index: / 8, never >> 3 past 2 GiB). */
const f64Index = (byteOffset: number) => byteOffset / 8;

/** Learners who answered every item (each (learner, item) pair is kept once, so a count of J). */
export function countComplete(userPtr: Int32Array, nItems: number): number {
  let n = 0;
  for (let u = 0; u + 1 < userPtr.length; u++) if (userPtr[u + 1] - userPtr[u] === nItems) n++;
  return n;
}

/** Bytes of the shared block: D, -D (J rows each), C0, C1, for up to `cap` nodes. */
export function completeTableBytes(nItems: number, cap: number): number {
  return 8 * (2 * nItems + 2) * cap;
}

/** Bytes of a thread's block: A, B (J rows each), PcR, PcW. */
export function completeRegionBytes(nItems: number, cap: number): number {
  return 8 * (2 * nItems + 2) * cap;
}

/**
 * D, -D, C0 = log w + sum log Q, C1 = log w + sum log P at `dn`, from the log tables already in
 * the memory (at `logP`, `logQ`, `logW`, `stride` nodes per item). Pad nodes: log w = -inf.
 */
export function loadCompleteTables(
  f64: Float64Array,
  at: { logP: number; logQ: number; logW: number },
  dn: number,
  nItems: number,
  stride: number,
): void {
  const s = stride;
  const d = f64Index(dn);
  const nd = d + nItems * s;
  const c0 = nd + nItems * s;
  const c1 = c0 + s;
  const w = f64Index(at.logW);
  for (let q = 0; q < s; q++) {
    f64[c0 + q] = 0;
    f64[c1 + q] = 0;
  }
  for (let j = 0; j < nItems; j++) {
    const p = f64Index(at.logP) + j * s;
    const lq = f64Index(at.logQ) + j * s;
    for (let q = 0; q < s; q++) {
      const x = f64[p + q] - f64[lq + q];
      f64[d + j * s + q] = x;
      f64[nd + j * s + q] = -x;
      f64[c0 + q] += f64[lq + q];
      f64[c1 + q] += f64[p + q];
    }
  }
  for (let q = 0; q < s; q++) {
    f64[c0 + q] += f64[w + q];
    f64[c1 + q] += f64[w + q];
  }
}

/** Zeroes a thread's A, B, PcR and PcW before an E-step. */
export function clearCompleteCounts(f64: Float64Array, dc: number, nItems: number, stride: number): void {
  const a = f64Index(dc);
  f64.fill(0, a, a + (2 * nItems + 2) * stride);
}

/**
 * Adds a thread's complete learners' counts into r0 and r1 (nQ nodes per item, item-major).
 * Each is a difference of sums over nested sets of learners, so it is >= 0 up to rounding; a
 * rounding below 0 (a count that is 0 in exact arithmetic) is taken as 0.
 */
export function foldCompleteCounts(
  f64: Float64Array,
  dc: number,
  acc: { r0: Float64Array; r1: Float64Array },
  nQ: number,
  stride: number,
): void {
  const nItems = acc.r0.length / nQ;
  const s = stride;
  const a = f64Index(dc);
  const b = a + nItems * s;
  const pcR = b + nItems * s;
  const pcW = pcR + s;
  for (let j = 0; j < nItems; j++) {
    const o = j * nQ;
    for (let q = 0; q < nQ; q++) {
      const aj = f64[a + j * s + q];
      const bj = f64[b + j * s + q];
      acc.r1[o + q] += Math.max(0, aj + (f64[pcW + q] - bj));
      acc.r0[o + q] += Math.max(0, bj + (f64[pcR + q] - aj));
    }
  }
}
