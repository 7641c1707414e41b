/**
 * Scoring against mirt 1.47 (fscores) on the reference data, using mirt's OWN fitted item
 * parameters and latent distribution (independent of our EM).
 *
 * Tolerances (measured maxima over all 3 data sets x 5 models in brackets):
 * - EAP theta and SE: 1e-8 absolute [8e-15]: the same sums on the same 121-node grid.
 * - MAP, ML, WLE theta: 1e-4 absolute [MAP 5e-6, ML 8e-6, WLE 1.3e-5]: mirt stops nlm at its
 *   default gradient tolerance; we solve the score equation to 1e-12.
 * - MAP, ML, WLE SE: 1.5e-3 relative [MAP 1.9e-4, ML 3.2e-4, WLE 6.6e-4]: mirt's SE comes from
 *   nlm's finite-difference Hessian; ours is the exact second derivative (checked against a
 *   central difference in this file).
 * - reliability (mirt's marginal_rxx): 1e-8 [6e-10].
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ItemBank } from '../../src/engine/models.js';
import { marginalReliability, marginalRxx } from '../../src/engine/reliability.js';
import { scoreAbilities } from '../../src/engine/scoring.js';
import type { ScoreMethod } from '../../src/engine/types.js';
import {
  bankFromResult,
  DATASETS,
  loadResponses,
  loadResult,
  MODELS,
  type PersonScore,
  personsInOrder,
} from '../helpers/reference.js';

/** Deterministic uniform(0,1) generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** log L(theta) of one user, straight from the model (for global-maximum checks). */
function logLik(bank: ItemBank, items: ArrayLike<number>, resp: ArrayLike<number>, th: number): number {
  let l = 0;
  for (let k = 0; k < items.length; k++) {
    const j = items[k];
    const p = bank.c[j] + (1 - bank.c[j]) / (1 + Math.exp(-(bank.a[j] * th + bank.d[j])));
    l += resp[k] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return l;
}

function oneUser(items: number[], resp: number[]) {
  return {
    nUsers: 1,
    userPtr: Int32Array.from([0, items.length]),
    userItem: Int32Array.from(items),
    userResp: Uint8Array.from(resp),
  };
}

describe('scoring against mirt 1.47 fscores', () => {
  for (const ds of DATASETS) {
    const data = loadResponses(ds);
    for (const model of MODELS) {
      it(`${ds} ${model}`, () => {
        const ref = loadResult(ds, model);
        const bank = bankFromResult(ref, data.itemIds);
        const latent = { mean: ref.latent_mean, variance: ref.latent_var };
        const rows: Record<ScoreMethod, PersonScore[]> = {
          EAP: personsInOrder(ref.eap, data.userIds),
          MAP: personsInOrder(ref.map, data.userIds),
          ML: personsInOrder(ref.ml, data.userIds),
          WLE: personsInOrder(ref.wle, data.userIds),
        };
        for (const method of ['EAP', 'MAP', 'ML', 'WLE'] as const) {
          const r = scoreAbilities(data, bank, { method, latent });
          const bound = 6;
          for (let u = 0; u < data.nUsers; u++) {
            const want = rows[method][u];
            const th = r.theta[u];
            const se = r.se[u];
            const where: string = `${method} ${data.userIds[u]}: ours ${th} (${se}), mirt ${want.theta} (${want.se})`;
            assert.ok(Number.isFinite(th), `non-finite theta ${where}`);
            if (method === 'EAP') {
              assert.ok(Math.abs(th - want.theta!) <= 1e-8, where);
              assert.ok(Math.abs(se - want.se!) <= 1e-8, where);
              continue;
            }
            if (method === 'ML') {
              if (r.pattern[u] !== 0)
                assert.equal(want.theta, null, `all right/wrong must have no ML ${where}`);
              if (want.theta === null) {
                // mirt: +-Inf (all right/wrong, or a 3PL likelihood rising to an end).
                assert.ok(Number.isNaN(se) && Math.abs(th) === bound, where);
                if (r.pattern[u] === 1) assert.equal(th, bound);
                if (r.pattern[u] === 2) assert.equal(th, -bound);
                continue;
              }
              if (Math.abs(want.theta) > bound) {
                // A finite mirt estimate beyond the bound (SAT12 2PL: 10.2) is clamped by design.
                assert.ok(Number.isNaN(se) && th === Math.sign(want.theta) * bound, where);
                continue;
              }
            }
            assert.ok(want.theta !== null && want.se !== null, where);
            assert.ok(Math.abs(th - want.theta) <= 1e-4, where);
            assert.ok(Math.abs(se - want.se) <= 1.5e-3 * want.se, where);
          }
        }
        assert.ok(
          Math.abs(marginalRxx(bank, latent) - ref.reliability) <= 1e-8,
          'reliability (marginal_rxx)',
        );
      });
    }
  }

  it('reports all-right / all-wrong patterns; ML and WLE stay finite, ML picks the global maximum', () => {
    const data = loadResponses('SAT12');
    const ref = loadResult('SAT12', '3PL');
    const bank = bankFromResult(ref, data.itemIds);
    const latent = { mean: 0, variance: 1 };
    const ml = scoreAbilities(data, bank, { method: 'ML', latent, bound: 50 });
    for (let u = 0; u < data.nUsers; u++) {
      if (Number.isNaN(ml.se[u])) continue;
      const k0 = data.userPtr[u];
      const k1 = data.userPtr[u + 1];
      const items = data.userItem.subarray(k0, k1);
      const resp = data.userResp.subarray(k0, k1);
      const at = logLik(bank, items, resp, ml.theta[u]);
      for (let th = -20; th <= 20; th += 0.01) {
        assert.ok(logLik(bank, items, resp, th) <= at + 1e-9, `user ${u}: higher likelihood at ${th}`);
      }
    }
  });

  it('the SE is the exact curvature of the objective (central difference check, 3PL WLE)', () => {
    const data = loadResponses('SAT12');
    const ref = loadResult('SAT12', '3PLprior');
    const bank = bankFromResult(ref, data.itemIds);
    const r = scoreAbilities(data, bank, { method: 'WLE', latent: { mean: 0, variance: 1 } });
    const u = 430;
    const k0 = data.userPtr[u];
    const k1 = data.userPtr[u + 1];
    const items = data.userItem.subarray(k0, k1);
    const resp = data.userResp.subarray(k0, k1);
    const g = (th: number) => {
      let info = 0;
      for (let k = 0; k < items.length; k++) {
        const j = items[k];
        const s = 1 / (1 + Math.exp(-(bank.a[j] * th + bank.d[j])));
        const p = bank.c[j] + (1 - bank.c[j]) * s;
        const dp = (1 - bank.c[j]) * bank.a[j] * s * (1 - s);
        info += (dp * dp) / (p * (1 - p));
      }
      return logLik(bank, items, resp, th) + 0.5 * Math.log(info);
    };
    const h = 1e-3;
    const th = r.theta[u];
    assert.ok(Math.abs((g(th + h) - g(th - h)) / (2 * h)) < 1e-5, 'gradient is zero at the WLE');
    const curv = -(g(th + h) - 2 * g(th) + g(th - h)) / (h * h);
    assert.ok(Math.abs(1 / Math.sqrt(curv) - r.se[u]) < 1e-6);
  });
});

describe('scoring edge cases', () => {
  const bank: ItemBank = {
    a: Float64Array.from([1, 1.5, 0.8, 1.2]),
    d: Float64Array.from([0.5, -0.2, 1, -1]),
    c: Float64Array.from([0, 0.2, 0, 0.25]),
  };
  const latent = { mean: 0, variance: 1 };

  it('patterns: mixed wherever the first other answer comes (last, second), one answer, none', () => {
    const data = {
      nUsers: 6,
      userPtr: Int32Array.from([0, 4, 8, 9, 10, 10, 14]),
      userItem: Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3]),
      userResp: Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1]),
    };
    const r = scoreAbilities(data, bank, { method: 'ML', latent });
    assert.deepEqual(Array.from(r.pattern), [0, 0, 1, 2, 0, 0]);
  });

  it('ML on all-right / all-wrong: +-bound, NaN se, pattern 1 / 2; WLE finite', () => {
    const data = {
      nUsers: 3,
      userPtr: Int32Array.from([0, 4, 8, 12]),
      userItem: Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]),
      userResp: Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0]),
    };
    const ml = scoreAbilities(data, bank, { method: 'ML', latent });
    assert.deepEqual(Array.from(ml.pattern), [1, 2, 0]);
    assert.equal(ml.theta[0], 6);
    assert.equal(ml.theta[1], -6);
    assert.ok(Number.isNaN(ml.se[0]) && Number.isNaN(ml.se[1]));
    assert.ok(Number.isFinite(ml.theta[2]) && Number.isFinite(ml.se[2]));
    const ml4 = scoreAbilities(data, bank, { method: 'ML', latent, bound: 4 });
    assert.equal(ml4.theta[0], 4);
    assert.equal(ml4.theta[1], -4);
    for (const method of ['EAP', 'MAP', 'WLE'] as const) {
      const r = scoreAbilities(data, bank, { method, latent });
      assert.deepEqual(Array.from(r.pattern), [1, 2, 0]);
      for (let u = 0; u < 3; u++) {
        assert.ok(Number.isFinite(r.theta[u]) && Number.isFinite(r.se[u]) && r.se[u] > 0, `${method} ${u}`);
      }
      assert.ok(r.theta[0] > r.theta[2] && r.theta[2] > r.theta[1], `${method} keeps the order`);
    }
  });

  it('EAP does not underflow for a learner with 3,000 answers (log L far below -745)', () => {
    const n = 3000;
    const r = rng(20261124);
    const big: ItemBank = { a: new Float64Array(n), d: new Float64Array(n), c: new Float64Array(n) };
    const truth = 0.7;
    const items: number[] = [];
    const resp: number[] = [];
    for (let j = 0; j < n; j++) {
      big.a[j] = 0.6 + 1.4 * r();
      big.d[j] = -big.a[j] * normal(r);
      items.push(j);
      resp.push(r() < 1 / (1 + Math.exp(-(big.a[j] * truth + big.d[j]))) ? 1 : 0);
    }
    const data = oneUser(items, resp);
    assert.ok(logLik(big, items, resp, truth) < -745, 'exp(log L) underflows in double precision');
    const eap = scoreAbilities(data, big, { method: 'EAP', latent });
    assert.ok(Number.isFinite(eap.theta[0]) && Number.isFinite(eap.se[0]) && eap.se[0] > 0);
    assert.ok(eap.se[0] < 0.05);
    assert.ok(Math.abs(eap.theta[0] - truth) < 5 * eap.se[0], `EAP ${eap.theta[0]} near ${truth}`);
    for (const method of ['MAP', 'ML', 'WLE'] as const) {
      const m = scoreAbilities(data, big, { method, latent });
      assert.ok(Math.abs(m.theta[0] - eap.theta[0]) < 0.01, `${method} ${m.theta[0]} close to EAP`);
      assert.ok(Math.abs(m.se[0] - eap.se[0]) < 0.005);
    }
  });

  it('a user without answers gets the prior (EAP, MAP) and no NaN theta', () => {
    const data = {
      nUsers: 1,
      userPtr: Int32Array.from([0, 0]),
      userItem: new Int32Array(0),
      userResp: new Uint8Array(0),
    };
    const lat = { mean: 0.3, variance: 0.64 };
    for (const method of ['EAP', 'MAP', 'ML', 'WLE'] as const) {
      const r = scoreAbilities(data, bank, { method, latent: lat });
      assert.ok(Math.abs(r.theta[0] - 0.3) < 1e-9, method);
      assert.equal(r.pattern[0], 0);
    }
    assert.ok(Math.abs(scoreAbilities(data, bank, { method: 'EAP', latent: lat }).se[0] - 0.8) < 1e-6);
  });

  it('rejects a bad latent distribution', () => {
    assert.throws(() =>
      scoreAbilities(oneUser([0], [1]), bank, { method: 'EAP', latent: { mean: 0, variance: 0 } }),
    );
  });

  it('empirical reliability = var / (var + mean se^2), skipping non-finite values', () => {
    const th = Float64Array.from([-1, 0, 1, Number.NaN]);
    const se = Float64Array.from([0.5, 0.5, 0.5, 0.5]);
    // var = 1 (n - 1 denominator), mean se^2 = 0.25.
    assert.ok(Math.abs(marginalReliability(th, se) - 0.8) < 1e-15);
  });
});
