/**
 * MIRT_ANCHORS=question_meta through the real job and engine, on PostgreSQL and PGlite: anchors
 * (tagged "anchor") complete, without parameters, partial, with a c on a 2PL run, one whose
 * stored b is far off (drift), and untagged stored values (starting points only). The anchors
 * describe a scale on which the learners are N(0.6, 1.3^2).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/job/config.js';
import { runJob } from '../../src/job/run-job.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { type Answer, createAttemptView, insertAttempts, mulberry32, normal } from '../helpers/platform.js';

const MU = 0.6;
const S = 1.3;
const ITEMS = 40;

function data() {
  const rand = mulberry32(4242);
  const a = Array.from({ length: ITEMS + 1 }, () => 0.7 + rand());
  const b = Array.from({ length: ITEMS + 1 }, () => normal(rand));
  const answers: Answer[] = [];
  for (let u = 1; u <= 2500; u++) {
    const theta = normal(rand);
    const seen = new Set<number>();
    while (seen.size < 20) seen.add(1 + Math.floor(rand() * ITEMS));
    for (const j of seen)
      answers.push({
        user: u,
        item: j,
        correct: rand() < 1 / (1 + Math.exp(-a[j] * (theta - b[j]))),
        daysAgo: 3,
      });
  }
  // The truth on the anchors' scale: a / S, MU + S b.
  const onScale = (j: number) => ({ a: a[j] / S, b: MU + S * b[j] });
  return { answers, onScale };
}

for (const { name, setup } of BACKENDS) {
  describe(`anchors from question.meta (${name})`, () => {
    const ctx = useBackend(setup);

    it('fixes the tagged anchors, lists the unusable ones, ignores c on a 2PL, flags a drifted anchor, stores the constants', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const db = ctx.fx.db;
      const { answers, onScale } = data();
      await createAttemptView(db, 'integer');
      await insertAttempts(db, 'integer', answers);
      await db.query('CREATE TABLE question (id integer PRIMARY KEY, meta jsonb)');
      const meta = new Map<number, unknown>();
      const anchor = (irt: unknown) => ({ irt, tags: ['algebra', 'anchor'] });
      for (let j = 1; j <= 10; j++) meta.set(j, anchor({ ...onScale(j), model: '2PL', version: 'v1' }));
      meta.set(11, { tags: ['anchor'] }); // tagged, no parameters
      meta.set(12, anchor({ b: 0.3 })); // partial: no a
      meta.set(13, anchor({ ...onScale(13), c: 0.2, model: '3PL' })); // c on a 2PL run
      meta.set(14, anchor({ ...onScale(14), b: onScale(14).b + 1.5 })); // stored b far off: drift
      for (let j = 15; j <= 22; j++) meta.set(j, { irt: { a: 1, b: 0 } }); // untagged: start values only
      for (const [id, m] of meta)
        await db.query('INSERT INTO question VALUES ($1, $2::jsonb)', [id, JSON.stringify(m)]);

      const config = loadConfig([], { MIRT_ANCHORS: 'question_meta' });
      assert.equal(config.link?.mode, 'anchors');
      const io = captureIo();
      const o = await runJob(jobConfig({ link: config.link }), { io, openDb: () => ctx.fx!.openForJob() });
      assert.equal(o.exitCode, 0, io.errors.join('\n'));
      const has = (re: RegExp) =>
        assert.ok(
          io.lines.some((l) => re.test(l)),
          `${re} in\n${io.lines.join('\n')}`,
        );
      has(
        /^\[INFO\] Anchors from question\.meta: 12 anchor\(s\), 8 stored value\(s\) .* 2 anchor\(s\) ignored$/,
      );
      has(
        /^\[WARN\] 2 question\(s\) tagged "anchor" without usable parameters, ignored: 11 \(no meta->'irt' parameters\), 12 \(no positive numeric a\)$/,
      );
      has(/^\[WARN\] Anchors: 1 question\(s\) carry a c but the model is 2PL: c ignored \(13\)$/);
      has(/^\[WARN\] 1 item\(s\) drifted .*: 14 \(-1\.\d\d, z=-\d+\.\d\)$/);
      assert.match(
        io.lines.at(-1)!,
        / link=anchors linking_constants=\{A=[\d.]+,B=[\d.]+,method=fixed,n_common=12\} drift=1 /,
      );

      const [spec] = await db.query<{ k: unknown; link: string }>(
        "SELECT model_spec->'linking_constants' AS k, model_spec->>'link' AS link FROM mirt_fit_meta WHERE run_id = $1",
        [o.runId],
      );
      const k = (typeof spec.k === 'string' ? JSON.parse(spec.k) : spec.k) as Record<string, number | string>;
      assert.equal(spec.link, 'anchors');
      assert.equal(k.method, 'fixed');
      assert.equal(k.n_common, 12);
      assert.equal(k.n_linking, 11);
      assert.equal(k.reference, 'question.meta');
      assert.ok(Math.abs(Number(k.A) - S) < 0.1 && Math.abs(Number(k.B) - MU) < 0.1, JSON.stringify(k));

      const rows = await db.query<{ item_id: string; a: number; b: number; flags: unknown }>(
        `SELECT item_id, (params->>'a')::float8 AS a, (params->>'b')::float8 AS b, flags FROM mirt_item_params_history
          WHERE version = $1 ORDER BY item_id::int`,
        [o.version],
      );
      const byId = new Map(rows.map((r) => [r.item_id, { ...r, flags: JSON.stringify(r.flags) }]));
      for (const j of [1, 5, 10, 13]) {
        const r = byId.get(String(j))!;
        assert.ok(r.flags.includes('anchored'), `item ${j}: ${r.flags}`);
        assert.ok(
          Math.abs(r.a - onScale(j).a) < 1e-9 && Math.abs(r.b - onScale(j).b) < 1e-9,
          `item ${j} fixed`,
        );
      }
      const drifted = byId.get('14')!;
      assert.ok(drifted.flags.includes('drift') && !drifted.flags.includes('anchored'), drifted.flags);
      assert.ok(
        Math.abs(drifted.b - onScale(14).b) < 0.3,
        'estimated freely, near its true value on the scale',
      );
      for (const j of [15, 22]) {
        const r = byId.get(String(j))!;
        assert.equal(r.flags, '[]');
        assert.ok(
          Math.abs(r.b - onScale(j).b) < 0.3,
          `untagged item ${j} estimated, not fixed at its start value`,
        );
      }
    });

    it('with no usable anchor the run warns and stays on its own scale', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const db = ctx.fx.db;
      await createAttemptView(db, 'integer');
      await insertAttempts(db, 'integer', data().answers.slice(0, 20_000));
      await db.query('CREATE TABLE question (id integer PRIMARY KEY, meta jsonb)');
      await db.query(`INSERT INTO question VALUES (1, '{"tags": ["anchor"], "irt": {"a": "x"}}')`);
      const io = captureIo();
      const o = await runJob(
        jobConfig({ link: { mode: 'anchors', method: 'stocking-lord', driftZ: 3.5, driftShift: 0.3 } }),
        {
          io,
          openDb: () => ctx.fx!.openForJob(),
        },
      );
      assert.equal(o.exitCode, 0, io.errors.join('\n'));
      assert.ok(
        io.lines.includes(
          '[WARN] Linking (anchors): no usable anchor in question.meta; this run stays on its own scale (A=1, B=0)',
        ),
        io.lines.join('\n'),
      );
      const [row] = await db.query<{ m: string }>(
        "SELECT model_spec->'linking_constants'->>'method' AS m FROM mirt_fit_meta",
      );
      assert.equal(row.m, 'none');
    });
  });
}
