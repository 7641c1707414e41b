/**
 * Scratch state belongs to a calibration (EmMap, the Newton workspace, the scoring workspaces),
 * never to a module: calibrations interleaved in one process give exactly what each gives alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate } from '../../src/engine/calibrate.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import type { ModelName } from '../../src/engine/types.js';

describe('calibrations in one process share no scratch', () => {
  it('interleaved 2PL, 3PL, 4PL and Rasch runs equal their runs alone', async () => {
    const models: ModelName[] = ['2PL', '3PL', '4PL', 'Rasch'];
    const sets = models.map(
      (model, k) => simulateResponses({ model, nUsers: 800, nItems: 10, seed: 30 + k }).data,
    );
    const run = (k: number) =>
      calibrate(sets[k], { model: models[k], scoreMethod: k % 2 ? 'WLE' : 'MAP', maxCycles: 60 });
    const alone = [];
    for (let k = 0; k < models.length; k++) alone.push(await run(k));
    const together = await Promise.all(models.map((_, k) => run(k)));
    for (let k = 0; k < models.length; k++) {
      assert.equal(together[k].fit.logLik, alone[k].fit.logLik, models[k]);
      assert.deepEqual(together[k].items, alone[k].items);
      assert.deepEqual(together[k].abilities?.theta, alone[k].abilities?.theta);
    }
  });
});
