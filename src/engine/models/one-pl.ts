/**
 * 1PL: P = s(a theta + d_j) with one slope a shared by all items, latent N(0, 1).
 *
 * Its M-step is one Newton problem in (d_1..d_J, a): the Hessian is an arrow matrix (a couples
 * to every d_j, the d_j do not couple), solved by its Schur complement:
 *   da = (-g_a + sum h_ad,j g_d,j / h_dd,j) / (h_aa - sum h_ad,j^2 / h_dd,j),
 *   dd_j = (-g_d,j - h_ad,j da) / h_dd,j.
 * The objective is jointly concave; a prior on b = -d_j / a adds to the same entries (its
 * Gauss-Newton curvature, so the arrow stays negative definite).
 */

import type { NewtonProblem } from '../newton.js';
import { newtonMaximise } from '../newton.js';
import { dichotomous } from './dichotomous.js';
import { countDerivs, countObjective } from './logistic-counts.js';
import {
  asymptoteProblem,
  DIVERGED_SLOPE,
  type ItemModel,
  logit,
  type MStepContext,
  PARAM_BOUNDS,
} from './model.js';
import { ItemPriorTerms, NO_PRIORS } from './priors.js';

export const onePL: ItemModel = {
  name: '1PL',
  response: dichotomous,
  itemParams: ['d'],
  sharedSlope: true,
  fixedSlope: 1,
  starts: 1,
  divergedSlope: DIVERGED_SLOPE,
  estimatesVariance: false,
  // mirt counts the shared slope as estimated in every item (S-X2's df).
  sx2ItemParams: 2,
  start(p, out, _k) {
    out[0] = 1;
    out[1] = logit(p);
    out[2] = Number.NEGATIVE_INFINITY;
    out[3] = Number.POSITIVE_INFINITY;
  },
  anchorProblem: (p) => asymptoteProblem(onePL, p),
  // A prior on each b = -d_j / a (it couples d_j with the shared slope only: the Hessian stays an
  // arrow); none on the shared slope itself (resolveSettings).
  priors: (s) => ({ ...NO_PRIORS, b: s.bPrior }),
  mStep: sharedSlopeMStep,
  simulateItem: (_rand, norm) => ({ a: 1.3, b: norm(), c: 0, u: 1 }),
};

/** y = (d of each free item, then a). */
class SharedSlopeProblem implements NewtonProblem {
  readonly size: number;
  private readonly gd: Float64Array;
  private readonly had: Float64Array;
  private readonly hdd: Float64Array;

  private readonly withPriors: boolean;
  private readonly terms = new ItemPriorTerms();
  private readonly p = Float64Array.of(1, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);

  constructor(
    private readonly ctx: MStepContext,
    private readonly items: readonly number[],
  ) {
    this.withPriors = ctx.priors.b.kind !== 'none';
    this.size = items.length + 1;
    this.gd = new Float64Array(items.length);
    this.had = new Float64Array(items.length);
    this.hdd = new Float64Array(items.length);
  }

  value(y: Float64Array): number {
    const a = y[this.items.length];
    let f = 0;
    this.items.forEach((j, k) => {
      f += countObjective(this.ctx.counts[j], a, y[k], 0, 1);
      if (this.withPriors) f += this.prior(j, a, y[k]).f;
    });
    return f;
  }

  /** Item j's prior terms at (a, d) (priors.ts; the b prior only). */
  private prior(j: number, a: number, d: number): ItemPriorTerms {
    this.p[0] = a;
    this.p[1] = d;
    return this.terms.compute(this.ctx.priors, j, this.p);
  }

  direction(y: Float64Array, step: Float64Array): boolean {
    const n = this.items.length;
    const a = y[n];
    const out = this.ctx.derivs;
    let ga = 0;
    let haa = 0;
    for (let k = 0; k < n; k++) {
      countDerivs(
        this.ctx.counts[this.items[k]],
        a,
        y[k],
        Number.NEGATIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        out,
      );
      ga += out[0];
      this.gd[k] = out[1];
      haa += out[4];
      this.had[k] = out[5];
      this.hdd[k] = out[9];
      if (this.withPriors) {
        // The prior's gradient, and its Gauss-Newton curvature (negative semi-definite: the
        // arrow stays solvable; the line search on value() keeps the steps ascending).
        const t = this.prior(this.items[k], a, y[k]);
        ga += t.grad[0];
        this.gd[k] += t.grad[1];
        haa += t.curv[0];
        this.had[k] += t.curv[1];
        this.hdd[k] += t.curv[5];
      }
    }
    let num = -ga;
    let den = haa;
    for (let k = 0; k < n; k++) {
      if (!(this.hdd[k] < 0)) continue;
      num += (this.had[k] * this.gd[k]) / this.hdd[k];
      den -= (this.had[k] * this.had[k]) / this.hdd[k];
    }
    if (!(den < 0)) return false;
    const da = num / den;
    for (let k = 0; k < n; k++)
      step[k] = this.hdd[k] < 0 ? (-this.gd[k] - this.had[k] * da) / this.hdd[k] : 0;
    step[n] = da;
    return true;
  }

  project(y: Float64Array): void {
    const [lo, hi] = PARAM_BOUNDS.d;
    for (let i = 0; i < y.length; i++) y[i] = Math.min(Math.max(y[i], lo), hi);
  }
}

function sharedSlopeMStep(ctx: MStepContext, x: Float64Array, out: Float64Array): void {
  const { layout } = ctx;
  const items: number[] = [];
  for (let j = 0; j < layout.nItems; j++) if (!layout.isFixed(j)) items.push(j);
  const y = new Float64Array(items.length + 1);
  items.forEach((j, k) => {
    y[k] = x[layout.index(j, 1)];
  });
  y[items.length] = x[layout.sharedIndex];
  newtonMaximise(new SharedSlopeProblem(ctx, items), y, ctx.newton);
  items.forEach((j, k) => {
    out[layout.index(j, 1)] = y[k];
  });
  out[layout.sharedIndex] = y[items.length];
}
