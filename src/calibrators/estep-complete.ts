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
 * This file sizes those blocks (laid out at the stride of the current call: the kernel computes
 * the offsets from J and the stride); the kernel's `completeTables` fills the tables and its
 * `foldComplete` adds the counts into r1 and r0 (small loops, which JavaScript ran cold: 5-12 ms
 * of a dense fit's EM).
 */

/** Learners who answered every item (each (learner, item) pair is kept once, so a count of J). */
export function countComplete(userPtr: Int32Array, nItems: number): number {
  let n = 0;
  for (let u = 0; u + 1 < userPtr.length; u++) if (userPtr[u + 1] - userPtr[u] === nItems) n++;
  return n;
}

/**
 * Rows of nodes in each complete learners' block: the shared one (D and -D, a row per item, then
 * C0 and C1) and each thread's (A and B, a row per item, then PcR and PcW).
 */
export function completeRows(nItems: number): number {
  return 2 * nItems + 2;
}
