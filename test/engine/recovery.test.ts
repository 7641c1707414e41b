/** Parameter recovery on simulated data with known truth (fixed seeds), and the worker path. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExecutor } from '../../src/calibrators/estep-workers.js';
import { calibrate } from '../../src/engine/calibrate.js';
import type { ResponseData } from '../../src/engine/responses.js';
import { type SimulationTruth, simulateResponses } from '../../src/engine/simulate.js';
import type { CalibrationResult, ModelName } from '../../src/engine/types.js';

/** The same fit with standard errors from the full information and from item blocks. */
async function fullAndItemBlock(data: ResponseData, model: ModelName) {
  const opts = { model, scoreMethod: null, itemFit: false } as const;
  const full = await calibrate(data, { ...opts, standardErrors: 'full' });
  const block = await calibrate(data, { ...opts, standardErrors: 'item' });
  return { full, block };
}

/** Estimates and truth of one parameter, item by item (simulated item j is named `i<j>`). */
function versus(
  r: CalibrationResult,
  data: ResponseData,
  truth: SimulationTruth,
  key: 'a' | 'b' | 'c',
): [number[], number[]] {
  return [r.items.map((x) => x[key]), data.itemIds.map((id) => truth[key][Number(id.slice(1))])];
}

function rmse(x: number[], y: number[]): number {
  return Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / x.length);
}
function corr(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('parameter recovery', () => {
  it('2PL, dense 3,000 x 30: RMSE a < 0.08, b < 0.08; theta correlation > 0.9', async () => {
    const { data, truth } = simulateResponses({ model: '2PL', nUsers: 3000, nItems: 30, seed: 11 });
    const r = await calibrate(data, { model: '2PL' });
    assert.ok(r.converged);
    assert.ok(rmse(...versus(r, data, truth, 'a')) < 0.08);
    assert.ok(rmse(...versus(r, data, truth, 'b')) < 0.08);
    const th = data.userIds.map((id) => truth.theta[Number(id.slice(1))]);
    assert.ok(corr(Array.from(r.abilities!.theta), th) > 0.9);
    // EAP SEs describe the actual error: the mean squared error is close to the mean SE^2.
    const mse = rmse(Array.from(r.abilities!.theta), th) ** 2;
    const meanVar = r.abilities!.se.reduce((s, v) => s + v * v, 0) / th.length;
    assert.ok(Math.abs(mse / meanVar - 1) < 0.15, `mse ${mse} vs mean se^2 ${meanVar}`);
  });

  it('2PL, sparse 20,000 users x 200 items, 20 answers each, on 2 threads equals 1 thread', async () => {
    const { data, truth } = simulateResponses({
      model: '2PL',
      nUsers: 20000,
      nItems: 200,
      perUser: 20,
      seed: 5,
    });
    const one = await calibrate(data, { model: '2PL', scoreMethod: null, standardErrors: 'none' });
    const two = await calibrate(data, {
      model: '2PL',
      scoreMethod: null,
      standardErrors: 'none',
      executorFor: (d) => createExecutor(d, 61, { threads: 2 }),
    });
    assert.equal(two.settings.threads, 2);
    assert.ok(Math.abs(one.fit.logLik - two.fit.logLik) < 1e-6);
    for (let k = 0; k < one.items.length; k++) assert.ok(Math.abs(one.items[k].a - two.items[k].a) < 1e-8);
    assert.ok(rmse(...versus(one, data, truth, 'b')) < 0.12);
    assert.ok(rmse(...versus(one, data, truth, 'a')) < 0.12);
    assert.equal(one.items[0].fit.kind, 'S-X2-incomplete', 'sparse data: S-X2 for incomplete designs');
  });

  it('item-block standard errors agree with the full information on a large bank', async () => {
    const { data } = simulateResponses({ model: '2PL', nUsers: 2000, nItems: 40, perUser: 20, seed: 8 });
    const { full, block } = await fullAndItemBlock(data, '2PL');
    for (let k = 0; k < full.items.length; k++) {
      assert.ok(Math.abs(block.items[k].se.a! / full.items[k].se.a! - 1) < 0.1, `item ${k} se a`);
      assert.ok(Math.abs(block.items[k].se.b! / full.items[k].se.b! - 1) < 0.1, `item ${k} se b`);
    }
  });

  // b and c trade off on easy items (a known 3PL weakness), hence the wider bounds.
  it('3PL with the default prior, dense 4,000 x 30: RMSE a < 0.2, b < 0.4, c < 0.1; b correlation > 0.9', async () => {
    const { data, truth } = simulateResponses({ model: '3PL', nUsers: 4000, nItems: 30, seed: 3 });
    const r = await calibrate(data, { model: '3PL', scoreMethod: null, standardErrors: 'none' });
    assert.ok(r.converged);
    assert.ok(rmse(...versus(r, data, truth, 'a')) < 0.2);
    assert.ok(rmse(...versus(r, data, truth, 'b')) < 0.4);
    assert.ok(rmse(...versus(r, data, truth, 'c')) < 0.1);
    assert.ok(corr(...versus(r, data, truth, 'b')) > 0.9);
  });

  it('Rasch recovers the latent variance', async () => {
    const { data } = simulateResponses({ model: 'Rasch', nUsers: 4000, nItems: 25, seed: 21 });
    const r = await calibrate(data, { model: 'Rasch', scoreMethod: null });
    assert.ok(Math.abs(r.latent.variance - 1) < 0.1, `variance ${r.latent.variance}`);
  });
});

describe('standard errors of Rasch items on a large bank', () => {
  it('intercept blocks agree with the full information to 10%', async () => {
    const { data } = simulateResponses({ model: 'Rasch', nUsers: 3000, nItems: 60, perUser: 20, seed: 9 });
    const { full, block } = await fullAndItemBlock(data, 'Rasch');
    for (let k = 0; k < full.items.length; k++) {
      assert.equal(block.items[k].se.a, null);
      assert.ok(
        Math.abs(block.items[k].se.b! / full.items[k].se.b! - 1) < 0.1,
        `item ${k}: ${block.items[k].se.b} vs ${full.items[k].se.b}`,
      );
    }
  });
});
