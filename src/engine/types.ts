/**
 * The engine's public vocabulary: models, options and results.
 *
 * Parameterisation (as mirt): P(correct | theta) = c + (u - c) / (1 + exp(-(a*theta + d))),
 * IRT form b = -d / a. No 1.702 scaling constant. What each model estimates is in models/.
 */

/**
 * Item response models. `Rasch`: a = 1, latent variance estimated. `1PL`: one shared a, latent
 * N(0,1). `3PL` adds the lower asymptote c, `4PL` also the upper asymptote u < 1.
 */
export type ModelName = 'Rasch' | '1PL' | '2PL' | '3PL' | '4PL';
export const MODEL_NAMES: readonly ModelName[] = ['Rasch', '1PL', '2PL', '3PL', '4PL'];

import { EngineInputError } from './errors.js';

export { EngineInputError };

/** Model names are case-insensitive; anything else is an error (never a silent fallback to 2PL). */
export function parseModel(name: string): ModelName {
  const wanted = String(name).trim().toLowerCase();
  const found = MODEL_NAMES.find((m) => m.toLowerCase() === wanted);
  if (!found) {
    throw new EngineInputError(`unknown model "${name}": expected one of ${MODEL_NAMES.join(', ')}`, 'model');
  }
  return found;
}

/**
 * Prior on an asymptote (the lower c of the 3PL/4PL, the upper u of the 4PL).
 * - `normal`: a normal density on its logit (mirt's `PRIOR = (1-J, g, norm, mean, sd)`).
 * - `beta`: a Beta(alpha, beta) density on the probability itself.
 */
export type LogitPrior =
  | { readonly kind: 'none' }
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number }
  | { readonly kind: 'beta'; readonly alpha: number; readonly beta: number };

/** The lower asymptote's prior. */
export type CPrior = LogitPrior;

/** Default prior for unattended 3PL runs: N(-1.1, 2^2) on logit(c), centred near c = 0.25. */
export const DEFAULT_C_PRIOR: CPrior = { kind: 'normal', mean: -1.1, sd: 2 };

export const NO_PRIOR: { readonly kind: 'none' } = { kind: 'none' };

/** Parses `none`, `normal:MEAN:SD` or `beta:A:B` (the prior on c). */
export function parseCPrior(spec: string): CPrior {
  return parseLogitPrior(spec, 'c');
}

/** The same for the 4PL's upper asymptote u (none by default, as mirt). */
export function parseUPrior(spec: string): LogitPrior {
  return parseLogitPrior(spec, 'u');
}

function parseLogitPrior(spec: string, what: 'c' | 'u'): LogitPrior {
  const parts = spec.trim().toLowerCase().split(':');
  const nums = parts.slice(1).map(Number);
  if (parts[0] === 'none' && parts.length === 1) return { kind: 'none' };
  if (parts[0] === 'normal' && nums.length === 2 && nums.every(Number.isFinite) && nums[1] > 0) {
    return { kind: 'normal', mean: nums[0], sd: nums[1] };
  }
  if (parts[0] === 'beta' && nums.length === 2 && nums.every((x) => Number.isFinite(x) && x > 0)) {
    return { kind: 'beta', alpha: nums[0], beta: nums[1] };
  }
  throw new EngineInputError(
    `bad ${what} prior "${spec}": expected none, normal:MEAN:SD (SD > 0) or beta:A:B (A, B > 0)`,
    `${what}Prior`,
  );
}

export function formatCPrior(p: LogitPrior): string {
  switch (p.kind) {
    case 'none':
      return 'none';
    case 'normal':
      return `normal:${p.mean}:${p.sd}`;
    case 'beta':
      return `beta:${p.alpha}:${p.beta}`;
  }
}

/**
 * Prior on an item's slope a: a lognormal density on a itself (mirt's `lnorm` on a1, BILOG-MG's
 * slope prior), log f(a) = -log a - (log a - meanlog)^2 / (2 sdlog^2) - log(sdlog sqrt(2 pi)).
 * It keeps a > 0: under it a miskeyed item shows as a slope near 0 whose data pull below 0
 * (the negative_discrimination flag still says so, calibrate.ts).
 */
export type SlopePrior =
  | { readonly kind: 'none' }
  | { readonly kind: 'lognormal'; readonly meanlog: number; readonly sdlog: number };

/** Prior on an item's difficulty b = -d / a: a normal density on b (BILOG-MG's). */
export type DifficultyPrior =
  | { readonly kind: 'none' }
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number };

/**
 * Default slope prior of unattended runs (the job, the service): a ~ lognormal(0, 0.5), BILOG-MG's
 * default. Its density peaks at a = exp(-0.25) = 0.78, 95% of its mass in [0.38, 2.7]; on an item
 * with 500 answers the data's information on log a is ~20 times the prior's 4.
 */
export const DEFAULT_A_PRIOR: SlopePrior = { kind: 'lognormal', meanlog: 0, sdlog: 0.5 };

/**
 * Default difficulty prior of unattended runs: b ~ N(0, 2^2), wide enough that it barely moves an
 * item answered 500 times (information on b ~ 100 against the prior's 0.25) yet keeps an item
 * with all but one answer right from running to |b| = 50.
 */
export const DEFAULT_B_PRIOR: DifficultyPrior = { kind: 'normal', mean: 0, sd: 2 };

/** Parses `none` or `lognormal:MEANLOG:SDLOG` (the prior on a). */
export function parseAPrior(spec: string): SlopePrior {
  const parts = spec.trim().toLowerCase().split(':');
  const nums = parts.slice(1).map(Number);
  if (parts[0] === 'none' && parts.length === 1) return { kind: 'none' };
  if (parts[0] === 'lognormal' && nums.length === 2 && nums.every(Number.isFinite) && nums[1] > 0)
    return { kind: 'lognormal', meanlog: nums[0], sdlog: nums[1] };
  throw new EngineInputError(
    `bad a prior "${spec}": expected none or lognormal:MEANLOG:SDLOG (SDLOG > 0)`,
    'aPrior',
  );
}

/** Parses `none` or `normal:MEAN:SD` (the prior on b). */
export function parseBPrior(spec: string): DifficultyPrior {
  const parts = spec.trim().toLowerCase().split(':');
  const nums = parts.slice(1).map(Number);
  if (parts[0] === 'none' && parts.length === 1) return { kind: 'none' };
  if (parts[0] === 'normal' && nums.length === 2 && nums.every(Number.isFinite) && nums[1] > 0)
    return { kind: 'normal', mean: nums[0], sd: nums[1] };
  throw new EngineInputError(`bad b prior "${spec}": expected none or normal:MEAN:SD (SD > 0)`, 'bPrior');
}

/** `none`, `lognormal:MEANLOG:SDLOG` or `normal:MEAN:SD`: what parseAPrior / parseBPrior read. */
export function formatItemPrior(p: SlopePrior | DifficultyPrior): string {
  switch (p.kind) {
    case 'none':
      return 'none';
    case 'lognormal':
      return `lognormal:${p.meanlog}:${p.sdlog}`;
    case 'normal':
      return `normal:${p.mean}:${p.sd}`;
  }
}

export type ScoreMethod = 'EAP' | 'MAP' | 'ML' | 'WLE';
export const SCORE_METHODS: readonly ScoreMethod[] = ['EAP', 'MAP', 'ML', 'WLE'];

export function parseScoreMethod(name: string): ScoreMethod {
  const found = SCORE_METHODS.find((m) => m.toLowerCase() === String(name).trim().toLowerCase());
  if (!found)
    throw new EngineInputError(
      `unknown scoring method "${name}": expected ${SCORE_METHODS.join(', ')}`,
      'scoreMethod',
    );
  return found;
}

/** Item parameters in IRT form (c = 0 outside the 3PL/4PL, u = 1, or absent, outside the 4PL). */
export interface ItemParams {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly u?: number;
}

/** Normal latent distribution of the population. */
export interface LatentDistribution {
  readonly mean: number;
  readonly variance: number;
}

/**
 * S-X2 item fit (Orlando & Thissen; `S-X2` on complete data as mirt, `S-X2-incomplete` its
 * generalisation to learners answering different items, itemfit-sparse.ts), or why not computed.
 */
export type ItemFit =
  | {
      readonly kind: 'S-X2' | 'S-X2-incomplete';
      readonly statistic: number;
      readonly df: number;
      readonly p: number;
      readonly rmsea: number;
    }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Infit and outfit mean squares and their standardised forms (ZSTD), itemfit-sparse.ts. */
export interface MeanSquares {
  readonly n: number;
  readonly infit: number;
  readonly infitZ: number;
  readonly outfit: number;
  readonly outfitZ: number;
}

export interface ItemResult {
  readonly id: string;
  /** IRT form. */
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Upper asymptote (1 outside the 4PL). */
  readonly u: number;
  /** Slope-intercept intercept: P = c + (u-c) / (1 + exp(-(a theta + d))). */
  readonly d: number;
  /** Standard errors in IRT form (null where the parameter is fixed or no SE was computed). */
  readonly se: {
    readonly a: number | null;
    readonly b: number | null;
    readonly c: number | null;
    readonly u: number | null;
  };
  /** Answers and proportion correct. */
  readonly n: number;
  readonly pCorrect: number;
  readonly fit: ItemFit;
  /** Fixed at an anchor's values (not estimated). */
  readonly anchored: boolean;
  /** Infit/outfit (null when item fit was not requested). */
  readonly meanSquares: MeanSquares | null;
  /** Screening flags (item-flags.ts). */
  readonly flags: readonly import('./item-flags.js').ItemFlag[];
}

/** Per-user ability estimates; index u matches `userIds[u]`. */
export interface Abilities {
  readonly method: ScoreMethod;
  readonly theta: Float64Array;
  /** NaN where no standard error exists (ML/WLE on an all-right or all-wrong pattern). */
  readonly se: Float64Array;
  /** 0 = ordinary, 1 = all answers right, 2 = all answers wrong. */
  readonly pattern: Uint8Array;
}

export interface FitStatistics {
  readonly logLik: number;
  /** Sum of the log prior densities (0 without priors): the EM objective is logLik + logPrior. */
  readonly logPrior: number;
  readonly AIC: number;
  readonly BIC: number;
  readonly SABIC: number;
  readonly nParams: number;
  /** Marginal reliability of the test as mirt reports it (marginal_rxx, see scoring.ts). */
  readonly reliability: number;
  /** Empirical reliability of the EAP/MAP scores: var(theta) / (var(theta) + mean(se^2)). */
  readonly empiricalReliability: number | null;
}

export interface CalibrationSettings {
  readonly model: ModelName;
  readonly quadPoints: number;
  readonly quadRange: number;
  readonly maxCycles: number;
  readonly tol: number;
  readonly cPrior: CPrior;
  /** Prior on the 4PL's upper asymptote (logit u); none elsewhere. */
  readonly uPrior: LogitPrior;
  /** Prior on each item's own slope (2PL, 3PL, 4PL); none elsewhere and by default (mirt). */
  readonly aPrior: SlopePrior;
  /** Prior on each item's difficulty (every model); none by default (mirt). */
  readonly bPrior: DifficultyPrior;
  readonly scoreMethod: ScoreMethod | null;
  readonly acceleration: 'squarem' | 'none';
  readonly standardErrors: 'auto' | 'full' | 'item' | 'none';
  readonly threads: number;
}

/** Item parameters in IRT form. */
export type IrtParam = 'a' | 'b' | 'c' | 'u';

export interface CalibrationResult {
  readonly settings: CalibrationSettings;
  /** The IRT-form parameters the model has (a and b always; c for the 3PL/4PL; u for the 4PL). */
  readonly itemParameters: readonly IrtParam[];
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly items: readonly ItemResult[];
  readonly latent: LatentDistribution;
  readonly abilities: Abilities | null;
  readonly fit: FitStatistics;
  readonly converged: boolean;
  readonly cycles: number;
  /** E-step passes over the data (acceleration makes more than one per cycle). */
  readonly eSteps: number;
  readonly nObs: number;
  readonly hygiene: import('./responses.js').HygieneReport;
  /** Anchored items in the data, and anchor ids that matched no item. */
  readonly anchors: { readonly used: number; readonly unused: readonly string[] };
  /** Seconds spent per phase. */
  readonly timings: {
    readonly em: number;
    readonly se: number;
    readonly scoring: number;
    readonly itemFit: number;
  };
  /** Objective and largest parameter change per EM cycle (em-history.ts: rounded, thinned past 256). */
  readonly history: import('./em-history.js').EmHistory;
  /**
   * Items whose slope ran off in a run without a slope prior, held by `prior` instead of being
   * left out (calibrate.ts FALLBACK_A_PRIOR); null when none.
   */
  readonly slopesHeld: {
    readonly prior: SlopePrior;
    readonly items: readonly { readonly id: string; readonly n: number }[];
  } | null;
  /** The thresholds the items' flags were decided with (provisional: the data's minItemResponses). */
  readonly flagThresholds: import('./item-flags.js').FlagThresholds;
}
