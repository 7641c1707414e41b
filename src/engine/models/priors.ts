/**
 * Item priors, as log densities with their derivatives in the family parameters (a, d, g, h) the
 * M-step works on.
 *
 * Asymptotes, on the logit scale (g = logit c, h = logit u): `normal` is a normal density on the
 * logit (mirt's `PRIOR = (1-J, g, norm, mean, sd)`); `beta` a Beta(alpha, beta) density on the
 * probability itself, evaluated at s(g) as mirt does.
 *
 * Slope: lognormal on a (mirt's `lnorm`), l(a) = -log a - (log a - m)^2 / (2 s^2) + const,
 *   l' = -(1 + (log a - m) / s^2) / a,   l'' = (1 - 1/s^2 + (log a - m) / s^2) / a^2.
 * l'' turns positive for log a > m + 1 - s^2 (the density's tail is log-convex in a), so the
 * scoring fallback of a Newton step uses the curvature of the quadratic in log a alone,
 * -1 / (s^2 a^2), which is always negative.
 *
 * Difficulty: normal on b = -d / a, l = -(b - m)^2 / (2 s^2) + const, with z = (b - m) / s^2,
 *   b_a = d / a^2 = -b / a,  b_d = -1 / a,  b_aa = -2 d / a^3,  b_ad = 1 / a^2,  b_dd = 0,
 *   l_i = -z b_i,   l_ij = -b_i b_j / s^2 - z b_ij   (exact),   -b_i b_j / s^2   (Gauss-Newton).
 */

import { logGamma } from '../stats.js';
import type { DifficultyPrior, LogitPrior, SlopePrior } from '../types.js';
import { logSigmoid } from './logistic.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export interface PriorTerms {
  /** log density, and its first and second derivatives in the logit. */
  f: number;
  df: number;
  d2f: number;
}

/** log prior density of a logit g, and its first two derivatives in g. */
export function logPriorTerms(prior: LogitPrior, g: number, out: PriorTerms): PriorTerms {
  switch (prior.kind) {
    case 'none':
      out.f = 0;
      out.df = 0;
      out.d2f = 0;
      break;
    case 'normal': {
      const z = (g - prior.mean) / prior.sd;
      out.f = -0.5 * z * z - Math.log(prior.sd) - 0.5 * Math.log(2 * Math.PI);
      out.df = -z / prior.sd;
      out.d2f = -1 / (prior.sd * prior.sd);
      break;
    }
    case 'beta': {
      // log Beta(c; alpha, beta) at c = s(g): (alpha-1) log c + (beta-1) log(1-c) - log B;
      // dc/dg = c(1-c) gives the derivatives in g.
      const { alpha, beta } = prior;
      const c = 1 / (1 + Math.exp(-g));
      out.f = (alpha - 1) * logSigmoid(g) + (beta - 1) * logSigmoid(-g) - logBeta(alpha, beta);
      out.df = (alpha - 1) * (1 - c) - (beta - 1) * c;
      out.d2f = -(alpha + beta - 2) * c * (1 - c);
      break;
    }
  }
  return out;
}

/** log prior density of a logit g (allocating; for tests and one-off sums). */
export function logPriorG(prior: LogitPrior, g: number): PriorTerms {
  return logPriorTerms(prior, g, { f: 0, df: 0, d2f: 0 });
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** The priors on one model's item parameters. */
export interface ModelPriors {
  readonly a: SlopePrior;
  readonly b: DifficultyPrior;
  readonly g: LogitPrior;
  readonly h: LogitPrior;
  /**
   * Items whose slope ran off in a run without a slope prior (perfectly separated answers): each
   * is held by `fallbackA` instead of being left out (calibrate.ts), 1 = held. Null: none.
   */
  readonly heldSlopes?: Uint8Array | null;
  readonly fallbackA?: SlopePrior;
}

export const NO_PRIORS: ModelPriors = {
  a: { kind: 'none' },
  b: { kind: 'none' },
  g: { kind: 'none' },
  h: { kind: 'none' },
};

/** Item j's slope prior: the run's, or the fallback for an item whose slope ran off. */
export function slopePriorOf(priors: ModelPriors, j: number): SlopePrior {
  if (priors.a.kind !== 'none') return priors.a;
  if (priors.heldSlopes?.[j] === 1 && priors.fallbackA) return priors.fallbackA;
  return priors.a;
}

/**
 * Log prior of one item and its derivatives in the family vector (a, d, g, h): f, gradient
 * `grad` (4), exact Hessian `hess` and a negative semi-definite curvature `curv` for the
 * scoring fallback (4 x 4 row-major each). A parameter the model does not estimate must have no
 * prior (resolveSettings sees to it); a logit at +-Infinity (not estimated) contributes nothing.
 */
export class ItemPriorTerms {
  f = 0;
  readonly grad = new Float64Array(4);
  readonly hess = new Float64Array(16);
  readonly curv = new Float64Array(16);
  /** Any term at all (lets callers skip the additions). */
  any = false;
  private readonly t: PriorTerms = { f: 0, df: 0, d2f: 0 };

  compute(priors: ModelPriors, j: number, p: Float64Array): this {
    this.f = 0;
    this.grad.fill(0);
    this.hess.fill(0);
    this.curv.fill(0);
    this.any = false;
    const a = p[0];
    const d = p[1];
    const ap = slopePriorOf(priors, j);
    if (ap.kind === 'lognormal') {
      this.any = true;
      if (!(a > 0)) {
        this.f = Number.NEGATIVE_INFINITY;
        return this;
      }
      const s2 = ap.sdlog * ap.sdlog;
      const la = Math.log(a);
      const e = la - ap.meanlog;
      this.f += -la - (e * e) / (2 * s2) - Math.log(ap.sdlog) - LOG_SQRT_2PI;
      this.grad[0] += -(1 + e / s2) / a;
      this.hess[0] += (1 - 1 / s2 + e / s2) / (a * a);
      this.curv[0] += -1 / (s2 * a * a);
    }
    const bp = priors.b;
    if (bp.kind === 'normal' && a !== 0) {
      this.any = true;
      const s2 = bp.sd * bp.sd;
      const b = -d / a;
      const z = (b - bp.mean) / s2;
      this.f += (-0.5 * (b - bp.mean) * (b - bp.mean)) / s2 - Math.log(bp.sd) - LOG_SQRT_2PI;
      const ba = d / (a * a);
      const bd = -1 / a;
      const baa = (-2 * d) / (a * a * a);
      const bad = 1 / (a * a);
      this.grad[0] += -z * ba;
      this.grad[1] += -z * bd;
      const gaa = (-ba * ba) / s2;
      const gad = (-ba * bd) / s2;
      const gdd = (-bd * bd) / s2;
      this.hess[0] += gaa - z * baa;
      this.hess[1] += gad - z * bad;
      this.hess[4] += gad - z * bad;
      this.hess[5] += gdd;
      this.curv[0] += gaa;
      this.curv[1] += gad;
      this.curv[4] += gad;
      this.curv[5] += gdd;
    }
    for (const k of [2, 3] as const) {
      const lp = k === 2 ? priors.g : priors.h;
      if (lp.kind === 'none' || !Number.isFinite(p[k])) continue;
      this.any = true;
      logPriorTerms(lp, p[k], this.t);
      this.f += this.t.f;
      this.grad[k] += this.t.df;
      this.hess[k * 5] += this.t.d2f;
      // The logit priors are log-concave except Beta with alpha or beta < 1 (a U-shape).
      this.curv[k * 5] += Math.min(this.t.d2f, 0);
    }
    return this;
  }
}
