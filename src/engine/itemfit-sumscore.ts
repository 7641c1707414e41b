/**
 * Item fit on any design (itemfit-sparse.ts), the second statistic.
 *
 * S-X2 for incomplete designs. Orlando & Thissen compare, per raw sum score s, the observed
 *    proportion right on item i with its model expectation given s. With different item sets
 *    the expectation is taken given each learner's own sum score on their own items:
 *      e_ni = P(x_ni = 1 | S_n = s_n, items I_n)
 *           = sum_q L^{I_n - i}_{s_n - 1}(x_q) P_i(x_q) w_q / sum_q L^{I_n}_{s_n}(x_q) w_q,
 *    with L the Lord–Wingersky sum-score probabilities over the learner's items (as itemfit.ts
 *    does over the whole test). Learners with none or all of their answers right carry no
 *    information (e = x), as scores 0 and J in S-X2, and are left out. Sum scores on different
 *    item sets are not comparable, so learners are ordered by their summed-score EAP
 *      theta_n = sum_q x_q L^{I_n}_{s_n}(x_q) w_q / sum_q L^{I_n}_{s_n}(x_q) w_q,
 *    a function of (s_n, I_n) only (not of x_ni), and cut into up to `maxGroups` groups of at
 *    least `minGroupSize` learners each, never splitting equal theta_n. Per group
 *    O1 = sum x, E1 = sum e, O0 = N_g - O1, E0 = N_g - E1; the table is collapsed and summed
 *    exactly as S-X2's (itemfit.ts, mirt's rules, mincell 1), and
 *      df = cells - groups   (one per group left after collapsing),
 *    without S-X2's subtraction of the estimated parameters. The parameters are estimated from
 *    the ungrouped answers (marginal ML), not from this table, so by Chernoff and Lehmann (1954)
 *    the statistic's null distribution lies between chi2(G - m) and chi2(G); mirt's df is the
 *    liberal end, ours the conservative one. Measured on simulated sparse 2PL banks: clean items'
 *    mean statistic 8.0-9.2 with 10 groups (m = 2), and 8-9% of them below p = 0.05 with
 *    df = G - m against the few % with df = G (test/engine/itemfit-sparse.test.ts).
 *    On complete data, one group per distinct score and S-X2's df give mirt's S-X2 exactly
 *    (tested); calibrate uses mirt's S-X2 itself there.
 *
 * Cost: the mean squares O(nObs Q); the sum-score expectations O(sum_n K_n^2 Q) for learners with
 * K_n answers (leaving one item out of L costs O(K_n Q) by a stable deconvolution, below), so
 * learners with more than `maxLearnerAnswers` (300) answers stay out of the S-X2 table: a valid
 * test still (which learners enter depends on the design, not on the answers), at a bounded cost.
 */

import { sx2FromTable } from './itemfit.js';
import type { SparseFitData, SparseFitOptions, Tables } from './itemfit-tables.js';
import type { ItemFit } from './types.js';

/** The smallest stride s such that every s-th learner's sum-score pass fits in `budget`. */
export function sumScoreStride(data: SparseFitData, maxAnswers: number, nQ: number, budget: number): number {
  let work = 0;
  for (let u = 0; u < data.nUsers; u++) {
    const K = data.userPtr[u + 1] - data.userPtr[u];
    if (K <= maxAnswers) work += K * K * nQ;
  }
  return Math.max(1, Math.ceil(work / budget));
}

/**
 * e_k = P(x_k = 1 | the learner's sum score on their items) for each answer k of learner u, into
 * eSum[at + k - userPtr[u]], and the learner's summed-score EAP (returned; NaN when all answers
 * are right or all wrong).
 *
 * L^{-k} from L: L_t = L^{-k}_t Q + L^{-k}_{t-1} P, solved upwards, r_t = (L_t - r_{t-1} P) / Q,
 * where P <= 1/2 (an error is multiplied by P/Q <= 1 per step) and downwards,
 * r_{t-1} = (L_t - r_t Q) / P, where P > 1/2: stable either way, O(K) per node.
 */
export function sumScoreExpectations(
  u: number,
  data: SparseFitData,
  t: Tables,
  nodes: Float64Array,
  w: Float64Array,
  scratch: SumScoreScratch,
  eSum: Float64Array,
  at: number,
): number {
  const { userPtr, userItem, userResp } = data;
  const nQ = nodes.length;
  const start = userPtr[u];
  const shift = at - start;
  const K = userPtr[u + 1] - start;
  let s = 0;
  for (let k = start; k < start + K; k++) s += userResp[k];
  if (s === 0 || s === K) {
    for (let k = start; k < start + K; k++) eSum[k + shift] = userResp[k];
    return Number.NaN;
  }
  // Lord–Wingersky over the learner's items node by node (in place, scores downwards; L is
  // node-major, row q holds scores 0..K), then each item left out. A node where L_s w is below
  // 1e-13 of the largest adds less than that to e (r_{s-1} P <= L_s), so it is skipped; so is a
  // node whose Chernoff bound on L_s already is: for independent Bernoullis with mean rate pbar,
  // P(S = s) <= exp(-K KL(s/K || pbar)) on either side of the mean (Hoeffding 1963, thm 1).
  // That skips the O(K^2) recursion at the nodes far from the learner's score, about half of them.
  const L = scratch.L;
  const bound = scratch.bound;
  const K1 = K + 1;
  let best = 0;
  for (let q = 0; q < nQ; q++) {
    let mu = 0;
    for (let m = 0; m < K; m++) mu += t.P[userItem[start + m] * nQ + q];
    bound[q] = chernoffBound(s, K, mu / K) * w[q];
    if (bound[q] > bound[best]) best = q;
  }
  let den = 0;
  let num = 0;
  let top = 0;
  for (let step = 0; step <= nQ; step++) {
    // The node with the largest bound first: its exact value is the yardstick for the others.
    const q = step === 0 ? best : step - 1;
    if (step > 0 && q === best) continue;
    const o = q * K1;
    if (bound[q] < SKIP * top) {
      L[o + s] = 0;
      continue;
    }
    L[o] = 1;
    for (let m = 0; m < K; m++) {
      const i = userItem[start + m] * nQ + q;
      const p = t.P[i];
      const qq = t.Q[i];
      // L_r = L_r Q + L_{r-1} P for r = m + 1 down to 0, each old L read once.
      let hi = L[o + m];
      L[o + m + 1] = hi * p;
      for (let r = o + m; r > o; r--) {
        const lo = L[r - 1];
        L[r] = hi * qq + lo * p;
        hi = lo;
      }
      L[o] = hi * qq;
    }
    const v = L[o + s] * w[q];
    den += v;
    num += v * nodes[q];
    if (v > top) top = v;
  }
  for (let k = start; k < start + K; k++) eSum[k + shift] = 0;
  for (let q = 0; q < nQ; q++) {
    const o = q * K1;
    if (L[o + s] * w[q] < SKIP * top) continue;
    for (let k = start; k < start + K; k++) {
      const i = userItem[k] * nQ + q;
      const p = t.P[i];
      // Times 1/Q or 1/P (the tables'), not divided: these steps are the costliest loop here.
      let r: number;
      if (p <= 0.5) {
        const inv = t.invQ[i];
        r = L[o] * inv;
        for (let m = o + 1; m <= o + s - 1; m++) r = (L[m] - r * p) * inv;
      } else {
        const qq = t.Q[i];
        const inv = t.invP[i];
        r = L[o + K] * inv;
        for (let m = o + K - 1; m >= o + s; m--) r = (L[m] - r * qq) * inv;
      }
      if (r > 0) eSum[k + shift] += r * p * w[q];
    }
  }
  for (let k = start; k < start + K; k++) eSum[k + shift] = Math.min(1, eSum[k + shift] / den);
  return num / den;
}

/** Scratch of the sum-score pass for learners of up to K answers. */
export interface SumScoreScratch {
  readonly L: Float64Array;
  readonly bound: Float64Array;
}

export function sumScoreScratch(K: number, nQ: number): SumScoreScratch {
  return { L: new Float64Array((K + 1) * nQ), bound: new Float64Array(nQ) };
}

/** Relative contribution below which a node is left out of the sum-score expectations. */
const SKIP = 1e-13;

/** Chernoff's bound on P(S = s) for S a sum of K Bernoullis with mean rate pbar (1 at the mean). */
function chernoffBound(s: number, K: number, pbar: number): number {
  const x = s / K;
  if (x === pbar) return 1;
  // K KL(x || pbar), with 0 log 0 = 0; pbar is in (0, 1) for finite item parameters.
  const kl = (x > 0 ? x * Math.log(x / pbar) : 0) + (x < 1 ? (1 - x) * Math.log((1 - x) / (1 - pbar)) : 0);
  return Math.exp(-K * kl);
}

/**
 * The grouped table of one item and its statistic (see the file comment), from its informative
 * respondents in order of theta: their answers, expectations and thetas. `nAnswers` counts all
 * of the item's answers (the N of the RMSEA).
 */
export function incompleteSX2(
  resp: Uint8Array,
  eSum: Float64Array,
  theta: Float64Array,
  nAnswers: number,
  dfSubtract: number,
  options: SparseFitOptions,
  stride: number,
): ItemFit {
  const n = resp.length;
  const maxGroups = options.maxGroups ?? 10;
  const minGroupSize = options.minGroupSize ?? 20;
  const target = Math.min(maxGroups, Math.floor(n / minGroupSize));
  if (target < Math.max(2, dfSubtract + 1)) {
    const least = Math.max(2, dfSubtract + 1) * minGroupSize;
    return {
      kind: 'unavailable',
      reason: `S-X2 needs at least ${least} learners with some but not all of their answers right (and at most ${options.maxLearnerAnswers ?? 300} answers${stride > 1 ? `; on a bank this size one learner in ${stride} enters the table` : ''}); ${n} such learners answered this item`,
    };
  }
  const O0: number[] = [];
  const O1: number[] = [];
  const E0: number[] = [];
  const E1: number[] = [];
  let g = 0;
  let o1 = 0;
  let e1 = 0;
  let size = 0;
  for (let r = 0; r < n; r++) {
    o1 += resp[r];
    e1 += eSum[r];
    size++;
    const last = r === n - 1;
    const tie = !last && theta[r + 1] === theta[r];
    // Close the group at its quantile boundary, never inside a run of equal theta.
    if (last || (!tie && r + 1 >= Math.round(((g + 1) * n) / target) && g < target - 1)) {
      O1.push(o1);
      O0.push(size - o1);
      E1.push(e1);
      E0.push(size - e1);
      g++;
      o1 = 0;
      e1 = 0;
      size = 0;
    }
  }
  const fit = sx2FromTable(O0, O1, E0, E1, options.mincell ?? 1, dfSubtract, nAnswers);
  if (fit.kind !== 'S-X2') return fit;
  return { ...fit, kind: 'S-X2-incomplete' };
}
