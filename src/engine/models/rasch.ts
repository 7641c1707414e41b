/**
 * Rasch: P = s(theta + d), a = 1; d per item; the latent variance is estimated (the unit slope
 * fixes the scale instead), mean 0.
 */

import { dichotomous } from './dichotomous.js';
import { perItemMStep } from './item-mstep.js';
import { asymptoteProblem, DIVERGED_SLOPE, type ItemModel, logit } from './model.js';
import { NO_PRIORS } from './priors.js';

export const rasch: ItemModel = {
  name: 'Rasch',
  response: dichotomous,
  itemParams: ['d'],
  sharedSlope: false,
  fixedSlope: 1,
  starts: 1,
  divergedSlope: DIVERGED_SLOPE,
  estimatesVariance: true,
  sx2ItemParams: 1,
  start(p, out, _k) {
    out[0] = 1;
    out[1] = logit(p);
    out[2] = Number.NEGATIVE_INFINITY;
    out[3] = Number.POSITIVE_INFINITY;
  },
  anchorProblem: (p) => asymptoteProblem(rasch, p),
  // No slope of its own: a prior on b only (a prior on d, as a = 1).
  priors: (s) => ({ ...NO_PRIORS, b: s.bPrior }),
  mStep: (ctx, x, out) => mStep(ctx, x, out),
  simulateItem: (_rand, norm) => ({ a: 1, b: norm(), c: 0, u: 1 }),
};

const mStep = perItemMStep(rasch);
