/**
 * 3PL: P = c + (1 - c) s(a theta + d); a, d and g = logit c per item, latent N(0, 1). The prior
 * on logit c is the settings' `cPrior` (none in mirt's default; N(-1.1, 2^2) for unattended runs).
 */

import { dichotomous } from './dichotomous.js';
import { perItemMStep } from './item-mstep.js';
import { asymptoteProblem, DIVERGED_SLOPE, type ItemModel, logit } from './model.js';

/** Start: c = 0.2, and the intercept that reproduces p where it can (P = 0.2 + 0.8 s). */
export const START_C = 0.2;

export const threePL: ItemModel = {
  name: '3PL',
  response: dichotomous,
  itemParams: ['a', 'd', 'g'],
  sharedSlope: false,
  fixedSlope: 1,
  starts: 1,
  divergedSlope: DIVERGED_SLOPE,
  estimatesVariance: false,
  sx2ItemParams: 3,
  start(p, out, _k) {
    out[0] = 1;
    out[1] = logit(Math.min(Math.max((p - START_C) / (1 - START_C), 0.05), 0.95));
    out[2] = logit(START_C);
    out[3] = Number.POSITIVE_INFINITY;
  },
  anchorProblem: (p) => asymptoteProblem(threePL, p),
  priors: (s) => ({ a: s.aPrior, b: s.bPrior, g: s.cPrior, h: { kind: 'none' } }),
  mStep: (ctx, x, out) => mStep(ctx, x, out),
  // a ~ logN(0, 0.25^2), b ~ N(0, 1), c ~ U(0.1, 0.3).
  simulateItem: (rand, norm) => ({ a: Math.exp(0.25 * norm()), b: norm(), c: 0.1 + 0.2 * rand(), u: 1 }),
};

const mStep = perItemMStep(threePL);
