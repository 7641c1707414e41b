/**
 * The exact M-step of one item of the logistic family: maximise its expected complete-data
 * log-likelihood (plus its log priors, priors.ts) over the parameters its model estimates,
 * by the shared Newton routine. Where the exact Hessian is not negative definite (the 3PL/4PL
 * away from the optimum) the step is a Fisher-scoring one.
 *
 * Asymptotes pressed against a bound: on the logit scale the gradient in g carries a factor
 * c(1 - c), so once c is near 0 it vanishes and Newton can never bring c back, even when later
 * cycles move the optimum inside (0, 1) (without this, SAT12's 3PL stalls 8 log-likelihood
 * points below mirt). So when a solve ends with c below ~1e-3 a second one starts from c = 0.05
 * and the better local maximum is kept; likewise for u above 1 - 1e-3, from u = 0.95 (each
 * restart gets 10 Newton iterations: RESTART_NEWTON).
 *
 * 3PL multimodality: a nearly flat item (P almost constant in theta) can be described by a
 * shallow curve with a low asymptote or by a steeper one with a high asymptote, and the item's
 * objective then has two local maxima; Newton stays in the basin it starts in, cycle after cycle
 * (on a public 45-item data set one item ended at c 0.41, a 0.68 where the better maximum is
 * c 0.25, a 0.09: the whole run 0.029 below mirt's penalised objective). So when a 3PL solve ends
 * nearly flat (|a| < 0.5) or with a high asymptote (c > 0.3), it is solved again from four start
 * points on both sides, (a, c) = (0.2, 0.1), (0.2, 0.3), (1.5, 0.35), (1.5, 0.5) at the same b,
 * and the highest penalised objective is kept. That is still a generalised EM step (the objective
 * never falls below the plain solve's), so EM's monotonicity holds.
 */

import { solveSpd } from '../linalg.js';
import { NEWTON_DEFAULTS, type NewtonProblem, type NewtonWorkspace, newtonMaximise } from '../newton.js';
import { type ItemCounts, sigmoid } from './logistic.js';
import {
  FAMILY_PARAMS,
  type ItemModel,
  type ModelPriors,
  type MStepContext,
  PARAM_BOUNDS,
  type ResponseFunction,
} from './model.js';
import { ItemPriorTerms, slopePriorOf } from './priors.js';

const LOW_LOGIT = -7;
/** A 3PL solve ending flatter or with a higher asymptote than this is restarted (file comment). */
export const MULTIMODAL_FLAT_SLOPE = 0.5;
export const MULTIMODAL_HIGH_C = 0.3;
const MULTIMODAL_STARTS: readonly (readonly [number, number])[] = [
  [0.2, 0.1],
  [0.2, 0.3],
  [1.5, 0.35],
  [1.5, 0.5],
];
const RESTART_LOW = Math.log(0.05 / 0.95);
/**
 * A restart off a bound gets 10 Newton iterations to beat the plain solve. Where the better
 * maximum is inside, Newton from 0.05 (0.95) reaches it in a few (quadratic convergence); a restart
 * still short of the plain solve after 10 is walking back to the same bound, in steps capped at
 * 1 on the logit, and used to take 18-23 iterations (up to 60) to end where the plain solve already
 * was: on SAT12's 4PL those walks were two thirds of all the Newton iterations. A restart cut short
 * is tried again the next cycle. SAT12 4PL: 6.9 -> 3.9 s CPU, objective -9420.260 (mirt's
 * -9420.420; before -9420.256); LSAT6 and LSAT7 within 2e-4 of the uncut objective.
 */
const RESTART_NEWTON = { ...NEWTON_DEFAULTS, maxIterations: 10 };
/** Under a lognormal slope prior a stays positive (its log density is -Inf at a <= 0). */
const POSITIVE_SLOPE = 1e-3;

/** Newton problem of one item in the parameters `free` (family indices); the rest held in `p`. */
class ItemProblem implements NewtonProblem {
  readonly size: number;
  /** Concave for the current item (set per item with `cnt`). */
  concave: boolean;
  /** Without an asymptote the item likelihood is concave in (a, d). */
  private readonly concaveLikelihood: boolean;
  /** The item whose counts are solved (set per item: one problem serves a whole M-step). */
  cnt: ItemCounts | null = null;
  /** Its index (the slope prior may be the item's own fallback). */
  item = 0;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly loFree: Float64Array;
  private readonly h: Float64Array;
  private readonly b: Float64Array;
  private readonly chol: Float64Array;
  private readonly terms = new ItemPriorTerms();

  constructor(
    private readonly response: ResponseFunction,
    readonly free: readonly number[],
    /** Family vector (a, d, g, h): the fixed entries, and the free ones as scratch. */
    readonly p: Float64Array,
    private readonly priors: ModelPriors,
    private readonly derivs: Float64Array,
  ) {
    const k = free.length;
    this.size = k;
    this.concaveLikelihood = !free.includes(2) && !free.includes(3);
    this.concave = this.concaveLikelihood;
    this.loFree = Float64Array.from(free, (i) => PARAM_BOUNDS[FAMILY_PARAMS[i]][0]);
    this.lo = this.loFree.slice();
    this.hi = Float64Array.from(free, (i) => PARAM_BOUNDS[FAMILY_PARAMS[i]][1]);
    this.h = new Float64Array(k * k);
    this.b = new Float64Array(k);
    this.chol = new Float64Array(k * k);
  }

  /** Points the problem at item j: its counts, its slope bound and whether Newton may skip the line search. */
  setItem(j: number, cnt: ItemCounts): void {
    this.cnt = cnt;
    this.item = j;
    const slopePrior = slopePriorOf(this.priors, j).kind !== 'none';
    // A prior on b makes the objective non-concave away from the optimum (b = -d/a): line search.
    this.concave = this.concaveLikelihood && !slopePrior && this.priors.b.kind === 'none';
    for (let r = 0; r < this.size; r++)
      this.lo[r] = this.free[r] === 0 && slopePrior ? POSITIVE_SLOPE : this.loFree[r];
  }

  private load(y: Float64Array): Float64Array {
    for (let i = 0; i < this.size; i++) this.p[this.free[i]] = y[i];
    return this.p;
  }

  value(y: Float64Array): number {
    const p = this.load(y);
    const f = this.response.countObjective(this.cnt as ItemCounts, p[0], p[1], sigmoid(p[2]), sigmoid(p[3]));
    return f + this.terms.compute(this.priors, this.item, p).f;
  }

  direction(y: Float64Array, step: Float64Array): boolean {
    const p = this.load(y);
    const out = this.derivs;
    const { free, b, h } = this;
    this.response.countDerivs(this.cnt as ItemCounts, p[0], p[1], p[2], p[3], out);
    const t = this.terms.compute(this.priors, this.item, p);
    const k = this.size;
    for (let r = 0; r < k; r++) b[r] = out[free[r]] + t.grad[free[r]];
    // Negative Hessian (exact), then the scoring one (Fisher's for the likelihood, the priors'
    // negative curvature) where the exact one is not positive definite: with an asymptote away
    // from the optimum, or a prior that is not log-concave there (priors.ts).
    const exactOnly = this.concaveLikelihood && !t.any;
    for (let pass = 0; pass < (exactOnly ? 1 : 2); pass++) {
      const base = pass === 0 ? 4 : 20;
      const pr = pass === 0 ? t.hess : t.curv;
      for (let r = 0; r < k; r++) {
        for (let c = 0; c < k; c++)
          h[r * k + c] = -out[base + free[r] * 4 + free[c]] - pr[free[r] * 4 + free[c]];
      }
      if (solveSpd(h, b, step, k, this.chol)) return true;
    }
    return false;
  }

  project(y: Float64Array): void {
    for (let i = 0; i < this.size; i++) y[i] = Math.min(Math.max(y[i], this.lo[i]), this.hi[i]);
  }
}

/**
 * Solves one item's M-step from the family vector p = (a, d, g, h) (updated in place) over the
 * problem's free parameters; returns the objective reached (NaN for the concave models, which
 * never need it).
 */
function solveItem(
  problem: ItemProblem,
  p: Float64Array,
  ws: NewtonWorkspace,
  y: Float64Array,
  bestY: Float64Array,
  restarts: boolean,
): number {
  const free = problem.free;
  for (let r = 0; r < free.length; r++) y[r] = p[free[r]];
  problem.project(y);
  let best = newtonMaximise(problem, y, ws);
  bestY.set(y);
  // Restarts off an asymptote pressed against its bound (see the file comment).
  for (let r = 0; r < free.length; r++) {
    const low = free[r] === 2 && bestY[r] < LOW_LOGIT;
    const high = free[r] === 3 && bestY[r] > -LOW_LOGIT;
    if (!low && !high) continue;
    y.set(bestY);
    y[r] = low ? RESTART_LOW : -RESTART_LOW;
    const f = newtonMaximise(problem, y, ws, RESTART_NEWTON);
    if (f > best) {
      best = f;
      bestY.set(y);
    }
  }
  if (restarts && isThreePl(free)) best = restartMultimodal(problem, ws, y, bestY, best);
  for (let r = 0; r < free.length; r++) p[free[r]] = bestY[r];
  return best;
}

/** Free parameters (a, d, g) exactly: the 3PL's. */
function isThreePl(free: readonly number[]): boolean {
  return free.length === 3 && free[0] === 0 && free[1] === 1 && free[2] === 2;
}

/** The 3PL restarts of the file comment; bestY (a, d, g) is updated, the best objective returned. */
function restartMultimodal(
  problem: ItemProblem,
  ws: NewtonWorkspace,
  y: Float64Array,
  bestY: Float64Array,
  best: number,
): number {
  const a = bestY[0];
  if (!(Math.abs(a) < MULTIMODAL_FLAT_SLOPE || sigmoid(bestY[2]) > MULTIMODAL_HIGH_C)) return best;
  const b = Math.min(Math.max(-bestY[1] / a, -3), 3);
  for (const [a0, c0] of MULTIMODAL_STARTS) {
    y[0] = a0;
    y[1] = -a0 * (Number.isFinite(b) ? b : 0);
    y[2] = Math.log(c0 / (1 - c0));
    problem.project(y);
    const f = newtonMaximise(problem, y, ws);
    if (f > best) {
      best = f;
      bestY.set(y);
    }
  }
  return best;
}

/** The M-step of models whose items are solved one by one (all but the 1PL). */
export function perItemMStep(model: ItemModel) {
  return (ctx: MStepContext, x: Float64Array, out: Float64Array): void => {
    const { layout } = ctx;
    const free = layout.freeFamilyIndices;
    const problem = new ItemProblem(model.response, free, new Float64Array(4), ctx.priors, ctx.derivs);
    const p = new Float64Array(4);
    const y = new Float64Array(free.length);
    const bestY = new Float64Array(free.length);
    for (let j = 0; j < layout.nItems; j++) {
      if (layout.isFixed(j)) continue;
      layout.readItem(x, j, p);
      problem.p.set(p);
      problem.setItem(j, ctx.counts[j]);
      solveItem(problem, p, ctx.newton, y, bestY, ctx.multimodalRestarts !== false);
      layout.writeItem(j, p, out);
    }
  };
}
