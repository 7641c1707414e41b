/**
 * Numeric checks of the engine's mathematics at the level stdlib-js keeps: every analytic
 * derivative against central differences of the function it differentiates (each model's
 * M-step gradient and Hessian, the answer scores, the derivatives in theta and the information,
 * the priors, the marginal gradient), the latent-distribution M-step at its optimum, the linear
 * algebra and the Newton routine on known problems.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmMap, inlineExecutor } from '../../src/engine/em.js';
import { marginalGradient } from '../../src/engine/information.js';
import { mStepLatent } from '../../src/engine/latent-mstep.js';
import { cholesky, invertSpd, solveSpd } from '../../src/engine/linalg.js';
import type { ItemCounts } from '../../src/engine/models/logistic.js';
import {
  answerScores,
  countDerivs,
  countObjective,
  DERIV_SIZE,
} from '../../src/engine/models/logistic-counts.js';
import { addThetaTerms, itemInformation, type ThetaTerms } from '../../src/engine/models/logistic-theta.js';
import { ItemPriorTerms, logPriorG, type ModelPriors } from '../../src/engine/models/priors.js';
import { modelFor } from '../../src/engine/models/registry.js';
import { NewtonWorkspace, newtonMaximise } from '../../src/engine/newton.js';
import { ParamLayout, startValues } from '../../src/engine/params.js';
import { equallySpacedNodes } from '../../src/engine/quadrature.js';
import { seededRandom, simulateResponses } from '../../src/engine/simulate.js';
import { type LogitPrior, MODEL_NAMES } from '../../src/engine/types.js';

const sig = (g: number) => 1 / (1 + Math.exp(-g));

/** Relative agreement with an absolute floor. */
function close(got: number, want: number, rel: number, abs: number, what: string): void {
  assert.ok(Math.abs(got - want) <= abs + rel * Math.abs(want), `${what}: ${got} vs ${want}`);
}

/** Expected counts on 21 nodes of an item, as an E-step would leave them. */
function counts(seed: number): ItemCounts {
  const rand = seededRandom(seed);
  const nodes = equallySpacedNodes(21, 5);
  const r0 = Float64Array.from(nodes, () => 40 * rand());
  const r1 = Float64Array.from(nodes, () => 40 * rand());
  return { nodes, r0, r1, offset: 0 };
}

/** (a, d, g, h) points covering each model's case: no asymptotes, c only, u only, both. */
const POINTS: readonly (readonly [number, number, number, number])[] = [
  [1.3, -0.4, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
  [0.8, 0.6, -1.2, Number.POSITIVE_INFINITY],
  [1.7, 0.2, Number.NEGATIVE_INFINITY, 1.9],
  [2.1, -0.9, -1.6, 2.4],
  [0.5, 1.5, -3, 0.4],
];

describe('the logistic family: derivatives against central differences', () => {
  const h = 1e-5;
  for (const [k, p0] of POINTS.entries()) {
    it(`M-step gradient and Hessian from the counts, point ${k}`, () => {
      const cnt = counts(k + 1);
      const f = (p: readonly number[]) => countObjective(cnt, p[0], p[1], sig(p[2]), sig(p[3]));
      const out = new Float64Array(DERIV_SIZE);
      const grad = (p: readonly number[]) => {
        const o = new Float64Array(DERIV_SIZE);
        countDerivs(cnt, p[0], p[1], p[2], p[3], o);
        return o;
      };
      countDerivs(cnt, p0[0], p0[1], p0[2], p0[3], out);
      for (let i = 0; i < 4; i++) {
        if (!Number.isFinite(p0[i])) continue; // a fixed asymptote is not a parameter
        const up = [...p0];
        const dn = [...p0];
        up[i] += h;
        dn[i] -= h;
        close(out[i], (f(up) - f(dn)) / (2 * h), 1e-6, 1e-6, `gradient ${i}`);
        const gu = grad(up);
        const gd = grad(dn);
        for (let j = 0; j < 4; j++) {
          if (!Number.isFinite(p0[j])) continue;
          close(out[4 + i * 4 + j], (gu[j] - gd[j]) / (2 * h), 1e-5, 1e-5, `Hessian ${i},${j}`);
        }
      }
    });

    it(`answer scores, theta derivatives and information, point ${k}`, () => {
      const [a, d, g, hh] = p0;
      const c = sig(g);
      const u = sig(hh);
      const s1 = new Float64Array(4);
      const s0 = new Float64Array(4);
      const logPQ = (p: readonly number[], x: number) => {
        const P = sig(p[2]) + (sig(p[3]) - sig(p[2])) * sig(p[0] * x + p[1]);
        return [Math.log(P), Math.log(1 - P)];
      };
      const terms = (th: number, x: number): ThetaTerms => {
        const t = { l: 0, l1: 0, l2: 0, I: 0, I1: 0, I2: 0 };
        addThetaTerms(a, d, c, u, th, x, true, t);
        return t;
      };
      for (const th of [-2.5, -0.3, 0.9, 3]) {
        answerScores(a, d, g, hh, th, s1, s0);
        for (let i = 0; i < 4; i++) {
          if (!Number.isFinite(p0[i])) continue;
          const up = [...p0];
          const dn = [...p0];
          up[i] += h;
          dn[i] -= h;
          close(s1[i], (logPQ(up, th)[0] - logPQ(dn, th)[0]) / (2 * h), 1e-6, 1e-8, `score right ${i}`);
          close(s0[i], (logPQ(up, th)[1] - logPQ(dn, th)[1]) / (2 * h), 1e-6, 1e-8, `score wrong ${i}`);
        }
        for (const x of [0, 1]) {
          const t = terms(th, x);
          const tu = terms(th + h, x);
          const td = terms(th - h, x);
          close(t.l, logPQ(p0, th)[1 - x], 1e-12, 1e-12, 'log-likelihood');
          close(t.l1, (tu.l - td.l) / (2 * h), 1e-6, 1e-8, "l'");
          close(t.l2, (tu.l1 - td.l1) / (2 * h), 1e-5, 1e-7, "l''");
          close(t.I1, (tu.I - td.I) / (2 * h), 1e-5, 1e-8, "I'");
          close(t.I2, (tu.I1 - td.I1) / (2 * h), 1e-5, 1e-7, "I''");
        }
        // Information = P'^2 / (P Q), P' by central differences.
        const P = (t: number) => c + (u - c) * sig(a * t + d);
        const dP = (P(th + h) - P(th - h)) / (2 * h);
        close(itemInformation(a, d, c, u, th), (dP * dP) / (P(th) * (1 - P(th))), 1e-6, 1e-10, 'information');
      }
    });
  }
});

describe('priors: derivatives against central differences', () => {
  const priors: LogitPrior[] = [
    { kind: 'normal', mean: -1.1, sd: 2 },
    { kind: 'normal', mean: 1.1, sd: 0.7 },
    { kind: 'beta', alpha: 5, beta: 17 },
    { kind: 'beta', alpha: 1.5, beta: 1.2 },
  ];
  for (const prior of priors) {
    it(`${prior.kind} ${JSON.stringify(prior)}`, () => {
      const h = 1e-5;
      for (const g of [-4, -1.1, 0, 0.7, 3]) {
        const t = logPriorG(prior, g);
        close(t.df, (logPriorG(prior, g + h).f - logPriorG(prior, g - h).f) / (2 * h), 1e-7, 1e-8, 'df');
        close(t.d2f, (logPriorG(prior, g + h).df - logPriorG(prior, g - h).df) / (2 * h), 1e-6, 1e-8, 'd2f');
      }
      // A density: integrates to 1 over the logit (normal) or over c (beta: d c = c (1 - c) d g).
      let area = 0;
      for (let g = -40; g <= 40; g += 0.001) {
        const dens = Math.exp(logPriorG(prior, g).f);
        area += (prior.kind === 'beta' ? dens * sig(g) * sig(-g) : dens) * 0.001;
      }
      close(area, 1, 1e-4, 0, 'total probability');
    });
  }
});

describe('item priors on a and b: derivatives in (a, d, g) against central differences', () => {
  const priors: ModelPriors = {
    a: { kind: 'lognormal', meanlog: 0.1, sdlog: 0.5 },
    b: { kind: 'normal', mean: 0.3, sd: 2 },
    g: { kind: 'normal', mean: -1.1, sd: 2 },
    h: { kind: 'none' },
  };
  const terms = (p: Float64Array) => new ItemPriorTerms().compute(priors, 0, p);
  for (const p0 of [
    [1.7, -0.9, -1.2],
    [0.3, 1.4, -3],
    [4.5, 2, 0.5],
  ]) {
    it(`at (a, d, g) = (${p0.join(', ')})`, () => {
      const p = Float64Array.of(p0[0], p0[1], p0[2], Number.POSITIVE_INFINITY);
      const t = terms(p);
      const h = 1e-5;
      for (let i = 0; i < 3; i++) {
        const up = p.slice();
        const dn = p.slice();
        up[i] += h;
        dn[i] -= h;
        close(t.grad[i], (terms(up).f - terms(dn).f) / (2 * h), 1e-7, 1e-8, `grad ${i}`);
        for (let k = 0; k < 3; k++) {
          const fd = (terms(up).grad[k] - terms(dn).grad[k]) / (2 * h);
          close(t.hess[i * 4 + k], fd, 1e-6, 1e-8, `hess ${i} ${k}`);
        }
      }
      // The scoring curvature is negative semi-definite (its 2 x 2 (a, d) block and the g entry).
      const [caa, cad, cdd] = [t.curv[0], t.curv[1], t.curv[5]];
      assert.ok(caa <= 0 && cdd <= 0 && caa * cdd - cad * cad >= -1e-12 && t.curv[10] <= 0);
    });
  }

  it('the lognormal is a density on a, and a <= 0 has log density -Infinity', () => {
    let area = 0;
    for (let a = 0.0005; a < 60; a += 0.001) {
      const f = terms(Float64Array.of(a, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).f;
      // The b prior at b = 0 contributes its constant: take it out.
      area += Math.exp(f - (-0.5 * (0.3 / 2) ** 2 - Math.log(2) - 0.5 * Math.log(2 * Math.PI))) * 0.001;
    }
    close(area, 1, 1e-4, 0, 'total probability');
    assert.equal(terms(Float64Array.of(-0.2, 0, Number.NEGATIVE_INFINITY, 1)).f, Number.NEGATIVE_INFINITY);
  });
});

describe('the marginal gradient against central differences of the marginal objective', () => {
  const cPrior: LogitPrior = { kind: 'normal', mean: -1.1, sd: 2 };
  const uPrior: LogitPrior = { kind: 'normal', mean: 1.1, sd: 2 };
  for (const model of MODEL_NAMES) {
    it(model, async () => {
      const { data } = simulateResponses({ model, nUsers: 300, nItems: 6, seed: 11 });
      const options = {
        model,
        quadPoints: 31,
        quadRange: 6,
        maxCycles: 1,
        tol: 1e-4,
        cPrior,
        uPrior,
        aPrior: { kind: 'lognormal', meanlog: 0.1, sdlog: 0.5 } as const,
        bPrior: { kind: 'normal', mean: 0.2, sd: 1.5 } as const,
        acceleration: 'none' as const,
      };
      // Anchor one item so that the latent mean and variance are parameters too.
      const anchors = {
        fixed: Uint8Array.from({ length: 6 }, (_, j) => (j === 0 ? 1 : 0)),
        bank: makeAnchorBank(),
      };
      const layout = new ParamLayout(model, data.nItems, anchors);
      const em = new EmMap(data, options, inlineExecutor(), layout);
      const x = startValues(layout, data, 0);
      for (let i = 0; i < x.length; i++) x[i] += 0.05 * Math.sin(3 * i + 1);
      const g = new Float64Array(layout.size);
      await marginalGradient(em, x, g);
      const objective = async (y: Float64Array) => (await em.eStep(y)) + em.logPrior(y);
      const h = 1e-5;
      for (let i = 0; i < x.length; i++) {
        const y = x.slice();
        y[i] = x[i] + h;
        const up = await objective(y);
        y[i] = x[i] - h;
        const dn = await objective(y);
        const fixedSlot = layout.perItem * 1 > i; // item 0 is anchored: not a parameter
        close(g[i], fixedSlot ? 0 : (up - dn) / (2 * h), 1e-5, 1e-5, `${model} gradient ${i}`);
      }
    });
  }
});

function makeAnchorBank() {
  return {
    a: Float64Array.of(1, 1, 1, 1, 1, 1),
    d: Float64Array.of(0.3, 0, 0, 0, 0, 0),
    c: Float64Array.of(0, 0, 0, 0, 0, 0),
    u: Float64Array.of(1, 1, 1, 1, 1, 1),
  };
}

describe('the latent-distribution M-step', () => {
  const nodes = equallySpacedNodes(61, 6);
  // Expected counts of a N(0.4, 1.3^2) population on the grid.
  const nodeN = Float64Array.from(nodes, (x) => 1000 * Math.exp(-((x - 0.4) ** 2) / (2 * 1.69)));
  const G = (mean: number, variance: number) => {
    let z = 0;
    for (const x of nodes) z += Math.exp(-((x - mean) ** 2) / (2 * variance));
    let s = 0;
    nodes.forEach((x, q) => {
      s += nodeN[q] * (-((x - mean) ** 2) / (2 * variance) - Math.log(z));
    });
    return s;
  };
  it('mean and variance: recovers the population and maximises G', () => {
    const r = mStepLatent(nodes, nodeN, { mean: 0, variance: 1 }, true, new NewtonWorkspace());
    close(r.mean, 0.4, 0, 1e-9, 'mean');
    close(r.variance, 1.69, 0, 1e-9, 'variance');
    for (const [dm, dv] of [
      [1e-3, 0],
      [-1e-3, 0],
      [0, 1e-3],
      [0, -1e-3],
    ])
      assert.ok(G(r.mean + dm, r.variance + dv) < G(r.mean, r.variance));
  });
  it('variance alone (mean fixed at 0): matches the grid second moment to the expected one', () => {
    const r = mStepLatent(nodes, nodeN, { mean: 0, variance: 1 }, false, new NewtonWorkspace());
    assert.equal(r.mean, 0);
    let n = 0;
    let m2 = 0;
    let z = 0;
    let w2 = 0;
    nodes.forEach((x, q) => {
      n += nodeN[q];
      m2 += nodeN[q] * x * x;
      const w = Math.exp(-(x * x) / (2 * r.variance));
      z += w;
      w2 += w * x * x;
    });
    close(w2 / z, m2 / n, 1e-12, 0, 'second moment');
  });
});

describe('linear algebra and the Newton routine', () => {
  it('solves and inverts SPD matrices, refuses indefinite ones', () => {
    const m = Float64Array.of(4, 2, 0.6, 2, 3, 0.4, 0.6, 0.4, 2);
    const x = new Float64Array(3);
    assert.ok(solveSpd(m, [1, 2, 3], x, 3));
    for (let i = 0; i < 3; i++)
      close(m[i * 3] * x[0] + m[i * 3 + 1] * x[1] + m[i * 3 + 2] * x[2], i + 1, 1e-14, 1e-14, 'M x = b');
    const inv = invertSpd(m, 3)!;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += m[i * 3 + k] * inv[k * 3 + j];
        close(s, i === j ? 1 : 0, 0, 1e-14, 'M inv(M) = I');
      }
    assert.equal(invertSpd(Float64Array.of(1, 2, 2, 1), 2), null);
    assert.equal(cholesky(Float64Array.of(0, 0, 0, 1), 2, new Float64Array(4)), false);
  });

  it('Newton maximises a concave function, respecting bounds', () => {
    // f(y) = -(y0 - 3)^2 - 2 (y1 + 1)^2 - y0 y1 / 2, bounded y1 >= -0.5.
    const problem = {
      size: 2,
      value: (y: Float64Array) => -((y[0] - 3) ** 2) - 2 * (y[1] + 1) ** 2 - (y[0] * y[1]) / 2,
      direction(y: Float64Array, step: Float64Array) {
        const g = [-2 * (y[0] - 3) - y[1] / 2, -4 * (y[1] + 1) - y[0] / 2];
        return solveSpd(Float64Array.of(2, 0.5, 0.5, 4), g, step, 2);
      },
      project(y: Float64Array) {
        y[1] = Math.max(y[1], -0.5);
      },
    };
    const free = Float64Array.of(0, 0);
    newtonMaximise({ ...problem, project: () => {} }, free, new NewtonWorkspace());
    // Stationary: 2 y0 + y1/2 = 6, y0/2 + 4 y1 = -4.
    close(free[0], 3.3548387096774195, 1e-12, 0, 'y0');
    close(free[1], -1.4193548387096775, 1e-12, 0, 'y1');
    const bounded = Float64Array.of(0, 0);
    newtonMaximise(problem, bounded, new NewtonWorkspace());
    assert.equal(bounded[1], -0.5);
  });
});

describe('each model module is complete', () => {
  for (const name of MODEL_NAMES) {
    it(name, () => {
      const m = modelFor(name);
      assert.equal(m.name, name);
      const p = new Float64Array(4);
      for (let k = 0; k < m.starts; k++) {
        m.start(0.7, p, k);
        const P = sig(p[2]) + (sig(p[3]) - sig(p[2])) * sig(p[0] * 0 + p[1]);
        assert.ok(P > 0.5 && P < 0.9, `start reproduces roughly p = 0.7 at theta 0 (${P})`);
      }
      assert.ok(m.itemParams.includes('d'));
      assert.equal(m.anchorProblem({ a: m.fixedSlope, b: 0, c: 0 }), null);
    });
  }
});
