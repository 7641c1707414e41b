/**
 * Item fit's per-learner passes on the WebAssembly executor (mean squares in the kernel on the
 * workers, sum scores on this thread) against the JavaScript reference (itemfit-passes.ts), on
 * a sparse simulated bank: the same sums to 1e-12, and the comparison does see a difference
 * as small as a 1e-6 shift of the latent mean.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExecutor } from '../../src/calibrators/estep-workers.js';
import { SQUARE_SLOTS } from '../../src/engine/itemfit-meansquares.js';
import {
  type ItemFitPassInput,
  type ItemFitPassOutput,
  learnerPassesJs,
  selectLearners,
} from '../../src/engine/itemfit-passes.js';
import { itemFitAnyDesign, itemFitSparse } from '../../src/engine/itemfit-sparse.js';
import { probabilityTables } from '../../src/engine/itemfit-tables.js';
import type { ItemBank } from '../../src/engine/models.js';
import { equallySpacedNodes, normalLogWeights } from '../../src/engine/quadrature.js';
import type { ResponseData } from '../../src/engine/responses.js';
import { simulateResponses } from '../../src/engine/simulate.js';

const { data } = simulateResponses({ model: '2PL', nUsers: 4000, nItems: 120, perUser: 25, seed: 21 });
const bank: ItemBank = {
  a: Float64Array.from({ length: data.nItems }, (_, j) => 0.6 + (j % 9) * 0.2),
  d: Float64Array.from({ length: data.nItems }, (_, j) => Math.sin(j) * 1.5),
  c: new Float64Array(data.nItems),
};

function passInput(d: ResponseData, b: ItemBank, mean: number, stride: number): ItemFitPassInput {
  const nodes = equallySpacedNodes(61, 6);
  const logW = normalLogWeights(nodes, mean, 1.2);
  return {
    data: d,
    tables: probabilityTables(b, nodes),
    nodes,
    logW,
    w: logW.map(Math.exp),
    ...selectLearners(d, 300, stride),
  };
}

/** The largest relative difference between two outputs (0 when they agree to the last bit). */
function divergence(x: ItemFitPassOutput, y: ItemFitPassOutput): number {
  let worst = 0;
  for (const key of ['squares', 'eSum', 'theta'] as const) {
    assert.equal(x[key].length, y[key].length, key);
    for (let i = 0; i < x[key].length; i++) {
      const [a, b] = [x[key][i], y[key][i]];
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
    }
  }
  return worst;
}

describe('item fit passes on the executor', () => {
  for (const threads of [1, 2, 3]) {
    it(`${threads} thread(s): the reference's sums to 1e-12, and a real difference shows`, async () => {
      const input = passInput(data, bank, 0.1, 3);
      assert.ok(input.selected.length > 1000);
      const ref = learnerPassesJs(input);
      const ex = await createExecutor(data, 61, { threads });
      assert.equal(ex.kernel, 'wasm-simd');
      const fast = await ex.itemFitPasses?.(input);
      const shifted = await ex.itemFitPasses?.(passInput(data, bank, 0.1 + 1e-6, 3));
      await ex.close();
      assert.ok(fast && shifted);
      for (let j = 0; j < data.nItems; j++) assert.equal(fast.squares[j * SQUARE_SLOTS], data.itemN[j]);
      assert.ok(fast.theta.some(Number.isFinite) && fast.eSum.some((e) => e > 0 && e < 1));
      assert.ok(divergence(ref, fast) <= 1e-12, `divergence ${divergence(ref, fast)}`);
      assert.ok(divergence(ref, shifted) > 1e-9, `a shifted latent mean: ${divergence(ref, shifted)}`);
    });
  }

  it('the statistics of calibrate agree with the reference path; an extreme slope takes the reference', async () => {
    const options = { freeParamsPerItem: new Int32Array(data.nItems).fill(2) };
    const steep = { ...bank, a: bank.a.map((a, j) => (j === 7 ? 110 : a)) };
    for (const b of [bank, steep]) {
      const ex = await createExecutor(data, 61, { threads: 2 });
      const fast = await itemFitAnyDesign(data, b, { mean: 0.1, variance: 1.2 }, options, ex);
      await ex.close();
      const ref = itemFitSparse(data, b, { mean: 0.1, variance: 1.2 }, { sx2: true });
      for (let j = 0; j < data.nItems; j++) {
        const [f, r] = [fast.fit[j], ref[j].sx2];
        assert.equal(f.kind, r.kind);
        if (f.kind !== 'unavailable' && r.kind !== 'unavailable') assert.deepEqual(f, r);
        const [m, n] = [fast.meanSquares[j], ref[j].meanSquares];
        assert.ok(m && n);
        for (const key of ['infit', 'outfit', 'infitZ', 'outfitZ'] as const)
          assert.ok(Math.abs(m[key] - n[key]) <= 1e-12 * Math.max(1, Math.abs(n[key])), `${j} ${key}`);
        if (b === steep) assert.deepEqual(m, n, 'the reference path, to the last bit');
      }
    }
  });
});
