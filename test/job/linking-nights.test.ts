/**
 * Issue 12's acceptance simulation, through the real job and engine on PostgreSQL and PGlite:
 * six nights of a 30-day window over 200 items. Each night is 30 days after the one before
 * (before a night, every stored answer is aged by 30 days, so the window holds that night's
 * learners only); each night brings new learners whose true ability mean is 0.1 higher than the
 * night before; from night 4 on, two items are 0.8 easier (leaked). Fixed seed.
 * Bigger figures (every method, more learners): bench/linking.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runJob } from '../../src/job/run-job.js';
import { type Backend, BACKENDS, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { type Answer, createAttemptView, insertAttempts, mulberry32, normal } from '../helpers/platform.js';
import type { LinkConfig } from '../../src/job/link-run.js';

const ITEMS = 200;
const LEARNERS = 1500;
const PER_LEARNER = 60;
const NIGHTS = 6;
const LEAKED = [11, 137];
const DAY = 86_400_000;

/** The bank's truth and one night's answers (learner ids unique per night). */
function night(k: number, seed = 1212) {
  const rand = mulberry32(seed);
  const a = Array.from({ length: ITEMS + 1 }, () => Math.exp(0.3 * normal(rand)));
  const b = Array.from({ length: ITEMS + 1 }, () => normal(rand));
  if (k >= 3) for (const j of LEAKED) b[j] -= 0.8;
  const r = mulberry32(seed + 1000 * (k + 1));
  const answers: Answer[] = [];
  let sum = 0;
  for (let u = 0; u < LEARNERS; u++) {
    const theta = 0.1 * k + normal(r);
    sum += theta;
    const seen = new Set<number>();
    while (seen.size < PER_LEARNER) seen.add(1 + Math.floor(r() * ITEMS));
    for (const j of seen) {
      const p = 1 / (1 + Math.exp(-a[j] * (theta - b[j])));
      answers.push({ user: 100_000 * (k + 1) + u, item: j, correct: r() < p, daysAgo: r() * 25 });
    }
  }
  return { answers, trueMean: sum / LEARNERS };
}

async function addNight(fx: Backend, k: number): Promise<number> {
  if (k === 0) await createAttemptView(fx.db, 'integer');
  else await fx.db.query("UPDATE attempt_log SET completed_at = completed_at - interval '30 days'");
  const n = night(k);
  await insertAttempts(fx.db, 'integer', n.answers);
  return n.trueMean;
}

interface NightRun {
  version: string;
  trueMean: number;
  thetaMean: number;
  constants: Record<string, unknown> | null;
  lines: string[];
}

async function runNight(fx: Backend, k: number, link: LinkConfig, start: number): Promise<Omit<NightRun, 'trueMean'>> {
  const io = captureIo();
  const o = await runJob(jobConfig({ link }), {
    io,
    openDb: () => fx.openForJob(),
    now: () => new Date(start + k * 30 * DAY),
  });
  assert.equal(o.exitCode, 0, io.errors.join('\n'));
  if (process.env.LK_DEBUG) console.log(JSON.stringify(o.seconds), io.lines.filter((l) => /Linking|drift/.test(l)).join('\n'));
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
      for (const id of leaked) assert.ok(night4.includes(id), `leaked item ${id} flagged on night 4: ${night4}`);
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
      const means: number[] = [];
      let trueLast = 0;
      for (let k = 0; k < NIGHTS; k++) {
        trueLast = await addNight(fx, k);
        means.push((await runNight(fx, k, none, start)).thetaMean);
      }
      t.diagnostic(`theta means: ${means.map((m) => m.toFixed(3)).join(' ')}; true mean on night 6 ${trueLast.toFixed(3)}`);
      for (const m of means) assert.ok(Math.abs(m) < 0.05, `mean ${m}`);
      assert.ok(trueLast > 0.45);
    });
  });
}
