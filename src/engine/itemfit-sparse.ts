/**
 * Item fit on any design: learners who answer different subsets of the bank, as a learning
 * platform's data always are. Two statistics per item, both defined per answer:
 * infit and outfit mean squares from each answer's leave-one-out posterior predictive
 * probability (itemfit-meansquares.ts), and S-X2 generalised to incomplete designs, each answer
 * against its expectation given the learner's sum score on their own items (itemfit-sumscore.ts).
 * On complete data calibrate reports mirt's S-X2 itself (itemfit.ts).
 */

import { itemFitSX2, type SX2Options } from './itemfit.js';
import { meanSquaresByItem, predictive } from './itemfit-meansquares.js';
import { incompleteSX2, sumScoreExpectations, sumScoreStride } from './itemfit-sumscore.js';
import { probabilityTables, type SparseFitData, type SparseFitOptions } from './itemfit-tables.js';
import type { ItemBank } from './models.js';
import { equallySpacedNodes, normalLogWeights } from './quadrature.js';
import type { ItemFit, LatentDistribution, MeanSquares } from './types.js';

export { sumScoreStride } from './itemfit-sumscore.js';
export type { SparseFitData, SparseFitOptions } from './itemfit-tables.js';

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

  const squares = meanSquaresByItem(userItem, userResp, pStar, J);
  if (!withSX2)
    return squares.map((m) => ({ meanSquares: m, sx2: { kind: 'unavailable', reason: 'not requested' } }));

  // Answers by item, for the grouped tables.
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
  return squares.map((m, j) => ({
    meanSquares: m,
    sx2: incompleteSX2(
      byItem.subarray(itemPtr[j], itemPtr[j + 1]),
      userOf.subarray(itemPtr[j], itemPtr[j + 1]),
      userResp,
      eSum,
      theta,
      options.dfSubtract?.[j] ?? 0,
      options,
      stride,
    ),
  }));
}
