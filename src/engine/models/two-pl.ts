/** 2PL: P = s(a theta + d); a and d per item, latent N(0, 1). */

import { dichotomous } from './dichotomous.js';
import { perItemMStep } from './item-mstep.js';
import { asymptoteProblem, DIVERGED_SLOPE, type ItemModel, logit } from './model.js';
import { NO_PRIORS } from './priors.js';

export const twoPL: ItemModel = {
  name: '2PL',
  response: dichotomous,
  itemParams: ['a', 'd'],
  sharedSlope: false,
  fixedSlope: 1,
  starts: 1,
  divergedSlope: DIVERGED_SLOPE,
  estimatesVariance: false,
  sx2ItemParams: 2,
  start(p, out, _k) {
    out[0] = 1;
    out[1] = logit(p);
    out[2] = Number.NEGATIVE_INFINITY;
    out[3] = Number.POSITIVE_INFINITY;
  },
  anchorProblem: (p) => asymptoteProblem(twoPL, p),
  priors: (s) => ({ ...NO_PRIORS, a: s.aPrior, b: s.bPrior }),
  mStep: (ctx, x, out) => mStep(ctx, x, out),
  // a ~ logN(0, 0.25^2), b ~ N(0, 1).
  simulateItem: (_rand, norm) => ({ a: Math.exp(0.25 * norm()), b: norm(), c: 0, u: 1 }),
};

const mStep = perItemMStep(twoPL);
