/**
 * Per-item screening flags: the one definition the engine's result, the job, the service and the
 * report all use. Pure: numbers in, flag codes out. Thresholds are conventional screening values
 * (documented in docs/ENGINE.md, "Item flags"), not verdicts: a flag asks a person to look.
 *
 *   provisional              n < minResponses: too few answers for the estimate to be served as final
 *   negative_discrimination  a < 0: right answers come from weaker learners (check the key)
 *   low_discrimination       0 <= a < lowDiscrimination: the item barely separates learners
 *   high_discrimination      a > highDiscrimination: a near-perfect split (check the item)
 *   extreme_difficulty       |b| > extremeDifficulty: outside where learners are
 *   high_guessing            c > highGuessing
 *   low_ceiling              u < lowCeiling (4PL upper asymptote): able learners often miss it
 *   imprecise                SE of b > impreciseSeB
 *   floor_or_ceiling         proportion correct below floorCeiling or above 1 - floorCeiling
 *   misfit                   S-X2 (complete or incomplete design) p < misfitAlpha, or an infit or
 *                            outfit mean square above misfitMeanSquare with its ZSTD above misfitZstd
 *   not_converged            the estimate is not a converged one (the caller says so)
 *   not_identified           the data do not identify the item's parameters (the caller says so)
 *   prior_dominated          for some parameter with a prior, the prior holds more than
 *                            priorShare of the posterior precision: posteriorSd^2 / priorSd^2 > priorShare
 *                            (computed only when the caller passes prior and posterior SDs)
 *   slope_held               the slope ran off (perfectly separated answers) in a run without a
 *                            slope prior: held by the fallback prior instead of being left out
 *
 * Under a slope prior that keeps a > 0, negative_discrimination also fires when the data alone
 * say the slope is negative (`dataSlopeNegative`: the score test of a = 0 against a < 0 rejects
 * at one-sided 5%, item-results.ts).
 *
 * The mean-square rule uses Linacre's reading (MNSQ above 1.5 is "unproductive for measurement",
 * ZSTD above 2 is unlikely under the model); under a 2PL/3PL the item's own slope absorbs most of
 * what the mean squares measure (itemfit-sparse.ts), so there S-X2 carries the misfit flag.
 */

export const ITEM_FLAGS = [
  'provisional',
  'negative_discrimination',
  'low_discrimination',
  'high_discrimination',
  'extreme_difficulty',
  'high_guessing',
  'low_ceiling',
  'imprecise',
  'floor_or_ceiling',
  'misfit',
  'not_converged',
  'not_identified',
  'prior_dominated',
  'slope_held',
] as const;

export type ItemFlag = (typeof ITEM_FLAGS)[number];

export interface FlagThresholds {
  readonly minResponses: number;
  readonly lowDiscrimination: number;
  readonly highDiscrimination: number;
  readonly extremeDifficulty: number;
  readonly highGuessing: number;
  readonly lowCeiling: number;
  readonly impreciseSeB: number;
  readonly floorCeiling: number;
  readonly misfitAlpha: number;
  readonly misfitMeanSquare: number;
  readonly misfitZstd: number;
  readonly priorShare: number;
}

export const DEFAULT_FLAG_THRESHOLDS: FlagThresholds = {
  minResponses: 30,
  lowDiscrimination: 0.3,
  highDiscrimination: 4,
  extremeDifficulty: 4,
  highGuessing: 0.35,
  lowCeiling: 0.8,
  impreciseSeB: 1,
  floorCeiling: 0.05,
  misfitAlpha: 0.01,
  misfitMeanSquare: 1.5,
  misfitZstd: 2,
  priorShare: 0.5,
};

/** A parameter's prior and posterior spread on the prior's scale (e.g. log a, b, logit c). */
export interface PriorShare {
  readonly param: string;
  readonly priorSd: number;
  readonly posteriorSd: number;
}

export interface ItemFlagInput {
  /** IRT form. */
  readonly a: number;
  readonly b: number;
  readonly c?: number;
  /** Upper asymptote (4PL; 1 or absent elsewhere). */
  readonly u?: number;
  readonly n?: number;
  readonly pCorrect?: number;
  readonly seB?: number | null;
  /** p of the item's S-X2 (either form), when one was computed. */
  readonly fitP?: number | null;
  readonly meanSquares?: {
    readonly infit: number;
    readonly infitZ: number;
    readonly outfit: number;
    readonly outfitZ: number;
  } | null;
  /** False when the estimate is not a converged one. Unknown (undefined): not flagged. */
  readonly converged?: boolean;
  readonly notIdentified?: boolean;
  /** The hook for priors: without it prior_dominated is not decided. */
  readonly priors?: readonly PriorShare[];
  /** The data alone would give a negative slope (under a prior that keeps a > 0). */
  readonly dataSlopeNegative?: boolean;
  /** The slope was held by the fallback prior after running off. */
  readonly slopeHeld?: boolean;
}

export function itemFlags(it: ItemFlagInput, t: FlagThresholds = DEFAULT_FLAG_THRESHOLDS): ItemFlag[] {
  const flags: ItemFlag[] = [];
  const c = it.c ?? 0;
  if (typeof it.n === 'number' && it.n < t.minResponses) flags.push('provisional');
  if (it.a < 0 || it.dataSlopeNegative) flags.push('negative_discrimination');
  else if (it.a < t.lowDiscrimination) flags.push('low_discrimination');
  else if (it.a > t.highDiscrimination) flags.push('high_discrimination');
  if (Math.abs(it.b) > t.extremeDifficulty || !Number.isFinite(it.b)) flags.push('extreme_difficulty');
  if (c > t.highGuessing) flags.push('high_guessing');
  if ((it.u ?? 1) < t.lowCeiling) flags.push('low_ceiling');
  if (typeof it.seB === 'number' && it.seB > t.impreciseSeB) flags.push('imprecise');
  if (typeof it.pCorrect === 'number' && (it.pCorrect < t.floorCeiling || it.pCorrect > 1 - t.floorCeiling))
    flags.push('floor_or_ceiling');
  if (misfits(it, t)) flags.push('misfit');
  if (it.converged === false) flags.push('not_converged');
  if (it.notIdentified) flags.push('not_identified');
  if (it.priors?.some((p) => p.priorSd > 0 && (p.posteriorSd / p.priorSd) ** 2 > t.priorShare))
    flags.push('prior_dominated');
  if (it.slopeHeld) flags.push('slope_held');
  return flags;
}

function misfits(it: ItemFlagInput, t: FlagThresholds): boolean {
  if (typeof it.fitP === 'number' && it.fitP < t.misfitAlpha) return true;
  const m = it.meanSquares;
  if (!m) return false;
  return (
    (m.infit > t.misfitMeanSquare && m.infitZ > t.misfitZstd) ||
    (m.outfit > t.misfitMeanSquare && m.outfitZ > t.misfitZstd)
  );
}

/** What a flag means for this item, for people (the report's flag column). */
export function describeFlag(
  flag: ItemFlag,
  it: ItemFlagInput,
  t: FlagThresholds = DEFAULT_FLAG_THRESHOLDS,
): string {
  const r = (x: number | null | undefined) => (typeof x === 'number' ? x.toPrecision(2) : '–');
  switch (flag) {
    case 'provisional':
      return `provisional (n = ${it.n} < ${t.minResponses})`;
    case 'negative_discrimination':
      return 'negative discrimination (check the key)';
    case 'low_discrimination':
      return `weak discrimination (a < ${t.lowDiscrimination})`;
    case 'high_discrimination':
      return `very steep (a > ${t.highDiscrimination}): a near-perfect split, check the item`;
    case 'extreme_difficulty':
      return `extreme difficulty (|b| > ${t.extremeDifficulty})`;
    case 'high_guessing':
      return `high guessing (c > ${t.highGuessing})`;
    case 'low_ceiling':
      return `low ceiling (u < ${t.lowCeiling}): able learners often miss it`;
    case 'imprecise':
      return `imprecise (SE of b > ${t.impreciseSeB})`;
    case 'floor_or_ceiling':
      return 'near floor or ceiling';
    case 'misfit': {
      const m = it.meanSquares;
      const parts = [
        ...(typeof it.fitP === 'number' && it.fitP < t.misfitAlpha ? [`S-X2 p = ${r(it.fitP)}`] : []),
        ...(m && m.infit > t.misfitMeanSquare && m.infitZ > t.misfitZstd
          ? [`infit ${r(m.infit)}, ZSTD ${r(m.infitZ)}`]
          : []),
        ...(m && m.outfit > t.misfitMeanSquare && m.outfitZ > t.misfitZstd
          ? [`outfit ${r(m.outfit)}, ZSTD ${r(m.outfitZ)}`]
          : []),
      ];
      return parts.length ? `misfit (${parts.join('; ')})` : 'misfit';
    }
    case 'not_converged':
      return 'not converged: the estimate is not final';
    case 'not_identified':
      return 'not identified (its answers share no user with another item): not an estimate';
    case 'prior_dominated':
      return 'prior-dominated: the data moved the estimate little from its prior';
    case 'slope_held':
      return 'slope held by the fallback prior (its answers are perfectly separated: no finite slope)';
  }
}
