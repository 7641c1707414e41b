/** The [WARN] lines naming flagged items (job/flag-lines.ts), from a real calibration's result. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import { flagLines } from '../../src/job/flag-lines.js';
import { loadResponses } from '../helpers/reference.js';

describe('flag lines', () => {
  it('one line per flag in the flags order, with counts and up to 10 ids; none without flags', async () => {
    const r = await new LocalCalibrator().calibrate(loadResponses('LSAT7'), {
      model: '2PL',
      version: 'v',
      runId: 'r',
    });
    r.item_params[0].flags = ['misfit', 'provisional'];
    r.item_params[1].flags = ['misfit'];
    for (const it of r.item_params.slice(2)) it.flags = [];
    const ids = r.item_params.map((it) => it.item_id);
    assert.deepEqual(flagLines(r), [
      `[WARN] 1 item(s) flagged provisional: ${ids[0]}`,
      `[WARN] 2 item(s) flagged misfit: ${ids[0]}, ${ids[1]}`,
    ]);
    for (const it of r.item_params) delete it.flags;
    assert.deepEqual(flagLines(r), []);
  });

  it('more than 10 items: the first 10 ids, then ...', () => {
    const item_params = Array.from({ length: 12 }, (_, j) => ({
      item_id: `q${j}`,
      model: '2PL',
      version: 'v',
      params: { a: -1, b: 0 },
      flags: ['negative_discrimination'],
    }));
    const lines = flagLines({
      item_params,
      abilities: [],
      fit_meta: {
        run_id: 'r',
        model_spec: { model: '2PL', n_items: 12, n_users: 0 },
        metrics: { logLik: 0, AIC: 0 },
      },
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^\[WARN\] 12 item\(s\) flagged negative_discrimination: q0, q1, .*q9, \.\.\.$/);
  });

  it('says which prior held the slopes that ran off', () => {
    const lines = flagLines({
      item_params: [
        { item_id: 'q1', model: '2PL', version: 'v', params: { a: 3, b: 0 }, flags: ['slope_held'] },
      ],
      abilities: [],
      fit_meta: {
        run_id: 'r',
        model_spec: {
          model: '2PL',
          n_items: 1,
          n_users: 0,
          a_prior_fallback: { prior: 'lognormal:0:0.5', items: [{ id: 'q1', n: 4 }] },
        },
        metrics: { logLik: 0, AIC: 0 },
      },
    });
    assert.deepEqual(lines, [
      '[WARN] 1 item(s) flagged slope_held: q1',
      '[WARN] 1 item(s) had no finite slope (perfectly separated answers): held by the slope prior lognormal:0:0.5 instead of being left out',
    ]);
  });
});
