/**
 * 4PL (mirt's itemtype '4PL'): P = c + (u - c) s(a theta + d) with an upper asymptote u < 1 (a
 * learner who knows the answer may still slip); a, d, g = logit c and h = logit u per item,
 * latent N(0, 1). Priors: `cPrior` on logit c as for the 3PL, `uPrior` on logit u (none by
 * default, as mirt; N(1.1, 2^2) is the mirror image of the c prior, centred near u = 0.75).
 * Weakly identified on small data: mirt's own 4PL fits mostly stop at 500 cycles.
 */

import { perItemMStep } from './item-mstep.js';
import * as logistic from './logistic.js';
import { asymptoteProblem, type ItemModel, logit } from './model.js';
import { START_C } from './three-pl.js';

/** Start: u = 0.95 (a small slip), c as the 3PL's. */
const START_U = 0.95;

export const fourPL: ItemModel = {
  name: '4PL',
  response: logistic,
  itemParams: ['a', 'd', 'g', 'h'],
  sharedSlope: false,
  fixedSlope: 1,
  estimatesVariance: false,
  sx2ItemParams: 4,
  start(p, out) {
    out[0] = 1;
    out[1] = logit(Math.min(Math.max((p - START_C) / (START_U - START_C), 0.05), 0.95));
    out[2] = logit(START_C);
    out[3] = logit(START_U);
  },
  anchorProblem: (p) => asymptoteProblem(fourPL, p),
  priors: (s) => ({ g: s.cPrior, h: s.uPrior }),
  mStep: (ctx, x, out) => mStep(ctx, x, out),
  // a ~ logN(0, 0.25^2), b ~ N(0, 1), c ~ U(0.1, 0.3), u ~ U(0.85, 0.97).
  simulateItem: (rand, norm) => ({
    a: Math.exp(0.25 * norm()),
    b: norm(),
    c: 0.1 + 0.2 * rand(),
    u: 0.85 + 0.12 * rand(),
  }),
};

const mStep = perItemMStep(fourPL);
