/**
 * Migrations and the one-transaction write, against PostgreSQL and PGlite: idempotent migrations,
 * old unique keys, history by version, question.meta write-back, retention, and failures in the
 * middle of the write that must leave the previous results exactly as they were.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CalibrateResponse } from '../../src/contract/types.js';
import type { Db } from '../../src/data/db.js';
import { MIGRATIONS, migrate } from '../../src/data/migrations.js';
import { type WriteOptions, writeResults } from '../../src/data/write-results.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';

function result(version: string, nItems: number, nUsers: number, shift = 0): CalibrateResponse {
  return {
    item_params: Array.from({ length: nItems }, (_, i) => ({
      item_id: String(i + 1),
      model: '2PL',
      params: { a: 1 + i / 10 + shift, b: i / 5 - 1 - shift },
      version,
    })),
    abilities: Array.from({ length: nUsers }, (_, u) => ({
      user_id: `u${u + 1}`,
      theta: u / nUsers - 0.5 + shift,
      se: 0.3,
      model: '2PL',
      version,
    })),
    fit_meta: {
      run_id: `fit-${version}`,
      model_spec: { model: '2PL', n_items: nItems, n_users: nUsers },
      metrics: { logLik: -1000 - shift, AIC: 2100 },
    },
  };
}

function opts(version: string, extra: Partial<WriteOptions> = {}): WriteOptions {
  return {
    version,
    runId: `fit-${version}`,
    model: '2PL',
    updateQuestionMeta: false,
    retainVersions: null,
    ...extra,
  };
}

/** Everything the job writes, in a stable order: compared before and after a failed run. */
async function snapshot(db: Db): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const [table, order] of [
    ['mirt_item_params', 'item_id'],
    ['mirt_item_params_history', 'version, item_id'],
    ['mirt_ability', 'user_id, version'],
    ['mirt_fit_meta', 'run_id'],
  ]) {
    out[table] = await db.query(`SELECT to_jsonb(t)::text AS row FROM ${table} t ORDER BY ${order}`);
  }
  return out;
}

for (const { name, setup } of BACKENDS) {
  describe(`migrations and upsert (${name})`, () => {
    const ctx = useBackend(setup);

    it('migrations are numbered, recorded once, and safe to rerun', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      assert.deepEqual(
        await migrate(ctx.fx.db),
        MIGRATIONS.map((m) => m.id),
      );
      assert.deepEqual(await migrate(ctx.fx.db), []);
      // Rerunning the statements themselves (a lost migrations table) changes nothing either.
      await ctx.fx.db.query('DELETE FROM mirt_schema_migrations');
      assert.deepEqual(
        await migrate(ctx.fx.db),
        MIGRATIONS.map((m) => m.id),
      );
      const idx = await ctx.fx.db.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'mirt_ability' ORDER BY 1",
      );
      assert.ok(idx.some((r) => r.indexname === 'mirt_ability_version_idx'));
    });

    it('running twice keeps both versions: current params, history by version, abilities per version', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await migrate(ctx.fx.db);
      await writeResults(ctx.fx.db, result('v1', 5, 8), opts('v1'));
      await writeResults(ctx.fx.db, result('v2', 6, 8, 0.25), opts('v2'));
      const cur = await ctx.fx.db.query<{ n: number; v: string }>(
        'SELECT count(*)::int AS n, min(version) AS v FROM mirt_item_params',
      );
      assert.deepEqual(cur[0], { n: 6, v: 'v2' });
      const hist = await ctx.fx.db.query<{ version: string; n: number }>(
        'SELECT version, count(*)::int AS n FROM mirt_item_params_history GROUP BY version ORDER BY version',
      );
      assert.deepEqual(hist, [
        { version: 'v1', n: 5 },
        { version: 'v2', n: 6 },
      ]);
      const v1 = await ctx.fx.db.query<{ a: number }>(
        "SELECT (params->>'a')::float8 AS a FROM mirt_item_params_history WHERE version = 'v1' AND item_id = '2'",
      );
      assert.equal(v1[0].a, 1.1);
      const ab = await ctx.fx.db.query<{ version: string; n: number }>(
        'SELECT version, count(*)::int AS n FROM mirt_ability GROUP BY version ORDER BY version',
      );
      assert.deepEqual(ab, [
        { version: 'v1', n: 8 },
        { version: 'v2', n: 8 },
      ]);
      const meta = await ctx.fx.db.query<{ run_id: string; version: string }>(
        "SELECT run_id, model_spec->>'version' AS version FROM mirt_fit_meta ORDER BY run_id",
      );
      assert.deepEqual(meta, [
        { run_id: 'fit-v1', version: 'v1' },
        { run_id: 'fit-v2', version: 'v2' },
      ]);
    });

    it("the seed's validation SQL runs unchanged and returns the expected counts", async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await migrate(ctx.fx.db);
      await ctx.fx.db.query(
        'CREATE TABLE attempt (student_id int, item_id int, correct boolean, completed_at timestamptz)',
      );
      await ctx.fx.db.query(
        "INSERT INTO attempt SELECT g % 8, g % 5 + 1, g % 2 = 0, now() - interval '1 day' FROM generate_series(1, 40) g",
      );
      await writeResults(ctx.fx.db, result('v1', 5, 8), opts('v1'));
      const items = await ctx.fx.db.query(`SELECT item_id, model,
       params->>'a' AS discrimination,
       params->>'b' AS difficulty,
       params->>'c' AS guessing,
       fitted_at
FROM mirt_item_params
ORDER BY fitted_at DESC
LIMIT 20;`);
      assert.equal(items.length, 5);
      const users = await ctx.fx.db.query(`SELECT user_id, theta, se, model, fitted_at
FROM mirt_ability
ORDER BY fitted_at DESC
LIMIT 20;`);
      assert.equal(users.length, 8);
      const meta = await ctx.fx.db.query<{
        model: string;
        n_items: string;
        n_users: string;
        log_likelihood: string;
      }>(`SELECT run_id, 
       model_spec->>'model' AS model,
       model_spec->>'n_items' AS n_items,
       model_spec->>'n_users' AS n_users,
       metrics->>'logLik' AS log_likelihood,
       fitted_at
FROM mirt_fit_meta
ORDER BY fitted_at DESC
LIMIT 5;`);
      assert.equal(meta.length, 1);
      assert.deepEqual(
        [meta[0].model, meta[0].n_items, meta[0].n_users, meta[0].log_likelihood],
        ['2PL', '5', '8', '-1000'],
      );
      const cov = await ctx.fx.db.query<{
        items_calibrated: unknown;
        users_calibrated: unknown;
        total_observations: unknown;
      }>(`SELECT 
  (SELECT COUNT(DISTINCT item_id) FROM mirt_item_params) AS items_calibrated,
  (SELECT COUNT(DISTINCT user_id) FROM mirt_ability) AS users_calibrated,
  (SELECT COUNT(*) FROM attempt WHERE completed_at >= NOW() - INTERVAL '30 days') AS total_observations;`);
      assert.deepEqual(
        [cov[0].items_calibrated, cov[0].users_calibrated, cov[0].total_observations].map(Number),
        [5, 8, 40],
      );
    });

    it('works unchanged on existing tables with the old unique keys and other column types', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      // As an older deployment made them: integer item ids, json (not jsonb) metrics, keys named by hand.
      await ctx.fx.db.query(`CREATE TABLE mirt_item_params (id serial PRIMARY KEY, item_id integer NOT NULL, model text, params jsonb,
        version text, fitted_at timestamp DEFAULT now())`);
      await ctx.fx.db.query('CREATE UNIQUE INDEX legacy_item_uq ON mirt_item_params (item_id)');
      await ctx.fx.db.query(`CREATE TABLE mirt_ability (user_id text NOT NULL, theta float8, se float8, model text, version text NOT NULL,
        fitted_at timestamptz DEFAULT now(), UNIQUE (user_id, version))`);
      await ctx.fx.db.query(
        'CREATE TABLE mirt_fit_meta (run_id varchar(200) PRIMARY KEY, model_spec jsonb, metrics jsonb, fitted_at timestamptz)',
      );
      await ctx.fx.db.query(
        `INSERT INTO mirt_item_params (item_id, model, params, version) VALUES (99, '2PL', '{"a":2,"b":0}', 'v1')`,
      );
      await migrate(ctx.fx.db);
      await writeResults(ctx.fx.db, result('v2', 3, 4), opts('v2'));
      await writeResults(ctx.fx.db, result('v3', 3, 4, 0.5), opts('v3'));
      const rows = await ctx.fx.db.query<{ item_id: number; version: string }>(
        'SELECT item_id, version FROM mirt_item_params ORDER BY item_id',
      );
      assert.deepEqual(
        rows.map((r) => [Number(r.item_id), r.version]),
        [
          [1, 'v3'],
          [2, 'v3'],
          [3, 'v3'],
          [99, 'v1'],
        ],
      );
      const hist = await ctx.fx.db.query<{ n: number }>(
        'SELECT count(DISTINCT version)::int AS n FROM mirt_item_params_history',
      );
      assert.equal(hist[0].n, 2);
      const cols = await ctx.fx.db.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'mirt_item_params' AND column_name = 'id'",
      );
      assert.equal(cols.length, 1, 'the user table keeps its own columns');
    });

    it('works on a table without any unique key (replace by item and version)', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query(
        'CREATE TABLE mirt_ability (user_id text, theta float8, se float8, model text, version text, fitted_at timestamptz)',
      );
      await migrate(ctx.fx.db);
      await writeResults(ctx.fx.db, result('v1', 2, 3), opts('v1'));
      await writeResults(ctx.fx.db, result('v1', 2, 3, 1), opts('v1'));
      const n = await ctx.fx.db.query<{ n: number; t: number }>(
        "SELECT count(*)::int AS n, max(theta) AS t FROM mirt_ability WHERE version = 'v1'",
      );
      assert.equal(n[0].n, 3);
      assert.ok(Math.abs(Number(n[0].t) - (2 / 3 - 0.5 + 1)) < 1e-12);
    });

    it("writes a/b/c/model/version into question.meta->'irt' in the same transaction", async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await migrate(ctx.fx.db);
      await ctx.fx.db.query(
        'CREATE TABLE question (id integer PRIMARY KEY, topic_id int, meta jsonb, updated_at timestamptz)',
      );
      await ctx.fx.db.query(
        `INSERT INTO question (id, meta) VALUES (1, '{"stem": "x"}'), (2, NULL), (50, '{"irt": {"a": 9}}')`,
      );
      const w = await writeResults(ctx.fx.db, result('v7', 3, 2), opts('v7', { updateQuestionMeta: true }));
      assert.equal(w.questionMetaUpdated, 2);
      const q = await ctx.fx.db.query<{ id: number; meta: Record<string, unknown>; touched: boolean }>(
        'SELECT id, meta, updated_at IS NOT NULL AS touched FROM question ORDER BY id',
      );
      assert.deepEqual(q[0].meta, { stem: 'x', irt: { a: 1, b: -1, model: '2PL', version: 'v7' } });
      assert.deepEqual(q[1].meta, { irt: { a: 1.1, b: -0.8, model: '2PL', version: 'v7' } });
      assert.deepEqual(q[2].meta, { irt: { a: 9 } }, 'an item that was not calibrated keeps its meta');
      assert.deepEqual(
        q.map((r) => r.touched),
        [true, true, false],
      );
    });

    it('prunes history only with an explicit retention setting', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await migrate(ctx.fx.db);
      for (const v of ['v1', 'v2', 'v3']) await writeResults(ctx.fx.db, result(v, 2, 2), opts(v));
      let n = await ctx.fx.db.query<{ n: number }>(
        'SELECT count(DISTINCT version)::int AS n FROM mirt_item_params_history',
      );
      assert.equal(n[0].n, 3);
      const w = await writeResults(ctx.fx.db, result('v4', 2, 2), opts('v4', { retainVersions: 2 }));
      n = await ctx.fx.db.query<{ n: number }>(
        'SELECT count(DISTINCT version)::int AS n FROM mirt_item_params_history',
      );
      assert.equal(n[0].n, 2);
      const kept = await ctx.fx.db.query<{ version: string }>(
        'SELECT DISTINCT version FROM mirt_ability ORDER BY 1',
      );
      assert.deepEqual(
        kept.map((r) => r.version),
        ['v3', 'v4'],
      );
      assert.equal(w.prunedRows, 2 * 2 + 2 * 2);
    });

    it('a constraint violation in the last statement leaves the previous results exactly as they were', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await migrate(ctx.fx.db);
      await writeResults(ctx.fx.db, result('v1', 4, 5), opts('v1'));
      const before = await snapshot(ctx.fx.db);
      // Fails on the last ability row, after the item parameters and the history were written.
      await ctx.fx.db.query(
        'ALTER TABLE mirt_ability ADD CONSTRAINT theta_cap CHECK (user_id <> $$u5$$ OR version <> $$v2$$)',
      );
      await assert.rejects(writeResults(ctx.fx.db, result('v2', 4, 5, 1), opts('v2')), /theta_cap/);
      assert.deepEqual(await snapshot(ctx.fx.db), before);
    });

    it('a failure at the very end (fit meta) also rolls back everything', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await migrate(ctx.fx.db);
      await writeResults(ctx.fx.db, result('v1', 3, 3), opts('v1'));
      const before = await snapshot(ctx.fx.db);
      await ctx.fx.db.query(`CREATE FUNCTION fail_meta() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected failure on %', NEW.run_id; END $$`);
      await ctx.fx.db.query(
        'CREATE TRIGGER fail_meta BEFORE INSERT ON mirt_fit_meta FOR EACH ROW EXECUTE FUNCTION fail_meta()',
      );
      await assert.rejects(
        writeResults(ctx.fx.db, result('v2', 3, 3, 1), opts('v2', { updateQuestionMeta: true })),
        /injected failure/,
      );
      assert.deepEqual(await snapshot(ctx.fx.db), before);
    });

    if (name === 'pg') {
      it('the connection killed in the middle of the write leaves the previous results exactly as they were', async (t) => {
        if (!ctx.fx) return t.skip(ctx.skip);
        await migrate(ctx.fx.db);
        await writeResults(ctx.fx.db, result('v1', 4, 6), opts('v1'));
        const before = await snapshot(ctx.fx.db);
        // The writer's own backend is terminated from inside its transaction, after the item
        // parameters were merged: as if the pod or the network died mid-write.
        await ctx.fx.db.query(`CREATE FUNCTION kill_me() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$`);
        await ctx.fx.db.query(
          'CREATE TRIGGER kill_me BEFORE INSERT ON mirt_ability FOR EACH ROW EXECUTE FUNCTION kill_me()',
        );
        const writer = await ctx.fx.openForJob();
        try {
          await assert.rejects(writeResults(writer, result('v2', 4, 6, 1), opts('v2')));
        } finally {
          await writer.close();
        }
        assert.deepEqual(await snapshot(ctx.fx.db), before);
      });
    }
  });
}
