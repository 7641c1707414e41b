/**
 * The shard data layer on PostgreSQL and PGlite, in-process: shards of a stored version
 * partition the learners, scores equal the engine's on the same answers and parameters, the
 * version's window (not the clock) bounds what a shard reads, the completion views, the SQL of
 * docs/DEPLOYMENT.md, and the exam_results source.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '../../src/data/db.js';
import { extractShard, readVersion, versionTime } from '../../src/data/score-extract.js';
import { parseShard, versionComplete, versionOfRun } from '../../src/data/shards.js';
import { ResponseBuilder } from '../../src/engine/responses.js';
import { runJob } from '../../src/job/run-job.js';
import { scoreShard } from '../../src/job/score-shard.js';
import { codeBlocks, section } from '../deploy/docs.js';
import { read } from '../deploy/repo.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import {
  createAttemptView,
  createExamResults,
  insertAttempts,
  insertExamResult,
  simulate,
} from '../helpers/platform.js';

const quiet = () => {};

async function shardRun(db: Db, version: string, shard: string) {
  return scoreShard(db, { version, shard: parseShard(shard), method: null }, quiet);
}

const abilities = (db: Db, version: string) =>
  db.query<{ user_id: string; theta: number; se: number }>(
    'SELECT user_id, theta, se FROM mirt_ability WHERE version = $1 ORDER BY user_id',
    [version],
  );

it('shard and version labels parse, and bad ones are refused', () => {
  assert.deepEqual(parseShard('3/8'), { index: 3, count: 8 });
  assert.deepEqual(parseShard('0/1'), { index: 0, count: 1 });
  for (const bad of ['8/8', '-1/4', '1/0', 'a/b', '1', '1/4/2'])
    assert.throws(() => parseShard(bad), /expected I\/N/);
  assert.equal(versionTime('v20261124T030000123Z')?.toISOString(), '2026-11-24T03:00:00.123Z');
  assert.equal(versionTime('nightly-3'), null);
});

for (const { name, setup } of BACKENDS) {
  describe(`score shards (${name})`, () => {
    const ctx = useBackend(setup);
    // PGlite runs the same SQL (the partition and exam_results tests show it): the rest runs on
    // PostgreSQL only, to keep the suite short.
    const pgOnly = name === 'pg' ? it : () => {};
    const shardsRun = async (label?: string) => {
      const io = captureIo();
      const o = await runJob(
        jobConfig({ sampling: { sample: null, scoreMode: 'shards', ...(label ? { runLabel: label } : {}) } }),
        { io, openDb: () => ctx.fx!.openForJob() },
      );
      assert.equal(o.status, 'ok', io.errors.join('\n'));
      return o.version;
    };

    it('3 shards partition the learners and give the rows of one shard of everyone', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const db = ctx.fx.db;
      await createAttemptView(db, 'text');
      await insertAttempts(db, 'text', simulate(400, 20, 8, 3));
      const version = await shardsRun('night-1');
      assert.equal(await versionOfRun(db, 'night-1'), version);
      assert.equal(await versionOfRun(db, 'night-2'), null);
      assert.equal(await versionComplete(db, version), false);

      const one = await shardRun(db, version, '0/1');
      assert.equal(one.users, 400);
      assert.equal(one.complete, true);
      const all = await abilities(db, version);
      await db.query('DELETE FROM mirt_ability WHERE version = $1', [version]);
      await db.query('DELETE FROM mirt_score_shards');

      const users: number[] = [];
      for (const s of ['2/3', '0/3', '1/3']) {
        assert.equal(await versionComplete(db, version), false);
        users.push((await shardRun(db, version, s)).users);
      }
      assert.equal(await versionComplete(db, version), true);
      assert.equal(
        users.reduce((x, y) => x + y, 0),
        400,
      );
      assert.ok(Math.min(...users) > 60, `spread: ${users}`);
      const parts = await abilities(db, version);
      assert.equal(parts.length, 400);
      for (let i = 0; i < all.length; i++) {
        assert.equal(parts[i].user_id, all[i].user_id);
        assert.ok(Math.abs(parts[i].theta - all[i].theta) <= 1e-12);
        assert.ok(Math.abs(parts[i].se - all[i].se) <= 1e-12);
      }
    });

    pgOnly("scores equal the run's own in-process scores on the same data", async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const db = ctx.fx.db;
      await createAttemptView(db, 'integer');
      await insertAttempts(db, 'integer', simulate(300, 15, 10, 4));
      const io = captureIo();
      const o = await runJob(jobConfig(), { io, openDb: () => ctx.fx!.openForJob() });
      assert.equal(o.status, 'ok', io.errors.join('\n'));
      const inRun = await abilities(db, o.version);
      await db.query('DELETE FROM mirt_ability WHERE version = $1', [o.version]);
      await shardRun(db, o.version, '0/2');
      await shardRun(db, o.version, '1/2');
      const scored = await abilities(db, o.version);
      assert.equal(scored.length, inRun.length);
      // The run's EAP runs on the WebAssembly kernel, the shards' on the engine's JS loop.
      for (let i = 0; i < inRun.length; i++) {
        assert.equal(scored[i].user_id, inRun[i].user_id);
        assert.ok(
          Math.abs(scored[i].theta - inRun[i].theta) < 1e-9,
          `${scored[i].theta} vs ${inRun[i].theta}`,
        );
        assert.ok(Math.abs(scored[i].se - inRun[i].se) < 1e-9);
      }
    });

    pgOnly(
      "a shard reads the version's window, not the clock's: later answers do not change it",
      async (t) => {
        if (!ctx.fx) return t.skip(ctx.skip);
        const db = ctx.fx.db;
        await createAttemptView(db, 'text');
        await insertAttempts(db, 'text', simulate(200, 12, 6, 5));
        const version = await shardsRun();
        const v = await readVersion(db, version);
        const count = async () => {
          const b = new ResponseBuilder({ keepDegenerateItems: true });
          return extractShard(db, v, { index: 0, count: 1 }, b);
        };
        const before = await count();
        assert.equal(before, 200 * 6);
        // Answers after the run started (daysAgo < 0 is the future here) are not the version's.
        await insertAttempts(db, 'text', [{ user: 1, item: 1, correct: true, daysAgo: -0.01 }]);
        assert.equal(await count(), before);
      },
    );

    pgOnly(
      'the SQL of docs/DEPLOYMENT.md section 7 runs and tells progress and current abilities',
      async (t) => {
        if (!ctx.fx) return t.skip(ctx.skip);
        const db = ctx.fx.db;
        await createAttemptView(db, 'text');
        await insertAttempts(db, 'text', simulate(150, 10, 6, 6));
        const version = await shardsRun('night-7');
        await shardRun(db, version, '1/2');
        const [progress, current] = codeBlocks(
          section(read('docs/DEPLOYMENT.md'), '7. Sharded scoring (past one pod)'),
          'sql',
        );
        const rows = await db.query<Record<string, unknown>>(progress);
        assert.equal(rows.length, 1);
        assert.equal(rows[0].version, version);
        assert.equal(rows[0].run_label, 'night-7');
        assert.equal(Number(rows[0].done), 1);
        assert.equal(rows[0].complete, false);
        assert.equal((await db.query(current)).length, 0, 'no complete version yet');
        await shardRun(db, version, '0/2');
        assert.equal((await db.query<Record<string, unknown>>(progress))[0].complete, true);
        assert.equal((await db.query(current)).length, 20);
      },
    );

    it('exam_results: the shards read the JSON documents of their learners', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const db = ctx.fx.db;
      await createExamResults(db);
      const answers = simulate(120, 10, 10, 8);
      const byUser = new Map<number, { question_id: string; is_correct: boolean | null }[]>();
      for (const a of answers) {
        const list = byUser.get(a.user) ?? [];
        list.push({ question_id: `q${a.item}`, is_correct: a.correct });
        byUser.set(a.user, list);
      }
      for (const [u, questions] of byUser)
        await insertExamResult(db, { user: `u${u}`, session: `s${u}`, json: JSON.stringify({ questions }) });
      const version = await shardsRun();
      const a = await shardRun(db, version, '0/2');
      const b = await shardRun(db, version, '1/2');
      assert.equal(a.users + b.users, 120);
      assert.equal(a.observations + b.observations, answers.length);
      assert.equal(b.complete, true);
    });
  });
}
