/**
 * The job's linking of one run (link-run.ts) with the real engine: a free calibration put on a
 * reference scale where the learners are N(0.5, 1.2^2), by each method, with a drifted item.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import type { ReferenceItem } from '../../src/data/previous-version.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import { DEFAULT_LINK, type LinkingMethod, linkRun } from '../../src/job/link-run.js';

const MU = 0.5;
const S = 1.2;

describe('linking one run', () => {
  const { data, truth } = simulateResponses({ model: '2PL', nUsers: 4000, nItems: 30, seed: 31 });
  const calibrator = new LocalCalibrator();
  const job = { model: '2PL', version: 'v2', runId: 'r2' };
  let free: CalibrateResponse;
  // The truth on the reference scale; item i0 is stored 1.5 harder than it is (it leaked since).
  const reference = new Map<string, ReferenceItem>();
  for (let k = 0; k < 30; k++)
    reference.set(`i${k}`, {
      a: truth.a[k] / S,
      b: MU + S * truth.b[k] + (k === 0 ? 1.5 : 0),
      c: 0,
      seB: 0.05,
    });
  before(async () => {
    free = await calibrator.calibrate(data, job);
  });

  for (const method of ['stocking-lord', 'mean-sigma', 'mean-mean', 'fixed'] as LinkingMethod[]) {
    it(`${method}: recovers the reference scale, flags the drifted item and links without it`, async () => {
      const out = await linkRun({
        config: { ...DEFAULT_LINK, mode: 'previous', method },
        model: '2PL',
        free,
        reference: { label: 'v1', items: reference },
        refit: (anchors) => calibrator.calibrate(data, { ...job, anchors }),
      });
      const k = out.constants;
      assert.equal(k.method, method);
      assert.equal(k.n_common, 30);
      assert.equal(k.n_linking, 29);
      assert.ok(Math.abs(k.A - S) < 0.08 && Math.abs(k.B - MU) < 0.08, JSON.stringify(k));
      const mean = out.result.abilities.reduce((s, a) => s + a.theta, 0) / out.result.abilities.length;
      assert.ok(Math.abs(mean - MU) < 0.08, `theta mean ${mean}`);
      assert.deepEqual(
        out.drift.filter((x) => x.drift).map((x) => x.item_id),
        ['i0'],
      );
      const i0 = out.itemRows.find((r) => r.item_id === 'i0')!;
      assert.deepEqual(i0.flags, ['drift']);
      assert.ok(Math.abs((i0.displacement ?? 0) + 1.5) < 0.2, `displacement ${i0.displacement}`);
      const i1 = out.itemRows.find((r) => r.item_id === 'i1')!;
      assert.deepEqual(i1.flags, method === 'fixed' ? ['anchored'] : []);
      assert.ok(typeof i1.se?.b === 'number' && i1.se.b > 0, 'an anchored item keeps its free SE');
      if (method !== 'fixed') {
        // The linear map: b* = A b + B on every item, a* = a / A.
        const f = free.item_params[5];
        const l = out.result.item_params[5];
        assert.ok(Math.abs(l.params.b - (k.A * f.params.b + k.B)) < 1e-12);
        assert.ok(Math.abs(l.params.a - f.params.a / k.A) < 1e-12);
      }
    });
  }

  it('fewer than two common items: its own scale, with the reason', async () => {
    const out = await linkRun({
      config: { ...DEFAULT_LINK, mode: 'previous' },
      model: '2PL',
      free,
      reference: { label: 'v1', items: new Map([['i3', reference.get('i3')!]]) },
      refit: () => Promise.reject(new Error('not called')),
    });
    assert.equal(out.constants.method, 'none');
    assert.match(out.constants.reason ?? '', /1 item\(s\) in common with v1 \(linking needs 2\)/);
    assert.equal(out.result, free);
  });
});
