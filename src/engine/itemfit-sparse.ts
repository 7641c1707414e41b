/**
 * Item fit on any design: learners who answer different subsets of the bank, as a learning
 * platform's data always are. Two statistics per item, both defined per answer.
 *
 * 1. Infit and outfit mean squares (Wright & Masters, 1982; Winsteps' definitions) with their
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
 *
 * 2. S-X2 for incomplete designs. Orlando & Thissen compare, per raw sum score s, the observed
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

import { itemFitSX2, type SX2Options, sx2FromTable } from './itemfit.js';
import { fillProbabilities } from './models/logistic.js';
import type { ItemBank } from './models.js';
import { equallySpacedNodes, normalLogWeights } from './quadrature.js';
import type { ResponseData } from './responses.js';
import type { ItemFit, LatentDistribution, MeanSquares } from './types.js';

export interface SparseFitOptions {
  /** Quadrature nodes (default 61) on [-quadRange, quadRange] (default 6). */
  readonly quadPoints?: number;
  readonly quadRange?: number;
  /**
   * Subtracted from each item's df (default 0, see the file comment; S-X2's count of the
   * estimated parameters reproduces mirt on complete data).
   */
  readonly dfSubtract?: ArrayLike<number>;
  /** Minimum expected count of a cell (default 1, as S-X2). */
  readonly mincell?: number;
  /** Most groups per item (default 10). */
  readonly maxGroups?: number;
  /** Fewest informative learners per group (default 20). */
  readonly minGroupSize?: number;
  /** false: the mean squares only (default true: both statistics). */
  readonly sx2?: boolean;
  /**
   * Learners with more answers stay out of the S-X2 table (not out of the mean squares): their
   * sum-score expectations cost O(K^2 nodes) each. Default 300.
   */
  readonly maxLearnerAnswers?: number;
  /**
   * Bound on the sum-score pass, in node-answer² units (sum over learners of K_n² Q): past it,
   * every s-th learner (by index, so the choice does not depend on the answers) enters the S-X2
   * table, s the smallest stride that fits. Default 5e8 (about 0.5 s on one core); the mean
   * squares always use every answer. Without it a 2M-answer bank spent 20 s here against 1.5 s
   * for the whole rest of the calibration.
   */
  readonly maxSumScoreWork?: number;
}

export type SparseFitData = Pick<ResponseData, 'nUsers' | 'nItems' | 'userPtr' | 'userItem' | 'userResp'>;

export interface SparseItemFit {
  /** S-X2 generalised to incomplete designs, or why not. */
  readonly sx2: ItemFit;
  /** Infit/outfit over every answer to the item (null without answers). */
  readonly meanSquares: MeanSquares | null;
}

export interface ItemFitResult {
  readonly fit: ItemFit[];
  readonly meanSquares: (MeanSquares | null)[];
}

/**
 * The item fit calibrate reports: mirt's S-X2 on complete data, the incomplete-design S-X2
 * otherwise, and the mean squares on any design.
 */
export function itemFitAnyDesign(
  data: SparseFitData,
  bank: ItemBank,
  latent: LatentDistribution,
  options: SX2Options & Omit<SparseFitOptions, 'dfSubtract' | 'sx2'>,
): ItemFitResult {
  let complete = true;
  for (let u = 0; u < data.nUsers && complete; u++)
    complete = data.userPtr[u + 1] - data.userPtr[u] === data.nItems;
  const sparse = itemFitSparse(data, bank, latent, { ...options, sx2: !complete });
  return {
    fit: complete ? itemFitSX2(data, bank, latent, options) : sparse.map((f) => f.sx2),
    meanSquares: sparse.map((f) => f.meanSquares),
  };
}

/**
 * The default bound on the sum-score pass: 5e8 node-answer² units, about 0.5 s of one core. A
 * 2M-answer bank (50,000 learners x 40 answers) then puts one learner in 10 into the S-X2 table,
 * about 400 per item, enough for its 10 groups of 20; the mean squares still see every answer.
 */
const SUM_SCORE_WORK = 5e8;

/** P is clamped into [EPS, 1 - EPS] for the residuals only: a W of 0 has no z. */
const EPS = 1e-10;

export function itemFitSparse(
  data: SparseFitData,
  bank: ItemBank,
  latent: LatentDistribution,
  options: SparseFitOptions,
): SparseItemFit[] {
  const J = bank.a.length;
  const { nUsers, userPtr, userItem, userResp } = data;
  const nObs = userPtr[nUsers];
  const nQ = options.quadPoints ?? 61;
  const nodes = equallySpacedNodes(nQ, options.quadRange ?? 6);
  const logW = normalLogWeights(nodes, latent.mean, latent.variance);
  const w = logW.map(Math.exp);
  const tables = probabilityTables(bank, nodes);

  // Per answer: leave-one-out predictive probability and sum-score expectation; per learner:
  // summed-score EAP (NaN: no information, all right or all wrong).
  const pStar = new Float64Array(nObs);
  const eSum = new Float64Array(nObs);
  const theta = new Float64Array(nUsers);
  const maxAnswers = options.maxLearnerAnswers ?? 300;
  let maxK = 0;
  for (let u = 0; u < nUsers; u++) maxK = Math.max(maxK, Math.min(maxAnswers, userPtr[u + 1] - userPtr[u]));
  const scratch = {
    logL: new Float64Array(nQ),
    post: new Float64Array(nQ),
    L: new Float64Array((maxK + 1) * nQ),
    bound: new Float64Array(nQ),
  };
  const withSX2 = options.sx2 ?? true;
  const stride = withSX2
    ? sumScoreStride(data, maxAnswers, nQ, options.maxSumScoreWork ?? SUM_SCORE_WORK)
    : 1;
  for (let u = 0; u < nUsers; u++) {
    predictive(u, data, tables, logW, nQ, scratch.logL, scratch.post, pStar);
    if (!withSX2) continue;
    theta[u] =
      userPtr[u + 1] - userPtr[u] > maxAnswers || u % stride !== 0
        ? Number.NaN
        : sumScoreExpectations(u, data, tables, nodes, w, scratch, eSum);
  }

  // Answers by item.
  const itemPtr = new Int32Array(J + 1);
  for (let k = 0; k < nObs; k++) itemPtr[userItem[k] + 1]++;
  for (let j = 0; j < J; j++) itemPtr[j + 1] += itemPtr[j];
  const fill = itemPtr.slice(0, J);
  const byItem = new Int32Array(nObs);
  const userOf = new Int32Array(nObs);
  for (let u = 0; u < nUsers; u++) {
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
      const o = fill[userItem[k]]++;
      byItem[o] = k;
      userOf[o] = u;
    }
  }

  const out: SparseItemFit[] = [];
  for (let j = 0; j < J; j++) {
    const from = itemPtr[j];
    const to = itemPtr[j + 1];
    out.push({
      meanSquares: meanSquares(byItem.subarray(from, to), userResp, pStar),
      sx2: !withSX2
        ? { kind: 'unavailable', reason: 'not requested' }
        : incompleteSX2(
            byItem.subarray(from, to),
            userOf.subarray(from, to),
            userResp,
            eSum,
            theta,
            options.dfSubtract?.[j] ?? 0,
            options,
            stride,
          ),
    });
  }
  return out;
}

/** The smallest stride s such that every s-th learner's sum-score pass fits in `budget`. */
export function sumScoreStride(data: SparseFitData, maxAnswers: number, nQ: number, budget: number): number {
  let work = 0;
  for (let u = 0; u < data.nUsers; u++) {
    const K = data.userPtr[u + 1] - data.userPtr[u];
    if (K <= maxAnswers) work += K * K * nQ;
  }
  return Math.max(1, Math.ceil(work / budget));
}

interface Tables {
  readonly P: Float64Array;
  readonly Q: Float64Array;
  readonly logP: Float64Array;
  readonly logQ: Float64Array;
  /** 1/P, 1/Q and P/Q per item and node: the leave-one-out posterior without an exp per node. */
  readonly invP: Float64Array;
  readonly invQ: Float64Array;
  readonly PoverQ: Float64Array;
  /** Per item: 1 when some node's P or Q is below e^-600 (the linear-space path could underflow). */
  readonly extreme: Uint8Array;
}

/** P, Q = 1 - P (without cancellation, models/logistic.ts), their logs and ratios per item and node. */
function probabilityTables(bank: ItemBank, nodes: Float64Array): Tables {
  const nQ = nodes.length;
  const P = new Float64Array(bank.a.length * nQ);
  const Q = new Float64Array(P.length);
  fillProbabilities(bank, nodes, P, Q);
  const extreme = new Uint8Array(bank.a.length);
  for (let i = 0; i < P.length; i++) if (!(P[i] > TINY && Q[i] > TINY)) extreme[Math.floor(i / nQ)] = 1;
  return {
    P,
    Q,
    logP: P.map(Math.log),
    logQ: Q.map(Math.log),
    invP: P.map((p) => 1 / p),
    invQ: Q.map((q) => 1 / q),
    PoverQ: P.map((p, i) => p / Q[i]),
    extreme,
  };
}

/** e^-600: below it a factor of the posterior may underflow once multiplied in. */
const TINY = Math.exp(-600);

/**
 * p*_k for every answer k of learner u (see the file comment). The learner's whole posterior
 * post_q = exp(logL_q - max) is formed once; leaving answer k out divides by its factor F_k(q)
 * (P or Q): p* = sum post/F P / sum post/F. A node where post underflowed to 0 had
 * post < 1e-308 of the largest, and post/F <= post e^600 there stays below 1e-47 of the
 * leave-one-out maximum (>= 1, as F <= 1): nothing is lost. Items with a factor below e^-600
 * (slopes beyond ~50) take the log-space path.
 */
function predictive(
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
  logL.set(logW);
  for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
    const base = userItem[k] * nQ;
    const lt = userResp[k] === 1 ? t.logP : t.logQ;
    for (let q = 0; q < nQ; q++) logL[q] += lt[base + q];
  }
  let top = -Infinity;
  for (let q = 0; q < nQ; q++) if (logL[q] > top) top = logL[q];
  for (let q = 0; q < nQ; q++) post[q] = Math.exp(logL[q] - top);
  for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
    const j = userItem[k];
    const base = j * nQ;
    if (t.extreme[j] === 1) {
      pStar[k] = predictiveInLogs(base, userResp[k] === 1 ? t.logP : t.logQ, t.P, logL, nQ);
      continue;
    }
    let num = 0;
    let den = 0;
    if (userResp[k] === 1) {
      // post/P * P = post
      for (let q = 0; q < nQ; q++) {
        num += post[q];
        den += post[q] * t.invP[base + q];
      }
    } else {
      for (let q = 0; q < nQ; q++) {
        num += post[q] * t.PoverQ[base + q];
        den += post[q] * t.invQ[base + q];
      }
    }
    pStar[k] = num / den;
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
 * e_k = P(x_k = 1 | the learner's sum score on their items) for each answer k of learner u, and
 * the learner's summed-score EAP (returned; NaN when all answers are right or all wrong).
 *
 * L^{-k} from L: L_t = L^{-k}_t Q + L^{-k}_{t-1} P, solved upwards, r_t = (L_t - r_{t-1} P) / Q,
 * where P <= 1/2 (an error is multiplied by P/Q <= 1 per step) and downwards,
 * r_{t-1} = (L_t - r_t Q) / P, where P > 1/2: stable either way, O(K) per node.
 */
function sumScoreExpectations(
  u: number,
  data: SparseFitData,
  t: Tables,
  nodes: Float64Array,
  w: Float64Array,
  scratch: { L: Float64Array; bound: Float64Array },
  eSum: Float64Array,
): number {
  const { userPtr, userItem, userResp } = data;
  const nQ = nodes.length;
  const start = userPtr[u];
  const K = userPtr[u + 1] - start;
  let s = 0;
  for (let k = start; k < start + K; k++) s += userResp[k];
  if (s === 0 || s === K) {
    for (let k = start; k < start + K; k++) eSum[k] = userResp[k];
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
    L.fill(0, o, o + K1);
    L[o] = 1;
    for (let m = 0; m < K; m++) {
      const i = userItem[start + m] * nQ + q;
      const p = t.P[i];
      const qq = t.Q[i];
      L[o + m + 1] = L[o + m] * p;
      for (let r = o + m; r > o; r--) L[r] = L[r] * qq + L[r - 1] * p;
      L[o] *= qq;
    }
    const v = L[o + s] * w[q];
    den += v;
    num += v * nodes[q];
    if (v > top) top = v;
  }
  for (let k = start; k < start + K; k++) eSum[k] = 0;
  for (let q = 0; q < nQ; q++) {
    const o = q * K1;
    if (L[o + s] * w[q] < SKIP * top) continue;
    for (let k = start; k < start + K; k++) {
      const i = userItem[k] * nQ + q;
      const p = t.P[i];
      const qq = t.Q[i];
      let r: number;
      if (p <= 0.5) {
        r = L[o] / qq;
        for (let m = o + 1; m <= o + s - 1; m++) r = (L[m] - r * p) / qq;
      } else {
        r = L[o + K] / p;
        for (let m = o + K - 1; m >= o + s; m--) r = (L[m] - r * qq) / p;
      }
      if (r > 0) eSum[k] += r * p * w[q];
    }
  }
  for (let k = start; k < start + K; k++) eSum[k] = Math.min(1, eSum[k] / den);
  return num / den;
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

/** Infit and outfit of one item from its answers' predictive probabilities. */
function meanSquares(answers: Int32Array, resp: Uint8Array, pStar: Float64Array): MeanSquares | null {
  const N = answers.length;
  if (N === 0) return null;
  let sumZ2 = 0;
  let sumR2 = 0;
  let sumW = 0;
  let sumCW2 = 0;
  let sumCmW2 = 0;
  for (const k of answers) {
    const p = Math.min(1 - EPS, Math.max(EPS, pStar[k]));
    const W = p * (1 - p);
    const C = W * ((1 - p) ** 3 + p ** 3);
    const r = resp[k] - p;
    sumZ2 += (r * r) / W;
    sumR2 += r * r;
    sumW += W;
    sumCW2 += C / (W * W);
    sumCmW2 += C - W * W;
  }
  const outfit = sumZ2 / N;
  const infit = sumR2 / sumW;
  const qOut = Math.sqrt(Math.max(sumCW2 / (N * N) - 1 / N, 0));
  const qIn = Math.sqrt(Math.max(sumCmW2 / (sumW * sumW), 0));
  return { n: N, infit, infitZ: zstd(infit, qIn), outfit, outfitZ: zstd(outfit, qOut) };
}

/** Wilson–Hilferty cube-root transformation of a mean square with standard deviation q. */
function zstd(mnsq: number, q: number): number {
  if (!(q > 0)) return Number.NaN;
  return (Math.cbrt(mnsq) - 1) * (3 / q) + q / 3;
}

/** The grouped table of one item and its statistic (see the file comment). */
function incompleteSX2(
  answers: Int32Array,
  users: Int32Array,
  resp: Uint8Array,
  eSum: Float64Array,
  theta: Float64Array,
  dfSubtract: number,
  options: SparseFitOptions,
  stride: number,
): ItemFit {
  const idx: number[] = [];
  for (let m = 0; m < answers.length; m++) if (!Number.isNaN(theta[users[m]])) idx.push(m);
  const n = idx.length;
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
  idx.sort((x, y) => theta[users[x]] - theta[users[y]]);
  const O0: number[] = [];
  const O1: number[] = [];
  const E0: number[] = [];
  const E1: number[] = [];
  let g = 0;
  let o1 = 0;
  let e1 = 0;
  let size = 0;
  for (let r = 0; r < n; r++) {
    const k = answers[idx[r]];
    o1 += resp[k];
    e1 += eSum[k];
    size++;
    const last = r === n - 1;
    const tie = !last && theta[users[idx[r + 1]]] === theta[users[idx[r]]];
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
  const fit = sx2FromTable(O0, O1, E0, E1, options.mincell ?? 1, dfSubtract, answers.length);
  if (fit.kind !== 'S-X2') return fit;
  return { ...fit, kind: 'S-X2-incomplete' };
}
