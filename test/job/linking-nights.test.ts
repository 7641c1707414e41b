/**
 * Issue 12's acceptance simulation, through the real job and engine on PostgreSQL and PGlite:
 * six nights of a 30-day window over 200 items. Each night is 30 days after the one before
 * (before a night, every stored answer is aged by 30 days, so the window holds that night's
 * learners only); each night brings new learners whose true ability mean is 0.1 higher than the
 * night before; from night 4 on, two items are 0.8 easier (leaked). Fixed seed.
 * The simulation is test/helpers/nights.ts; bigger figures (every method, more learners, more
 * seeds): bench/linking.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LinkConfig } from '../../src/job/link-run.js';
import { runJob } from '../../src/job/run-job.js';
import { BACKENDS, type Backend, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { leakedItems, NIGHT_SPEC, nightAnswers } from '../helpers/nights.js';
import { createAttemptView } from '../helpers/platform.js';

const SPEC = NIGHT_SPEC;
const ITEMS = SPEC.items;
const NIGHTS = 6;
const LEAKED = leakedItems(SPEC);
const DAY = 86_400_000;

async function addNight(fx: Backend, k: number): Promise<number> {
  const t0 = performance.now();
  if (k === 0) await createAttemptView(fx.db, 'integer');
  // Thirty days pass: last night's answers leave the window (older ones have left already).
  else
    await fx.db.query(
      "UPDATE attempt_log SET completed_at = completed_at - interval '30 days' WHERE completed_at >= now() - interval '30 days'",
    );
  const n = nightAnswers(SPEC, k);
  const now = Date.now();
  await fx.db.transaction((tx) =>
    tx.bulkInsert('attempt_log', [
      { name: 'student_id', type: 'integer', values: n.answers.map((x) => x.user) },
      { name: 'question_id', type: 'integer', values: n.answers.map((x) => x.item) },
      { name: 'is_correct', type: 'boolean', values: n.answers.map((x) => (x.correct ? 't' : 'f')) },
      {
        name: 'completed_at',
        type: 'timestamptz',
        values: n.answers.map((x) => new Date(now - x.daysAgo * DAY).toISOString()),
      },
    ]),
  );
  if (process.env.LK_DEBUG) console.log(`night ${k + 1}: data ${(performance.now() - t0) | 0} ms`);
  return n.trueMean;
}

interface NightRun {
  version: string;
  trueMean: number;
  thetaMean: number;
  constants: Record<string, unknown> | null;
  lines: string[];
}

async function runNight(
  fx: Backend,
  k: number,
  link: LinkConfig,
  start: number,
): Promise<Omit<NightRun, 'trueMean'>> {
  const io = captureIo();
  const o = await runJob(jobConfig({ link }), {
    io,
    openDb: () => fx.openForJob(),
    now: () => new Date(start + k * 30 * DAY),
  });
  assert.equal(o.exitCode, 0, io.errors.join('\n'));
  if (process.env.LK_DEBUG)
    console.log(JSON.stringify(o.seconds), io.lines.filter((l) => /Linking|drift/.test(l)).join('\n'));
  const [row] = await fx.db.query<{ m: number; k: Record<string, unknown> | string | null }>(
    `SELECT (SELECT avg(theta) FROM mirt_ability WHERE version = $1) AS m,
            (SELECT model_spec->'linking_constants' FROM mirt_fit_meta WHERE run_id = $2) AS k`,
    [o.version, o.runId],
  );
  const constants = typeof row.k === 'string' ? JSON.parse(row.k) : row.k;
  return { version: o.version, thetaMean: Number(row.m), constants, lines: io.lines };
}

const PREVIOUS: LinkConfig = { mode: 'previous', method: 'stocking-lord', driftZ: 3.5, driftShift: 0.3 };

for (const { name, setup } of BACKENDS) {
  describe(`one scale night after night (${name})`, () => {
    const ctx = useBackend(setup);

    it('MIRT_LINK=previous tracks the rising mean within 0.05, flags the two leaked items on night 4 and links without them; a re-run gives the same constants', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const fx = ctx.fx;
      const start = Date.now();
      const runs: NightRun[] = [];
      for (let k = 0; k < NIGHTS; k++) {
        const trueMean = await addNight(fx, k);
        runs.push({ ...(await runNight(fx, k, PREVIOUS, start)), trueMean });
      }
      const errors = runs.map((r) => r.thetaMean - r.trueMean);
      t.diagnostic(`tracking errors: ${errors.map((e) => e.toFixed(3)).join(' ')}`);
      for (const [k, e] of errors.entries()) assert.ok(Math.abs(e) < 0.05, `night ${k + 1}: error ${e}`);
      assert.equal(runs[0].constants?.method, 'none', 'night 1 has no earlier version: it sets the scale');
      for (const r of runs.slice(1)) {
        assert.equal(r.constants?.method, 'stocking-lord');
        assert.equal(r.constants?.n_common, ITEMS);
      }
      assert.ok(runs[5].lines.at(-1)?.includes(' link=previous linking_constants={A='), runs[5].lines.at(-1));

      const flagged = await fx.db.query<{ version: string; item_id: string }>(
        `SELECT version, item_id FROM mirt_item_params_history WHERE flags @> '["drift"]'::jsonb ORDER BY version, item_id`,
      );
      const leaked = LEAKED.map(String);
      const night4 = flagged.filter((f) => f.version === runs[3].version).map((f) => f.item_id);
      for (const id of leaked)
        assert.ok(night4.includes(id), `leaked item ${id} flagged on night 4: ${night4}`);
      assert.ok(
        Number(runs[3].constants?.n_linking) <= ITEMS - 2,
        `the leaked items are out of the linking set: ${JSON.stringify(runs[3].constants)}`,
      );
      const stable = flagged.filter((f) => !leaked.includes(f.item_id));
      assert.ok(stable.length <= 2, `stable items flagged: ${JSON.stringify(stable)}`);
      const [meta] = await fx.db.query<{ n: number }>(
        `SELECT (metrics->'drift'->>'n_flagged')::int AS n FROM mirt_fit_meta WHERE model_spec->>'version' = $1`,
        [runs[3].version],
      );
      assert.ok(meta.n >= 2);

      // Re-running the last night on the same data (same label) links to the same reference again.
      const again = await runNight(fx, NIGHTS - 1, PREVIOUS, start);
      assert.equal(again.version, runs[5].version);
      assert.deepEqual(again.constants, runs[5].constants);
    });

    it('MIRT_LINK=none keeps every night on its own N(0, 1): the mean stays near 0 while the truth rises', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const fx = ctx.fx;
      const start = Date.now();
      const none: LinkConfig = { ...PREVIOUS, mode: 'none' };
      // Nights are independent without linking: the first and the last make the point.
      const first = await addNight(fx, 0);
      const m1 = (await runNight(fx, 0, none, start)).thetaMean;
      const last = await addNight(fx, NIGHTS - 1);
      const m6 = (await runNight(fx, NIGHTS - 1, none, start)).thetaMean;
      t.diagnostic(
        `theta means ${m1.toFixed(3)} and ${m6.toFixed(3)}; true means ${first.toFixed(3)} and ${last.toFixed(3)}`,
      );
      for (const m of [m1, m6]) assert.ok(Math.abs(m) < 0.05, `mean ${m}`);
      assert.ok(last > 0.45, `true mean on night 6: ${last}`);
    });
  });
}
