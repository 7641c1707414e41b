/**
 * `mirt_fit_meta.metrics->'hygiene'` holds both halves of the run's data hygiene: what the job
 * dropped while extracting (NULL correctness, items everyone got right) and what the engine left
 * out (nothing since issue 11: an item whose slope runs off is held by the fallback prior and
 * flagged slope_held, not left out), with the counts that follow from both.
 * Real engine, PostgreSQL and PGlite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import { runJob } from '../../src/job/run-job.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { type Answer, createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';

/**
 * 60 users on items 1..8, plus item 99 answered right by the 3 best and wrong by the 3 weakest
 * users (perfect separation: no finite slope, held by the fallback prior), item 77 that everyone
 * got right (excluded before calibration), and one answer with NULL correctness.
 */
function answers(): { rows: Answer[]; used: number } {
  const base = simulate(60, 8, 6, 11);
  const score = new Map<number, number>();
  for (const a of base) score.set(a.user, (score.get(a.user) ?? 0) + (a.correct ? 1 : 0));
  const ranked = [...score.entries()].sort((x, y) => y[1] - x[1]).map(([u]) => u);
  const rows: Answer[] = [
    ...base,
    ...ranked.slice(0, 3).map((user) => ({ user, item: 99, correct: true, daysAgo: 1 })),
    ...ranked.slice(-3).map((user) => ({ user, item: 99, correct: false, daysAgo: 1 })),
    { user: 1, item: 77, correct: true, daysAgo: 1 },
    { user: 2, item: 77, correct: true, daysAgo: 1 },
    { user: 3, item: 12, correct: null, daysAgo: 1 },
  ];
  return { rows, used: base.length + 6 };
}

for (const { name, setup } of BACKENDS) {
  describe(`fit metadata hygiene (${name})`, () => {
    const ctx = useBackend(setup);

    it('lists the items excluded before and during calibration with reasons; rows_used counts what reached the model', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const { rows, used } = answers();
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', rows);
      const io = captureIo();
      const o = await runJob(jobConfig(), {
        io,
        calibrator: new LocalCalibrator(),
        openDb: () => ctx.fx!.openForJob(),
      });
      assert.equal(o.exitCode, 0, io.errors.join('\n'));
      assert.ok(io.lines.includes('[WARN] 1 item(s) flagged slope_held: 99'), io.lines.join('\n'));

      const [meta] = await ctx.fx.db.query<{ h: string; n_obs: number; spec_n: number }>(
        `SELECT metrics->'hygiene' AS h, (metrics->>'n_obs')::int AS n_obs,
                (model_spec->>'n_observations')::int AS spec_n FROM mirt_fit_meta`,
      );
      const h = (typeof meta.h === 'string' ? JSON.parse(meta.h) : meta.h) as Record<string, unknown>;
      assert.equal(h.rows_read, rows.length);
      assert.equal(h.rows_used, used, 'the answers to the items that were estimated');
      assert.equal(h.null_correct, 1, 'the extraction counts are kept');
      assert.equal(h.excluded_item_answers, 2);
      assert.deepEqual(h.excluded_items, [{ id: '77', reason: 'all_correct', n: 2 }]);
      assert.equal(meta.n_obs, used);
      assert.equal(meta.spec_n, used);
      assert.match(io.lines.at(-1)!, new RegExp(` items=9 users=60 observations=${used} `));
    });
  });
}
