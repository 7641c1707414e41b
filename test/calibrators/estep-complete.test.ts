/**
 * Complete learners (every item answered) take their own path in the WebAssembly E-step, Louis'
 * pass, the EAP and item fit's mean squares (estep-complete.ts): the side with fewer answers, and
 * counts folded back as differences. Here against the JavaScript reference kernel, which has no
 * such path, on data mixing every kind of complete learner (all right, all wrong, more right,
 * more wrong, a tie) with incomplete ones.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countComplete } from '../../src/calibrators/estep-complete.js';
import { createExecutor } from '../../src/calibrators/estep-workers.js';
import { EmMap, inlineExecutor } from '../../src/engine/em.js';
import { learnerPassesJs, selectLearners } from '../../src/engine/itemfit-passes.js';
import { probabilityTables } from '../../src/engine/itemfit-tables.js';
import { startValues } from '../../src/engine/params.js';
import { equallySpacedNodes, normalLogWeights } from '../../src/engine/quadrature.js';
import { ResponseBuilder } from '../../src/engine/responses.js';
import { eapFromMoments, eapTables, scoreAbilities } from '../../src/engine/scoring.js';
import type { ModelName } from '../../src/engine/types.js';
import { oneEStep } from '../helpers/one-estep.js';

const close = (x: number, y: number) => Math.abs(x - y) <= 1e-11 * Math.max(1, Math.abs(x), Math.abs(y));

/** 24 items; learner u's kind is u % 6: all right, all wrong, 18 right, 6 right, 12 right, 10 answers. */
function mixedData(nUsers: number) {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const J = 24;
  const b = new ResponseBuilder();
  for (let u = 0; u < nUsers; u++) {
    const kind = u % 6;
    const order = Array.from({ length: J }, (_, j) => j).sort(() => rand() - 0.5);
    const items = kind === 5 ? order.slice(0, 10) : order;
    const right = [J, 0, 18, 6, 12, 5][kind];
    items.forEach((j, i) => {
      b.add(`u${u}`, `i${j}`, i < right ? 1 : 0);
    });
  }
  return b.build();
}

describe('complete learners in the kernels', () => {
  const data = mixedData(1200);

  it('the data have complete learners of every kind and incomplete ones', () => {
    assert.equal(data.nItems, 24);
    assert.equal(countComplete(data.userPtr, data.nItems), 1000);
  });

  for (const [model, nQ, threads] of [
    ['2PL', 61, 1],
    ['3PL', 21, 2],
    ['Rasch', 40, 3],
  ] as [ModelName, number, number][]) {
    it(`${model}, ${nQ} nodes, ${threads} thread(s): same counts, logLik and EAP as the reference`, async (t) => {
      const opts = oneEStep(model, nQ);
      const ref = new EmMap(data, opts, inlineExecutor());
      const wasm = await createExecutor(data, nQ, { threads });
      // Closed whatever fails: its workers would keep the test process alive.
      t.after(() => wasm.close());
      assert.equal(wasm.kernel, 'wasm-simd');
      const fast = new EmMap(data, opts, wasm);
      const x = startValues(ref.layout, data);
      for (let i = 0; i < x.length; i++) x[i] += 0.1 * Math.sin(3 * i);
      const l1 = await ref.eStep(x);
      // Twice: the second E-step must start from cleared complete-learner counts.
      await fast.eStep(x);
      const l2 = await fast.eStep(x);
      assert.ok(close(l1, l2), `logLik ${l1} vs ${l2}`);
      for (const key of ['r0', 'r1', 'nodeN'] as const) {
        const a = ref.acc[key];
        const c = fast.acc[key];
        for (let i = 0; i < a.length; i++) assert.ok(close(a[i], c[i]), `${key}[${i}] ${a[i]} vs ${c[i]}`);
      }
      // Louis' pass at the same tables, random score tables.
      const p = model === '3PL' ? 3 : 2;
      const s1 = Float64Array.from({ length: data.nItems * p * nQ }, (_, i) => Math.sin(i));
      const s0 = Float64Array.from({ length: data.nItems * p * nQ }, (_, i) => Math.cos(3 * i));
      const o1 = await ref.scoreOuterProducts(s1, s0, p);
      const o2 = await fast.scoreOuterProducts(s1, s0, p);
      for (let i = 0; i < o1.length; i++) assert.ok(close(o1[i], o2[i]), `outer[${i}] ${o1[i]} vs ${o2[i]}`);

      const bank = {
        a: Float64Array.from({ length: data.nItems }, (_, j) => 0.6 + 0.05 * j),
        d: Float64Array.from({ length: data.nItems }, (_, j) => Math.sin(j)),
        c: new Float64Array(data.nItems).fill(model === '3PL' ? 0.2 : 0),
      };
      const latent = { mean: -0.2, variance: 1.4 };
      const eap = scoreAbilities(data, bank, { method: 'EAP', latent });
      const tables = eapTables(bank, latent);
      const moments = await wasm.posteriorMoments!(
        { nQ: tables.nodes.length, ...data, ...tables },
        tables.nodes,
      );
      const got = eapFromMoments(data, bank, latent, moments);
      for (let u = 0; u < data.nUsers; u++) {
        assert.ok(close(eap.theta[u], got.theta[u]), `theta ${u}: ${eap.theta[u]} vs ${got.theta[u]}`);
        assert.ok(close(eap.se[u], got.se[u]), `se ${u}: ${eap.se[u]} vs ${got.se[u]}`);
      }

      // Item fit's passes (the mean squares' sums in the kernel) at the same bank.
      const nodes = equallySpacedNodes(nQ, 6);
      const logW = normalLogWeights(nodes, latent.mean, latent.variance);
      const fitInput = {
        data,
        tables: probabilityTables(bank, nodes),
        nodes,
        logW,
        w: logW.map(Math.exp),
        ...selectLearners(data, 300, nQ + (nQ % 2)),
      };
      const fitRef = learnerPassesJs(fitInput);
      const fitGot = await wasm.itemFitPasses!(fitInput);
      assert.ok(fitGot, 'the kernel ran the passes');
      for (let i = 0; i < fitRef.squares.length; i++) {
        assert.ok(
          close(fitRef.squares[i], fitGot.squares[i]),
          `squares[${i}] ${fitRef.squares[i]} vs ${fitGot.squares[i]}`,
        );
      }
    });
  }
});
