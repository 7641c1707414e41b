/**
 * What an item model provides: everything the rest of the engine (EM, standard errors, scoring,
 * reliability, item fit, simulation) needs to know about a model, so that none of them branches
 * on its name. A new model is one module implementing this plus its line in the registry
 * (models/index.ts); see docs/ENGINE.md.
 *
 * The dichotomous models are constrained cases of one logistic family (mirt's class `dich`):
 * P = c + (u - c) s(a theta + d) with parameters (a, d, g = logit c, h = logit u). A model says
 * which of them it estimates per item, whether the slope is shared, and how it starts, bounds
 * and penalises them; the family's mathematics (log P / log Q tables, derivatives from the
 * expected counts, derivatives in theta, information) is `response`.
 */

import type { ItemBank } from '../models.js';
import type { NewtonWorkspace } from '../newton.js';
import type { CalibrationSettings, ItemParams, ModelName } from '../types.js';
import type { ItemCounts } from './logistic.js';
import type { ThetaTerms } from './logistic-theta.js';
import type { ModelPriors } from './priors.js';

/** The family's parameters: slope, intercept, logit of the lower and of the upper asymptote. */
export type FamilyParam = 'a' | 'd' | 'g' | 'h';
export const FAMILY_PARAMS: readonly FamilyParam[] = ['a', 'd', 'g', 'h'];

/** Bounds of each family parameter on the scale of x. */
export const PARAM_BOUNDS: Readonly<Record<FamilyParam, readonly [number, number]>> = {
  a: [-100, 100],
  d: [-100, 100],
  // An asymptote at 0 or 1 gives a wrong (right) answer probability 0 and logLik -Inf.
  g: [-20, 20],
  h: [-20, 20],
};

/** The asymptotes are estimated on the logit scale but converge and report as probabilities. */
export const LOGIT_PARAMS: ReadonlySet<FamilyParam> = new Set(['g', 'h']);

/**
 * The mathematics of a response function (the logistic family's: models/logistic.ts,
 * logistic-counts.ts and logistic-theta.ts, bundled in dichotomous.ts). Item parameters are
 * passed as the family vector (a, d, g, h) on the scale of x, or as probabilities (c, u) where
 * stated.
 */
export interface ResponseFunction {
  /** log P and log Q per item and node ([j * nQ + q]): all the E-step kernels read. */
  fillLogTables(bank: ItemBank, nodes: Float64Array, logP: Float64Array, logQ: Float64Array): void;
  /** P and Q per item and node (S-X2's Lord–Wingersky recursion). */
  fillProbabilities(bank: ItemBank, nodes: Float64Array, P: Float64Array, Q: Float64Array): void;
  /** The item's expected complete-data log-likelihood from the counts (c, u as probabilities). */
  countObjective(cnt: ItemCounts, a: number, d: number, c: number, u: number): number;
  /** Its gradient, exact Hessian and Fisher information in (a, d, g, h): DERIV_SIZE numbers. */
  countDerivs(cnt: ItemCounts, a: number, d: number, g: number, h: number, out: Float64Array): void;
  /** Complete-data scores of a right (s1) and a wrong (s0) answer at theta. */
  answerScores(
    a: number,
    d: number,
    g: number,
    h: number,
    theta: number,
    s1: Float64Array,
    s0: Float64Array,
  ): void;
  /** Adds one answer's log-likelihood derivatives in theta (and the information's) into tt. */
  addThetaTerms(
    a: number,
    d: number,
    c: number,
    u: number,
    theta: number,
    x: number,
    withInfo: boolean,
    tt: ThetaTerms,
  ): void;
  /** Item information at theta. */
  itemInformation(a: number, d: number, c: number, u: number, theta: number): number;
}

export type { ModelPriors } from './priors.js';

/** What an M-step reads of the parameter layout (params.ts ParamLayout). */
export interface ItemLayout {
  readonly nItems: number;
  /** Index in x of the shared slope, or -1. */
  readonly sharedIndex: number;
  /** Family indices (0 a, 1 d, 2 g, 3 h) of the per-item parameters, in their order in x. */
  readonly freeFamilyIndices: readonly number[];
  isFixed(j: number): boolean;
  index(j: number, k: number): number;
  readItem(x: Float64Array, j: number, out: Float64Array): void;
  writeItem(j: number, p: Float64Array, x: Float64Array): void;
}

/** Per-cycle state an M-step needs: the counts, priors and a Newton workspace. */
export interface MStepContext {
  readonly layout: ItemLayout;
  readonly counts: readonly ItemCounts[];
  readonly priors: ModelPriors;
  readonly newton: NewtonWorkspace;
  /** Scratch of DERIV_SIZE numbers for the family derivatives. */
  readonly derivs: Float64Array;
  /** The 3PL's restarts of a flat or high-asymptote solve (item-mstep.ts); default true. */
  readonly multimodalRestarts?: boolean;
}

export interface ItemModel {
  readonly name: ModelName;
  readonly response: ResponseFunction;
  /** Family parameters estimated per item, in their order in x. */
  readonly itemParams: readonly FamilyParam[];
  /** One slope shared by all free items (after the items in x) instead of one per item. */
  readonly sharedSlope: boolean;
  /** The slope where the model fixes it (Rasch: 1). */
  readonly fixedSlope: number;
  /** The latent variance is estimated (the Rasch model fixes the scale through a = 1 instead). */
  readonly estimatesVariance: boolean;
  /** Item parameters mirt counts as estimated for S-X2's df (the 1PL's shared slope in each). */
  readonly sx2ItemParams: number;
  /**
   * Start values (a, d, g, h) of an item answered right with proportion p, from start point k
   * of `starts`: a model whose likelihood has several local maxima (the 4PL) is fitted from each
   * and the best kept.
   */
  start(p: number, out: Float64Array, k: number): void;
  readonly starts: number;
  /**
   * A free slope this steep marks an item with no finite estimate (perfect separation), which is
   * then held by the fallback slope prior (Infinity: never, the slope stays within its bound).
   */
  readonly divergedSlope: number;
  /** Why an anchor's IRT parameters cannot belong to this model, or null. */
  anchorProblem(p: ItemParams): string | null;
  /** The priors on the parameters this model estimates (resolveSettings drops the others). */
  priors(settings: Pick<CalibrationSettings, 'cPrior' | 'uPrior' | 'aPrior' | 'bPrior'>): ModelPriors;
  /** The exact M-step of the free items: reads x, writes their new values into out. */
  mStep(ctx: MStepContext, x: Float64Array, out: Float64Array): void;
  /** Simulation truth (IRT form) of one item from uniform draws `rand` and normal draws `norm`. */
  simulateItem(rand: () => number, norm: () => number): { a: number; b: number; c: number; u: number };
}

/** The anchor checks every dichotomous model shares: c only where estimated, u likewise. */
export function asymptoteProblem(model: ItemModel, p: ItemParams): string | null {
  const c = p.c ?? 0;
  const u = p.u ?? 1;
  if (!model.itemParams.includes('g') && c !== 0) return `c must be 0 for the ${model.name} model`;
  if (!model.itemParams.includes('h') && u !== 1) return `u must be 1 for the ${model.name} model`;
  if (model.fixedSlope !== 0 && !model.sharedSlope && !model.itemParams.includes('a')) {
    if (Math.abs(p.a - model.fixedSlope) > 1e-9)
      return `a must be ${model.fixedSlope} for the ${model.name} model`;
  }
  return null;
}

/**
 * A slope this steep is a step function: no item on a real test has one. It is what an item
 * whose likelihood keeps rising with its slope (perfect separation among a handful of answers)
 * runs to; such an item has no finite estimate and is held by the fallback slope prior
 * (calibrate.ts FALLBACK_A_PRIOR).
 */
export const DIVERGED_SLOPE = 50;

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}
