/**
 * Anchored calibration: items fixed at known parameters put a run on their scale. Simulated with
 * theta ~ N(0, 1), then described on a scale where the population is N(mu, s^2):
 * theta* = mu + s theta, a* = a / s, b* = mu + s b (the same probabilities).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate } from '../../src/engine/calibrate.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import type { ItemParams } from '../../src/engine/types.js';

const MU = 0.7;
const S = 1.3;

describe('anchored calibration', () => {
  const { data, truth } = simulateResponses({ model: '2PL', nUsers: 6000, nItems: 30, seed: 17 });
  const onScale = (k: number): ItemParams => ({ a: truth.a[k] / S, b: MU + S * truth.b[k], c: 0 });
  const anchors = new Map<string, ItemParams>();
  for (let k = 0; k < 8; k++) anchors.set(`i${k}`, onScale(k));

  it("recovers the population on the anchors' scale and puts the free items on it", async () => {
    const r = await calibrate(data, { model: '2PL', anchors });
    assert.ok(r.converged);
    assert.equal(r.anchors.used, 8);
    assert.ok(Math.abs(r.latent.mean - MU) < 0.1, `mean ${r.latent.mean}`);
    assert.ok(Math.abs(Math.sqrt(r.latent.variance) - S) < 0.1, `sd ${Math.sqrt(r.latent.variance)}`);
    assert.equal(r.fit.nParams, 2 * 22 + 2, 'free items plus the latent mean and variance');
    let sq = 0;
    let n = 0;
    for (const it of r.items) {
      const k = Number(it.id.slice(1));
      const want = onScale(k);
      if (k < 8) {
        assert.ok(it.anchored);
        assert.ok(Math.abs(it.a - want.a) < 1e-12 && Math.abs(it.b - want.b) < 1e-12);
        assert.equal(it.se.a, null);
      } else {
        assert.ok(!it.anchored && it.se.b !== null);
        sq += (it.b - want.b) ** 2;
        n++;
      }
    }
    assert.ok(Math.sqrt(sq / n) < 0.1, `RMSE b ${Math.sqrt(sq / n)}`);
    // Abilities are on the same scale: their mean is near mu.
    const th = r.abilities!.theta;
    assert.ok(Math.abs(th.reduce((s, v) => s + v, 0) / th.length - MU) < 0.1);
  });

  it("anchoring every item at a free run's own estimates reproduces that run", async () => {
    const free = await calibrate(data, { model: '2PL', scoreMethod: null, itemFit: false });
    const all = new Map(free.items.map((it) => [it.id, { a: it.a, b: it.b, c: 0 }]));
    const fixed = await calibrate(data, { model: '2PL', anchors: all, scoreMethod: null, itemFit: false });
    assert.ok(Math.abs(fixed.latent.mean) < 2e-3 && Math.abs(fixed.latent.variance - 1) < 5e-3);
    assert.ok(fixed.fit.logLik >= free.fit.logLik - 1e-6 && fixed.fit.logLik - free.fit.logLik < 0.01);
    assert.equal(fixed.fit.nParams, 2);
  });

  it('lists anchors of items not in the data; rejects anchors that do not fit the model', async () => {
    const r = await calibrate(data, {
      model: '2PL',
      anchors: { i0: onScale(0), ghost: { a: 1, b: 0, c: 0 } },
      itemFit: false,
    });
    assert.deepEqual(r.anchors, { used: 1, unused: ['ghost'] });
    await assert.rejects(
      calibrate(data, { model: 'Rasch', anchors: { i0: { a: 1.2, b: 0, c: 0 } } }),
      /a must be 1 for the Rasch model/,
    );
    await assert.rejects(
      calibrate(data, { model: '2PL', anchors: { i0: { a: 1, b: 0, c: 0.2 } } }),
      /c must be 0 for the 2PL/,
    );
    await assert.rejects(
      calibrate(data, { model: '2PL', anchors: { i0: { a: 1, b: Number.NaN, c: 0 } } }),
      /finite/,
    );
  });

  it('Rasch with anchors estimates the mean as well as the variance', async () => {
    const rasch = simulateResponses({ model: 'Rasch', nUsers: 5000, nItems: 20, seed: 4 });
    const fixedB = new Map<string, ItemParams>();
    for (let k = 0; k < 5; k++) fixedB.set(`i${k}`, { a: 1, b: rasch.truth.b[k] + 0.5, c: 0 });
    const r = await calibrate(rasch.data, { model: 'Rasch', anchors: fixedB, itemFit: false });
    assert.ok(Math.abs(r.latent.mean - 0.5) < 0.1, `mean ${r.latent.mean}`);
    assert.ok(Math.abs(r.latent.variance - 1) < 0.15, `variance ${r.latent.variance}`);
  });
});
