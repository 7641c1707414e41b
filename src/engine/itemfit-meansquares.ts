/**
 * Item fit on any design (itemfit-sparse.ts), the first statistic.
 *
 * Infit and outfit mean squares (Wright & Masters, 1982; Winsteps' definitions) with their
 *    standardised forms. Winsteps takes each answer's expected value at the learner's point
 *    estimate; on sparse data a point estimate is poor and contains the very answer it judges.
 *    Here each answer x_ni is compared with its posterior predictive probability leaving that
 *    answer out,
 *      p*_ni = integral P_i(theta) pi_{n,-i}(theta) dtheta,
 *      pi_{n,-i} = the learner's posterior from the latent distribution and their other answers,
 *    on the quadrature grid. Given the learner's other answers, x_ni is Bernoulli(p*_ni) under the
 *    model and independent across learners, so with
 *      W = p*(1 - p*),  C = W ((1 - p*)^3 + p*^3)  (the 4th central moment),
 *      outfit = mean of (x - p*)^2 / W,  infit = sum (x - p*)^2 / sum W,
 *    both have expectation 1 and Wright & Masters' variances hold exactly:
 *      q_out^2 = sum(C / W^2) / N^2 - 1 / N,  q_in^2 = sum(C - W^2) / (sum W)^2,
 *      ZSTD = (MNSQ^(1/3) - 1) (3 / q) + q / 3   (Wilson–Hilferty).
 *    The outfit term is also the posterior-integrated one: E over pi_n (which includes x_ni) of
 *    (x - P)^2 / (P (1 - P)) equals (x - p*)^2 / (p* (1 - p*)) exactly, so this is "integrated
 *    over each learner's posterior" rather than "at the EAP". Item parameters are the estimates,
 *    which makes both slightly conservative.
 */

import type { SparseFitData, Tables } from './itemfit-tables.js';
import type { MeanSquares } from './types.js';

/** P is clamped into [EPS, 1 - EPS] for the residuals only: a W of 0 has no z. */
const EPS = 1e-10;

/**
 * p*_k for every answer k of learner u (see the file comment), into pStar[k - userPtr[u]]. The learner's whole posterior
 * post_q = exp(logL_q - max) is formed once; leaving answer k out divides by its factor F_k(q)
 * (P or Q): p* = sum post/F P / sum post/F. A node where post underflowed to 0 had
 * post < 1e-308 of the largest, and post/F <= post e^600 there stays below 1e-47 of the
 * leave-one-out maximum (>= 1, as F <= 1): nothing is lost. Items with a factor below e^-600
 * (slopes beyond ~50) take the log-space path.
 */
export function predictive(
  u: number,
  data: SparseFitData,
  t: Tables,
  logW: Float64Array,
  nQ: number,
  logL: Float64Array,
  post: Float64Array,
  pStar: Float64Array,
): void {
  const { userPtr, userItem, userResp } = data;
  const { logP, logQ, invP, invQ, PoverQ, extreme } = t;
  const start = userPtr[u];
  logL.set(logW);
  for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
    const base = userItem[k] * nQ;
    const lt = userResp[k] === 1 ? logP : logQ;
    for (let q = 0; q < nQ; q++) logL[q] += lt[base + q];
  }
  let top = -Infinity;
  for (let q = 0; q < nQ; q++) if (logL[q] > top) top = logL[q];
  for (let q = 0; q < nQ; q++) post[q] = Math.exp(logL[q] - top);
  for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
    const j = userItem[k];
    const base = j * nQ;
    if (extreme[j] === 1) {
      pStar[k - start] = predictiveInLogs(base, userResp[k] === 1 ? logP : logQ, t.P, logL, nQ);
      continue;
    }
    let num = 0;
    let den = 0;
    if (userResp[k] === 1) {
      // post/P * P = post
      for (let q = 0; q < nQ; q++) {
        num += post[q];
        den += post[q] * invP[base + q];
      }
    } else {
      for (let q = 0; q < nQ; q++) {
        num += post[q] * PoverQ[base + q];
        den += post[q] * invQ[base + q];
      }
    }
    pStar[k - start] = num / den;
  }
}

/** The same leave-one-out probability in log space (one exp per node). */
function predictiveInLogs(
  base: number,
  lt: Float64Array,
  P: Float64Array,
  logL: Float64Array,
  nQ: number,
): number {
  let max = -Infinity;
  for (let q = 0; q < nQ; q++) max = Math.max(max, logL[q] - lt[base + q]);
  let num = 0;
  let den = 0;
  for (let q = 0; q < nQ; q++) {
    const v = Math.exp(logL[q] - lt[base + q] - max);
    num += v * P[base + q];
    den += v;
  }
  return num / den;
}

/**
 * The sums the mean squares of an item are made of, SQUARE_SLOTS per item: answers, sum of
 * (x - p)^2 / W, of (x - p)^2, of W, of C / W^2 and of C - W^2 (see the file comment).
 */
export const SQUARE_SLOTS = 6;

/** Adds answer x with predictive probability pStar to item j's sums. */
export function addSquares(sums: Float64Array, j: number, pStar: number, x: number): void {
  const p = Math.min(1 - EPS, Math.max(EPS, pStar));
  const q = 1 - p;
  const W = p * q;
  const C = W * (q * q * q + p * p * p);
  const r = x - p;
  const o = j * SQUARE_SLOTS;
  sums[o]++;
  sums[o + 1] += (r * r) / W;
  sums[o + 2] += r * r;
  sums[o + 3] += W;
  sums[o + 4] += C / (W * W);
  sums[o + 5] += C - W * W;
}

/** Infit and outfit of every item from its sums (addSquares); null for an item without answers. */
export function meanSquaresFromSums(sums: Float64Array, nItems: number): (MeanSquares | null)[] {
  const out: (MeanSquares | null)[] = [];
  for (let j = 0; j < nItems; j++) {
    const o = j * SQUARE_SLOTS;
    const N = sums[o];
    if (N === 0) {
      out.push(null);
      continue;
    }
    const sumW = sums[o + 3];
    const outfit = sums[o + 1] / N;
    const infit = sums[o + 2] / sumW;
    const qOut = Math.sqrt(Math.max(sums[o + 4] / (N * N) - 1 / N, 0));
    const qIn = Math.sqrt(Math.max(sums[o + 5] / (sumW * sumW), 0));
    out.push({ n: N, infit, infitZ: zstd(infit, qIn), outfit, outfitZ: zstd(outfit, qOut) });
  }
  return out;
}

/** Wilson–Hilferty cube-root transformation of a mean square with standard deviation q. */
function zstd(mnsq: number, q: number): number {
  if (!(q > 0)) return Number.NaN;
  return (Math.cbrt(mnsq) - 1) * (3 / q) + q / 3;
}
