/**
 * Issue 11, item 3: a 3PL item whose M-step objective has two local maxima. The expected counts
 * are constructed (N answers spread over the quadrature as N(0, 1) learners would be) from curves
 * that no 3PL fits exactly, so that a shallow-low-asymptote and a steep-high-asymptote solution
 * compete; the M-step must end on the higher penalised objective from either basin.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ItemCounts } from '../../src/engine/models/logistic.js';
import { countObjective, DERIV_SIZE } from '../../src/engine/models/logistic-counts.js';
import { logPriorG, NO_PRIORS } from '../../src/engine/models/priors.js';
import { threePL } from '../../src/engine/models/three-pl.js';
import { NewtonWorkspace } from '../../src/engine/newton.js';
import { ParamLayout } from '../../src/engine/params.js';
import { equallySpacedNodes } from '../../src/engine/quadrature.js';
import { DEFAULT_C_PRIOR } from '../../src/engine/types.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
const nodes = equallySpacedNodes(61, 6);

/** Counts of N answers from learners N(0, 1) on the grid, right with probability P(theta). */
function counts(P: (t: number) => number, N: number): ItemCounts {
  const w = Array.from(nodes, (x) => Math.exp((-x * x) / 2));
  const s = w.reduce((x, y) => x + y);
  return {
    nodes,
    r1: Float64Array.from(nodes, (x, q) => ((N * w[q]) / s) * P(x)),
    r0: Float64Array.from(nodes, (x, q) => ((N * w[q]) / s) * (1 - P(x))),
    offset: 0,
  };
}

/** A curve between a floor c0 and 0.6 of the way up, with a share w lifted everywhere. */
const curve = (c0: number, a: number, b: number, w: number) => (t: number) =>
  c0 + (1 - c0) * ((1 - w) * sig(a * (t - b)) * 0.6 + w);

const priors = { ...NO_PRIORS, g: DEFAULT_C_PRIOR };
const objective = (cnt: ItemCounts, x: Float64Array) =>
  countObjective(cnt, x[0], x[1], sig(x[2]), 1) + logPriorG(DEFAULT_C_PRIOR, x[2]).f;

/** One M-step of the item from (a, d, logit c). */
function mStep(cnt: ItemCounts, start: readonly number[], restarts: boolean) {
  const x = Float64Array.from(start);
  const out = x.slice();
  threePL.mStep(
    {
      layout: new ParamLayout(threePL, 1),
      counts: [cnt],
      priors,
      newton: new NewtonWorkspace(),
      derivs: new Float64Array(DERIV_SIZE),
      multimodalRestarts: restarts,
    },
    x,
    out,
  );
  return { a: out[0], c: sig(out[2]), f: objective(cnt, out) };
}

/** The highest local maximum found from a grid of 48 start points (the reference). */
function gridBest(cnt: ItemCounts) {
  let best = Number.NEGATIVE_INFINITY;
  for (const a of [0.1, 0.5, 1, 2])
    for (const c of [0.05, 0.2, 0.35, 0.5])
      for (const d of [-2, 0, 2]) best = Math.max(best, mStep(cnt, [a, d, logit(c)], false).f);
  return best;
}

describe('3PL M-step with two local maxima', () => {
  it('from a flat solution it finds the better steep one (start: mirt-like a 1, c 0.2)', () => {
    const cnt = counts(curve(0.48267, 1.48126, 1.98252, 0.11109), 393);
    const start = [1, 0, logit(0.2)];
    const plain = mStep(cnt, start, false);
    const best = gridBest(cnt);
    assert.ok(plain.f < best - 1e-3, `the plain solve stops lower: ${plain.f} vs ${best}`);
    assert.ok(plain.a < 0.5, `plain: flat (a ${plain.a})`);
    const got = mStep(cnt, start, true);
    assert.ok(got.f >= best - 1e-9, `with restarts ${got.f}, best ${best}`);
    assert.ok(got.a > 0.5 && got.c > 0.3, `steep with a high asymptote: a ${got.a}, c ${got.c}`);
  });

  it('from a steep high-asymptote solution it finds the better flat one (the issue’s case)', () => {
    const cnt = counts(curve(0.48537, 1.00005, 1.56981, 0.25875), 823);
    const start = [1.5, -1.5, logit(0.45)];
    const plain = mStep(cnt, start, false);
    const best = gridBest(cnt);
    assert.ok(plain.f < best - 1e-3 && plain.c > 0.5, `plain: c ${plain.c}, ${plain.f} vs ${best}`);
    const got = mStep(cnt, start, true);
    assert.ok(got.f >= best - 1e-9, `with restarts ${got.f}, best ${best}`);
    assert.ok(got.a < 0.5 && got.c < 0.3, `flat with a low asymptote: a ${got.a}, c ${got.c}`);
  });
});
