/** The report's linking section: constants, the drift table, and the b-now-against-b-before plot. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { renderReport } from '../../src/report/report.js';

function result(linked: boolean, withItems: boolean): CalibrateResponse {
  const items = [
    { item_id: 'q1', b_before: -0.5, b_now: -0.48, displacement: 0.02, z: 0.2, drift: false },
    { item_id: 'q2', b_before: 0.4, b_now: -0.41, displacement: -0.81, z: -5.1, drift: true },
    { item_id: 'q3', b_before: 1.2, b_now: 1.25, displacement: 0.05, z: 0.4, drift: false },
  ];
  return {
    item_params: items.map((x) => ({
      item_id: x.item_id,
      model: '2PL',
      version: 'v2',
      params: { a: 1, b: x.b_now },
    })),
    abilities: [{ user_id: 'u1', theta: 0.3, se: 0.4, model: '2PL', version: 'v2' }],
    fit_meta: {
      run_id: 'r2',
      model_spec: {
        model: '2PL',
        n_items: 3,
        n_users: 1,
        ...(linked
          ? {
              link: 'previous',
              linking_constants: {
                A: 1.02,
                B: 0.11,
                method: 'stocking-lord',
                n_common: 3,
                n_linking: 2,
                reference: 'v1',
              },
            }
          : {}),
      },
      metrics: {
        logLik: -10,
        AIC: 30,
        ...(linked
          ? {
              drift: {
                z_min: 3.5,
                shift_min: 0.3,
                n_common: 3,
                n_flagged: 1,
                flagged: [items[1]],
                ...(withItems ? { items } : {}),
              },
            }
          : {}),
      },
    },
  };
}

describe('report: linking and drift', () => {
  it('shows the constants, the drifted items and every common item in the plot', () => {
    const html = renderReport(result(true, true));
    assert.ok(html.includes('<h2 id="linking">Linking and drift</h2>'));
    assert.match(html, /method stocking-lord onto v1: A = 1\.020, B = 0\.110/);
    assert.match(
      html,
      /<tr class="flagged"><th scope="row">q2<\/th><td>0\.400<\/td><td>-0\.410<\/td><td>-0\.810<\/td><td>-5\.100<\/td><\/tr>/,
    );
    assert.equal((html.match(/<circle [^>]*class="drift"/g) ?? []).length, 1);
    assert.equal((html.match(/<circle [^>]*class="stable"/g) ?? []).length, 2);
  });

  it('from stored metrics plots the drifted items only, and says so', () => {
    const html = renderReport(result(true, false));
    assert.equal((html.match(/<circle /g) ?? []).length, 1);
    assert.ok(html.includes('only the drifted items are stored with the run'));
  });

  it('has no section for a run that was not linked', () => {
    assert.ok(!renderReport(result(false, false)).includes('Linking and drift'));
  });
});
