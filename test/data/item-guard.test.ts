/**
 * Nothing absurd reaches the database, nothing extreme without its flag (data/item-guard.ts),
 * whatever produced the result: here a result shaped like the legacy service's (no flags) with
 * the values issue 11 saw written (a = -0.00017, b = -12,878.75), against PostgreSQL and PGlite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { migrate } from '../../src/data/migrations.js';
import { writeResults } from '../../src/data/write-results.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';

const items: [string, { a: number; b: number; c?: number }][] = [
  ['fine', { a: 1.1, b: 0.3, c: 0.2 }],
  ['service-absurd', { a: -0.00017, b: -12878.75, c: 0.1 }],
  ['step', { a: 150, b: 0.5, c: 0.1 }],
  ['4pl-step', { a: 100, b: 0.5, c: 0.1 }],
  ['miskeyed-3pl', { a: 0.9, b: 77.25, c: 0.1 }],
  ['far', { a: 0.4, b: 12, c: 0.1 }],
  ['negative', { a: -0.6, b: 0.2, c: 0.1 }],
  ['guessing', { a: 1.2, b: 0.1, c: 0.6 }],
];

function legacyResult(version: string): CalibrateResponse {
  return {
    item_params: items.map(([item_id, params]) => ({ item_id, model: '3PL', params, version })),
    abilities: [{ user_id: 'u1', theta: 0.1, se: 0.3, model: '3PL', version }],
    fit_meta: {
      run_id: `run-${version}`,
      model_spec: { model: '3PL', n_items: items.length, n_users: 1 },
      metrics: { logLik: -10, AIC: 40 },
    },
  };
}

for (const { name, setup } of BACKENDS) {
  describe(`the item guard on the write (${name})`, () => {
    const ctx = useBackend(setup);

    it('withholds values that are not estimates and writes extreme ones only with their flags', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const db = ctx.fx.db;
      await migrate(db);
      const w = await writeResults(db, legacyResult('v1'), {
        version: 'v1',
        runId: 'run-v1',
        model: '3PL',
        updateQuestionMeta: false,
        retainVersions: null,
      });
      assert.deepEqual(
        w.withheld.map((x) => x.item_id),
        ['service-absurd', 'step', 'miskeyed-3pl'],
      );
      assert.ok(w.warnings.some((l) => l.startsWith('3 item(s) not written')));
      const rows = await db.query<{ item_id: string; a: number; b: number; c: number; flags: string[] }>(
        `SELECT h.item_id, (h.params->>'a')::float8 AS a, (h.params->>'b')::float8 AS b,
                (h.params->>'c')::float8 AS c, h.flags
           FROM mirt_item_params_history h ORDER BY h.item_id`,
      );
      assert.deepEqual(
        rows.map((r) => r.item_id),
        ['4pl-step', 'fine', 'far', 'guessing', 'negative'].sort(),
      );
      for (const r of rows) {
        assert.ok(Math.abs(r.a) <= 100 && Math.abs(r.b) <= 50, `${r.item_id} is not absurd`);
        if (Math.abs(r.b) > 10) assert.ok(r.flags.includes('extreme_difficulty'), r.item_id);
        if (r.a < 0) assert.ok(r.flags.includes('negative_discrimination'), r.item_id);
        if (r.c > 0.5) assert.ok(r.flags.includes('high_guessing'), r.item_id);
      }
      assert.deepEqual(rows.find((r) => r.item_id === 'fine')?.flags, []);
      const current = await db.query<{ item_id: string }>('SELECT item_id FROM mirt_item_params ORDER BY 1');
      assert.equal(current.length, 5);
      const [meta] = await db.query<{ metrics: { withheld_items: { item_id: string }[] } }>(
        'SELECT metrics FROM mirt_fit_meta',
      );
      assert.equal(meta.metrics.withheld_items.length, 3);
    });
  });
}
