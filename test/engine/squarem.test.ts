/**
 * SQUAREM reaches the optimum of plain EM (`acceleration: 'none'`): every accepted jump is at
 * least as good as the EM step it replaces, so the fixed point is EM's (em.ts). Held on a few
 * cases: same objective, same estimates (to what tol 1e-4 leaves), fewer E-steps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate } from '../../src/engine/calibrate.js';
import type { ResponseData } from '../../src/engine/responses.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import { DEFAULT_C_PRIOR, type ModelName } from '../../src/engine/types.js';
import { loadResponses } from '../helpers/reference.js';

const cases: { name: string; model: ModelName; data: () => ResponseData }[] = [
  {
    name: 'simulated Rasch (latent variance)',
    model: 'Rasch',
    data: () => simulateResponses({ model: 'Rasch', nUsers: 2000, nItems: 15, seed: 5 }).data,
  },
  {
    name: 'simulated sparse 1PL',
    model: '1PL',
    data: () => simulateResponses({ model: '1PL', nUsers: 3000, nItems: 40, perUser: 12, seed: 6 }).data,
  },
  {
    name: 'simulated 3PL with the prior',
    model: '3PL',
    data: () => simulateResponses({ model: '3PL', nUsers: 3000, nItems: 20, seed: 7 }).data,
  },
];
cases.push({ name: 'LSAT7 2PL', model: '2PL', data: () => loadResponses('LSAT7') });

describe('SQUAREM reaches the same optimum as plain EM', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const data = c.data();
      const common = {
        model: c.model,
        cPrior: DEFAULT_C_PRIOR,
        scoreMethod: null,
        itemFit: false,
        standardErrors: 'none' as const,
        tol: 1e-6,
        maxCycles: 5000,
      };
      const plain = await calibrate(data, { ...common, acceleration: 'none' });
      const fast = await calibrate(data, { ...common, acceleration: 'squarem' });
      assert.ok(plain.converged && fast.converged);
      const obj = (r: typeof plain) => r.fit.logLik + r.fit.logPrior;
      assert.ok(Math.abs(obj(plain) - obj(fast)) < 1e-4, `objective ${obj(plain)} vs ${obj(fast)}`);
      for (let j = 0; j < data.nItems; j++) {
        for (const k of ['a', 'b', 'c'] as const)
          assert.ok(
            Math.abs(plain.items[j][k] - fast.items[j][k]) < 2e-3,
            `${plain.items[j].id} ${k}: ${plain.items[j][k]} vs ${fast.items[j][k]}`,
          );
      }
      assert.ok(Math.abs(plain.latent.variance - fast.latent.variance) < 1e-3);
      assert.ok(fast.eSteps < plain.eSteps, `E-steps ${fast.eSteps} vs ${plain.eSteps}`);
    });
  }
});
