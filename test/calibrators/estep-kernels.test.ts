/** The WebAssembly SIMD E-step (1 and 3 threads) against the JavaScript reference kernel. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileKernel, moduleText } from '../../scripts/build-wasm.js';
import { createExecutor, kernelModule } from '../../src/calibrators/estep-workers.js';
import { EmMap, inlineExecutor } from '../../src/engine/em.js';
import { ESTEP_WASM_BASE64 } from '../../src/engine/kernel/estep-wasm.js';
import { startValues } from '../../src/engine/params.js';
import { eapFromMoments, eapTables, scoreAbilities } from '../../src/engine/scoring.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import type { ModelName } from '../../src/engine/types.js';
import { oneEStep } from '../helpers/one-estep.js';

const close = (x: number, y: number) => Math.abs(x - y) <= 1e-11 * Math.max(1, Math.abs(x), Math.abs(y));

describe('E-step kernels', () => {
  it('EAP moments in the kernel equal the JavaScript EAP, long answer records included', async () => {
    const { data } = simulateResponses({ model: '3PL', nUsers: 400, nItems: 800, perUser: 600, seed: 12 });
    const bank = {
      a: new Float64Array(800).fill(1.2),
      d: Float64Array.from({ length: 800 }, (_, j) => Math.sin(j)),
      c: new Float64Array(800).fill(0.15),
    };
    const latent = { mean: 0.1, variance: 1.3 };
    const ref = scoreAbilities(data, bank, { method: 'EAP', latent });
    const ex = await createExecutor(data, 61, { threads: 2 });
    const t = eapTables(bank, latent);
    const input = {
      nQ: t.nodes.length,
      userPtr: data.userPtr,
      userItem: data.userItem,
      userResp: data.userResp,
      ...t,
    };
    const fast = eapFromMoments(data, bank, latent, await ex.posteriorMoments!(input, t.nodes));
    await ex.close();
    for (let u = 0; u < data.nUsers; u++) {
      assert.ok(
        close(ref.theta[u], fast.theta[u]) && close(ref.se[u], fast.se[u]),
        `user ${u}: ${ref.theta[u]} vs ${fast.theta[u]}`,
      );
    }
  });

  it('the committed kernel bytes are the compiled estep.wat', async () => {
    const bytes = await compileKernel();
    assert.ok(moduleText(bytes).includes(ESTEP_WASM_BASE64));
    assert.ok(kernelModule(), 'this runtime has WebAssembly SIMD and shared memory');
  });

  for (const [model, nQ, threads] of [
    ['2PL', 61, 1],
    ['3PL', 40, 3],
    ['Rasch', 21, 2],
  ] as [ModelName, number, number][]) {
    it(`${model}, ${nQ} nodes, ${threads} thread(s): same counts and logLik as the reference`, async () => {
      const { data } = simulateResponses({ model, nUsers: 3000, nItems: 50, perUser: 17, seed: nQ });
      const opts = oneEStep(model, nQ);
      const ref = new EmMap(data, opts, inlineExecutor());
      const wasm = await createExecutor(data, nQ, { threads });
      assert.equal(wasm.kernel, 'wasm-simd');
      assert.equal(wasm.threads, threads);
      const fast = new EmMap(data, opts, wasm);
      const x = startValues(ref.layout, data);
      x[0] += 0.3; // something other than the symmetric start
      const l1 = await ref.eStep(x);
      const l2 = await fast.eStep(x);
      await wasm.close();
      assert.ok(close(l1, l2), `logLik ${l1} vs ${l2}`);
      // Louis' users pass (standard errors) on the same tables, random score tables.
      const p = model === '3PL' ? 3 : 2;
      const s1 = Float64Array.from({ length: data.nItems * p * nQ }, (_, i) => Math.sin(i));
      const s0 = Float64Array.from({ length: data.nItems * p * nQ }, (_, i) => Math.cos(3 * i));
      const o1 = await ref.scoreOuterProducts(s1, s0, p);
      const wasm2 = await createExecutor(data, nQ, { threads });
      const fast2 = new EmMap(data, opts, wasm2);
      await fast2.eStep(x);
      const o2 = await fast2.scoreOuterProducts(s1, s0, p);
      await wasm2.close();
      for (let i = 0; i < o1.length; i++) assert.ok(close(o1[i], o2[i]), `outer[${i}] ${o1[i]} vs ${o2[i]}`);
      for (const key of ['r0', 'r1', 'nodeN'] as const) {
        const a = ref.acc[key];
        const b = fast.acc[key];
        for (let i = 0; i < a.length; i++) assert.ok(close(a[i], b[i]), `${key}[${i}] ${a[i]} vs ${b[i]}`);
      }
    });
  }
});
