/**
 * Item fit on any design: learners who answer different subsets of the bank, as a learning
 * platform's data always are. Two statistics per item, both defined per answer:
 * infit and outfit mean squares from each answer's leave-one-out posterior predictive
 * probability (itemfit-meansquares.ts), and S-X2 generalised to incomplete designs, each answer
 * against its expectation given the learner's sum score on their own items (itemfit-sumscore.ts).
 * On complete data calibrate reports mirt's S-X2 itself (itemfit.ts).
 */

import type { EStepExecutor } from './em.js';
import { itemFitSX2, type SX2Options } from './itemfit.js';
import { meanSquaresFromSums } from './itemfit-meansquares.js';
import {
  type ItemFitPassInput,
  type ItemFitPassOutput,
  learnerPassesJs,
  rankAnswers,
  selectLearners,
} from './itemfit-passes.js';
import { incompleteSX2, sumScoreStride } from './itemfit-sumscore.js';
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
 * otherwise, and the mean squares on any design. The per-learner passes run on the executor's
 * threads when it offers them (the same sums, in another order), else on this one.
 */
export async function itemFitAnyDesign(
  data: SparseFitData,
  bank: ItemBank,
  latent: LatentDistribution,
  options: SX2Options & Omit<SparseFitOptions, 'dfSubtract' | 'sx2'>,
  executor?: Pick<EStepExecutor, 'itemFitPasses'>,
): Promise<ItemFitResult> {
  let complete = true;
  for (let u = 0; u < data.nUsers && complete; u++)
    complete = data.userPtr[u + 1] - data.userPtr[u] === data.nItems;
  const sparseOptions = { ...options, sx2: !complete };
  const input = passInput(data, bank, latent, sparseOptions);
  const passes =
    (!input.tables.extreme.includes(1) && (await executor?.itemFitPasses?.(input))) || learnerPassesJs(input);
  const sparse = fromPasses(data, input, passes, sparseOptions);
  return {
    fit: complete ? itemFitSX2(data, bank, latent, options, input.tables) : sparse.map((f) => f.sx2),
    meanSquares: sparse.map((f) => f.meanSquares),
  };
}

/**
 * The default bound on the sum-score pass: 5e8 node-answer² units, about 0.5 s of one core. A
 * 2M-answer bank (50,000 learners x 40 answers) then puts one learner in 10 into the S-X2 table,
 * about 400 per item, enough for its 10 groups of 20; the mean squares still see every answer.
 */
const SUM_SCORE_WORK = 5e8;

/** Both statistics of every item, the passes on this thread. */
export function itemFitSparse(
  data: SparseFitData,
  bank: ItemBank,
  latent: LatentDistribution,
  options: SparseFitOptions,
): SparseItemFit[] {
  const input = passInput(data, bank, latent, options);
  return fromPasses(data, input, learnerPassesJs(input), options);
}

/** Grid, tables and the learners of the S-X2 table (see SparseFitOptions.maxSumScoreWork). */
function passInput(
  data: SparseFitData,
  bank: ItemBank,
  latent: LatentDistribution,
  options: SparseFitOptions,
): ItemFitPassInput & { stride: number } {
  const nQ = options.quadPoints ?? 61;
  const nodes = equallySpacedNodes(nQ, options.quadRange ?? 6);
  const logW = normalLogWeights(nodes, latent.mean, latent.variance);
  const maxAnswers = options.maxLearnerAnswers ?? 300;
  const withSX2 = options.sx2 ?? true;
  const stride = withSX2
    ? sumScoreStride(data, maxAnswers, nQ, options.maxSumScoreWork ?? SUM_SCORE_WORK)
    : 1;
  const table = withSX2
    ? selectLearners(data, maxAnswers, stride)
    : { selected: new Int32Array(0), selectedPtr: new Int32Array(1) };
  return {
    data,
    tables: probabilityTables(bank, nodes),
    nodes,
    logW,
    w: logW.map(Math.exp),
    ...table,
    stride,
  };
}

/** The statistics from the passes' outputs. */
function fromPasses(
  data: SparseFitData,
  input: ItemFitPassInput & { stride: number },
  out: ItemFitPassOutput,
  options: SparseFitOptions,
): SparseItemFit[] {
  const squares = meanSquaresFromSums(out.squares, data.nItems);
  if (!(options.sx2 ?? true))
    return squares.map((m) => ({ meanSquares: m, sx2: { kind: 'unavailable', reason: 'not requested' } }));
  const ranked = rankAnswers(data, input, out);
  const nAnswers = new Int32Array(data.nItems);
  for (let k = 0; k < data.userPtr[data.nUsers]; k++) nAnswers[data.userItem[k]]++;
  return squares.map((m, j) => {
    const [lo, hi] = [ranked.itemPtr[j], ranked.itemPtr[j + 1]];
    return {
      meanSquares: m,
      sx2: incompleteSX2(
        ranked.resp.subarray(lo, hi),
        ranked.eSum.subarray(lo, hi),
        ranked.theta.subarray(lo, hi),
        nAnswers[j],
        options.dfSubtract?.[j] ?? 0,
        options,
        input.stride,
      ),
    };
  });
}
