/**
 * Priors on the asymptotes, on the logit scale the M-step works on (g = logit c, h = logit u).
 * `normal` is a normal density on the logit (mirt's `PRIOR = (1-J, g, norm, mean, sd)`);
 * `beta` a Beta(alpha, beta) density on the probability itself, evaluated at s(g) as mirt does.
 */

import { logGamma } from '../stats.js';
import type { LogitPrior } from '../types.js';
import { logSigmoid } from './logistic.js';

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
