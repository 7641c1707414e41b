/**
 * 4PL (mirt's itemtype '4PL'): P = c + (u - c) s(a theta + d) with an upper asymptote u < 1 (a
 * learner who knows the answer may still slip); a, d, g = logit c and h = logit u per item,
 * latent N(0, 1). Priors: `cPrior` on logit c as for the 3PL, `uPrior` on logit u (none by
 * default, as mirt; N(1.1, 2^2) is the mirror image of the c prior, centred near u = 0.75).
 * Weakly identified on small data: mirt's own 4PL fits mostly stop at 500 cycles.
 */

import { dichotomous } from './dichotomous.js';
import { perItemMStep } from './item-mstep.js';
import { asymptoteProblem, type ItemModel, logit } from './model.js';

/**
 * Two start points, (c, u) = (0.15, 0.85) as mirt and (0.2, 0.95) near the 3PL's: the 4PL
 * likelihood has several local maxima of nearly equal height, and on the reference data each
 * start alone ends on a lower one somewhere (LSAT7 1.3 log-likelihood points below mirt from the
 * second, LSAT6 0.07 from the first). EM runs from both and keeps the better.
 */
const STARTS: readonly (readonly [number, number])[] = [
  [0.15, 0.85],
  [0.2, 0.95],
];

export const fourPL: ItemModel = {
  name: '4PL',
  response: dichotomous,
  itemParams: ['a', 'd', 'g', 'h'],
  sharedSlope: false,
  fixedSlope: 1,
  starts: STARTS.length,
  // A step between two asymptotes is a limit the 4PL legitimately approaches on dense data
  // (LSAT7 item 2: mirt's slope creeps past 8 unconverged): such a slope stays at its bound
  // (100) and the item is kept, not held by the fallback slope prior.
  divergedSlope: Number.POSITIVE_INFINITY,
  estimatesVariance: false,
  sx2ItemParams: 4,
  start(p, out, k) {
    const [c, u] = STARTS[k];
    out[0] = 1;
    out[1] = logit(Math.min(Math.max((p - c) / (u - c), 0.05), 0.95));
    out[2] = logit(c);
    out[3] = logit(u);
  },
  anchorProblem: (p) => asymptoteProblem(fourPL, p),
  priors: (s) => ({ a: s.aPrior, b: s.bPrior, g: s.cPrior, h: s.uPrior }),
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
