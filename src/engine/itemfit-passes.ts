/**
 * Item fit's per-learner passes (itemfit-sparse.ts): each learner's answers against their
 * leave-one-out predictive probabilities (the mean squares' sums, itemfit-meansquares.ts) and,
 * for the learners in the S-X2 table, against their sum-score expectations
 * (itemfit-sumscore.ts). Learners are independent, so the passes may run on several threads:
 * `learnerPassesJs` is the reference, an executor may offer the same contract
 * (EStepExecutor.itemFitPasses), and the tables of S-X2 are then built from the outputs here.
 */

import { addSquares, predictive, SQUARE_SLOTS } from './itemfit-meansquares.js';
import { sumScoreExpectations, sumScoreScratch } from './itemfit-sumscore.js';
import type { SparseFitData, Tables } from './itemfit-tables.js';

export interface ItemFitPassInput {
  readonly data: SparseFitData;
  readonly tables: Tables;
  readonly nodes: Float64Array;
  /** Log weights of the nodes under the latent distribution, and the weights. */
  readonly logW: Float64Array;
  readonly w: Float64Array;
  /** The learners in the S-X2 table, ascending (empty: no S-X2). */
  readonly selected: Int32Array;
  /** Where each selected learner's expectations start in `eSum` (length selected + 1). */
  readonly selectedPtr: Int32Array;
}

export interface ItemFitPassOutput {
  /** SQUARE_SLOTS sums per item (meanSquaresFromSums). */
  readonly squares: Float64Array;
  /** Sum-score expectation of each answer of the selected learners, at selectedPtr. */
  readonly eSum: Float64Array;
  /** Summed-score EAP of each selected learner (NaN: all right or all wrong). */
  readonly theta: Float64Array;
}

/**
 * The learners in the S-X2 table: every `stride`-th learner (by index) with at most
 * `maxAnswers` answers, and where their expectations go.
 */
export function selectLearners(
  data: SparseFitData,
  maxAnswers: number,
  stride: number,
): { selected: Int32Array; selectedPtr: Int32Array } {
  const { nUsers, userPtr } = data;
  const chosen: number[] = [];
  for (let u = 0; u < nUsers; u += stride) if (userPtr[u + 1] - userPtr[u] <= maxAnswers) chosen.push(u);
  const selected = Int32Array.from(chosen);
  const selectedPtr = new Int32Array(selected.length + 1);
  for (let i = 0; i < selected.length; i++)
    selectedPtr[i + 1] = selectedPtr[i] + userPtr[selected[i] + 1] - userPtr[selected[i]];
  return { selected, selectedPtr };
}

/** Both passes on this thread, learners in order (the reference of any other executor). */
export function learnerPassesJs(input: ItemFitPassInput): ItemFitPassOutput {
  const { selected, selectedPtr } = input;
  const eSum = new Float64Array(selectedPtr[selected.length]);
  const theta = new Float64Array(selected.length);
  sumScorePassJs(input, 0, selected.length, eSum, theta);
  return { squares: squaresPassJs(input), eSum, theta };
}

/** The mean squares' sums of every item (SQUARE_SLOTS each), learners in order. */
function squaresPassJs(input: ItemFitPassInput): Float64Array {
  const { data, tables, logW } = input;
  const { nUsers, nItems, userPtr, userItem, userResp } = data;
  const nQ = logW.length;
  let maxK = 0;
  for (let u = 0; u < nUsers; u++) maxK = Math.max(maxK, userPtr[u + 1] - userPtr[u]);
  const logL = new Float64Array(nQ);
  const post = new Float64Array(nQ);
  const pStar = new Float64Array(maxK);
  const squares = new Float64Array(nItems * SQUARE_SLOTS);
  for (let u = 0; u < nUsers; u++) {
    predictive(u, data, tables, logW, nQ, logL, post, pStar);
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++)
      addSquares(squares, userItem[k], pStar[k - userPtr[u]], userResp[k]);
  }
  return squares;
}

/**
 * The sum-score expectations (into eSum at selectedPtr) and summed-score EAPs (into theta) of
 * the selected learners [from, to).
 */
export function sumScorePassJs(
  input: ItemFitPassInput,
  from: number,
  to: number,
  eSum: Float64Array,
  theta: Float64Array,
): void {
  const { data, tables, nodes, w, selected, selectedPtr } = input;
  let maxK = 0;
  for (let i = from; i < to; i++) maxK = Math.max(maxK, selectedPtr[i + 1] - selectedPtr[i]);
  const scratch = sumScoreScratch(maxK, nodes.length);
  for (let i = from; i < to; i++)
    theta[i] = sumScoreExpectations(selected[i], data, tables, nodes, w, scratch, eSum, selectedPtr[i]);
}

/** Per item, its informative respondents (selected, finite theta) in order of theta. */
export interface RankedAnswers {
  /** Item j's entries are [itemPtr[j], itemPtr[j + 1]). */
  readonly itemPtr: Int32Array;
  readonly resp: Uint8Array;
  readonly eSum: Float64Array;
  readonly theta: Float64Array;
}

/**
 * The selected learners with a finite theta sorted by theta, ties in learner order (as a stable
 * sort of each item's answers in learner order), and their answers scattered to items in that
 * order: each item's respondents arrive sorted, one sort instead of one per item.
 */
export function rankAnswers(
  data: SparseFitData,
  input: ItemFitPassInput,
  out: ItemFitPassOutput,
): RankedAnswers {
  const { userPtr, userItem, userResp, nItems } = data;
  const { selected, selectedPtr } = input;
  const informative: number[] = [];
  for (let i = 0; i < selected.length; i++) if (!Number.isNaN(out.theta[i])) informative.push(i);
  const order = Int32Array.from(informative).sort((x, y) => out.theta[x] - out.theta[y] || x - y);
  const itemPtr = new Int32Array(nItems + 1);
  for (const i of order) {
    const u = selected[i];
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) itemPtr[userItem[k] + 1]++;
  }
  for (let j = 0; j < nItems; j++) itemPtr[j + 1] += itemPtr[j];
  const fill = itemPtr.slice(0, nItems);
  const n = itemPtr[nItems];
  const ranked = { itemPtr, resp: new Uint8Array(n), eSum: new Float64Array(n), theta: new Float64Array(n) };
  for (const i of order) {
    const u = selected[i];
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
      const at = fill[userItem[k]]++;
      ranked.resp[at] = userResp[k];
      ranked.eSum[at] = out.eSum[selectedPtr[i] + k - userPtr[u]];
      ranked.theta[at] = out.theta[i];
    }
  }
  return ranked;
}
