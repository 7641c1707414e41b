/**
 * The exact M-step of one item of the logistic family: maximise its expected complete-data
 * log-likelihood (plus the log priors of its logits) over the parameters its model estimates,
 * by the shared Newton routine. Where the exact Hessian is not negative definite (the 3PL/4PL
 * away from the optimum) the step is a Fisher-scoring one.
 *
 * Asymptotes pressed against a bound: on the logit scale the gradient in g carries a factor
 * c(1 - c), so once c is near 0 it vanishes and Newton can never bring c back, even when later
 * cycles move the optimum inside (0, 1) (without this, SAT12's 3PL stalls 8 log-likelihood
 * points below mirt). So when a solve ends with c below ~1e-3 a second one starts from c = 0.05
 * and the better local maximum is kept; likewise for u above 1 - 1e-3, from u = 0.95.
 */

import { solveSpd } from '../linalg.js';
import { type NewtonProblem, type NewtonWorkspace, newtonMaximise } from '../newton.js';
import { type ItemCounts, sigmoid } from './logistic.js';
import {
  FAMILY_PARAMS,
  type ItemModel,
  type ModelPriors,
  type MStepContext,
  PARAM_BOUNDS,
  type ResponseFunction,
} from './model.js';
import { logPriorTerms, type PriorTerms } from './priors.js';

const LOW_LOGIT = -7;
const RESTART_LOW = Math.log(0.05 / 0.95);

/** Newton problem of one item in the parameters `free` (family indices); the rest held in `p`. */
class ItemProblem implements NewtonProblem {
  readonly size: number;
  readonly concave: boolean;
  /** The item whose counts are solved (set per item: one problem serves a whole M-step). */
  cnt: ItemCounts | null = null;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly h: Float64Array;
  private readonly b: Float64Array;
  private readonly chol: Float64Array;
  /** The priors' curvature per free parameter. */
  private readonly curv: Float64Array;
  private readonly terms: PriorTerms = { f: 0, df: 0, d2f: 0 };

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
    // Without an asymptote the item objective is concave in (a, d).
    this.concave = !free.includes(2) && !free.includes(3);
    this.lo = Float64Array.from(free, (i) => PARAM_BOUNDS[FAMILY_PARAMS[i]][0]);
    this.hi = Float64Array.from(free, (i) => PARAM_BOUNDS[FAMILY_PARAMS[i]][1]);
    this.h = new Float64Array(k * k);
    this.b = new Float64Array(k);
    this.chol = new Float64Array(k * k);
    this.curv = new Float64Array(k);
  }

  private load(y: Float64Array): Float64Array {
    for (let i = 0; i < this.size; i++) this.p[this.free[i]] = y[i];
    return this.p;
  }

  private prior(i: number, value: number): PriorTerms {
    const which = i === 2 ? this.priors.g : i === 3 ? this.priors.h : null;
    if (!which) {
      this.terms.f = 0;
      this.terms.df = 0;
      this.terms.d2f = 0;
      return this.terms;
    }
    return logPriorTerms(which, value, this.terms);
  }

  value(y: Float64Array): number {
    const p = this.load(y);
    let f = this.response.countObjective(this.cnt as ItemCounts, p[0], p[1], sigmoid(p[2]), sigmoid(p[3]));
    for (const i of this.free) f += this.prior(i, p[i]).f;
    return f;
  }

  direction(y: Float64Array, step: Float64Array): boolean {
    const p = this.load(y);
    const out = this.derivs;
    const { free, b, h } = this;
    this.response.countDerivs(this.cnt as ItemCounts, p[0], p[1], p[2], p[3], out);
    const k = this.size;
    // Prior terms exist for the logits only (free indices 2 and 3).
    for (let r = 0; r < k; r++) {
      const i = free[r];
      const t = i >= 2 ? this.prior(i, p[i]) : null;
      b[r] = out[i] + (t ? t.df : 0);
      this.curv[r] = t ? t.d2f : 0;
    }
    // Negative Hessian (exact; then Fisher's where the exact one is not positive definite, which
    // only happens with an asymptote: the concave models' exact Hessian is Fisher's).
    for (let base = 4; base <= (this.concave ? 4 : 20); base += 16) {
      for (let r = 0; r < k; r++) {
        for (let c = 0; c < k; c++) h[r * k + c] = -out[base + free[r] * 4 + free[c]];
        h[r * k + r] -= this.curv[r];
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
  cnt: ItemCounts,
  p: Float64Array,
  ws: NewtonWorkspace,
  y: Float64Array,
  bestY: Float64Array,
): number {
  problem.cnt = cnt;
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
    const f = newtonMaximise(problem, y, ws);
    if (f > best) {
      best = f;
      bestY.set(y);
    }
  }
  for (let r = 0; r < free.length; r++) p[free[r]] = bestY[r];
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
      solveItem(problem, ctx.counts[j], p, ctx.newton, y, bestY);
      layout.writeItem(j, p, out);
    }
  };
}
