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
 * This file sizes and clears those blocks (byte offsets into the shared memory, at the stride of
 * the current call, in nodes: the kernel computes the same offsets from J and the stride); the
 * kernel's `completeTables` fills the tables and its `foldComplete` adds the counts into r1 and
 * r0 (small loops, which JavaScript ran cold: 5-12 ms of a dense fit's EM).
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

/** Zeroes a thread's A, B, PcR and PcW before an E-step. */
export function clearCompleteCounts(f64: Float64Array, dc: number, nItems: number, stride: number): void {
  const a = f64Index(dc);
  f64.fill(0, a, a + (2 * nItems + 2) * stride);
}
