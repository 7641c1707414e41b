/**
 * Issue 9 items 8 and 19: output tables as older deployments made them. A table without the old
 * unique key (or without a version column) must work; a legacy key whose side effect changes what
 * the tables hold is warned about once per run; retention never deletes rows without a version.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { migrate } from '../../src/data/migrations.js';
import { bindUsed, type WriteOptions, writeResults } from '../../src/data/write-results.js';
import { runJob } from '../../src/job/run-job.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { ProportionCalibrator } from '../helpers/calibrators.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';

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

describe('bindUsed', () => {
  it('keeps the parameters a statement refers to, renumbered in order', () => {
    assert.deepEqual(bindUsed('DELETE FROM t WHERE a = ($3)::text AND b = $1', ['x', 'y', 'z']), {
      sql: 'DELETE FROM t WHERE a = ($2)::text AND b = $1',
      params: ['x', 'z'],
    });
    assert.deepEqual(
      bindUsed(
        'SELECT $1, $1, $10',
        Array.from({ length: 10 }, (_, i) => i),
      ),
      {
        sql: 'SELECT $1, $1, $2',
        params: [0, 9],
      },
    );
    assert.deepEqual(bindUsed('SELECT 1', ['unused']), { sql: 'SELECT 1', params: [] });
    assert.throws(() => bindUsed('SELECT $2', ['a']), /\$2 but 1 parameters/);
  });
});

for (const { name, setup } of BACKENDS) {
  describe(`legacy output tables (${name})`, () => {
    const ctx = useBackend(setup);

    it('mirt_fit_meta without a unique key: one row per run, a rerun of a run id replaces it', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query(
        'CREATE TABLE mirt_fit_meta (run_id text NOT NULL, model_spec jsonb, metrics jsonb, fitted_at timestamptz)',
      );
      await migrate(ctx.fx.db);
      const w = await writeResults(ctx.fx.db, result('v1', 3, 4), opts('v1'));
      assert.deepEqual(w.warnings, []);
      await writeResults(ctx.fx.db, result('v2', 3, 4, 0.5), opts('v2'));
      await writeResults(ctx.fx.db, result('v2', 3, 4, 0.7), opts('v2'));
      const rows = await ctx.fx.db.query<{ run_id: string; ll: number }>(
        "SELECT run_id, (metrics->>'logLik')::float8 AS ll FROM mirt_fit_meta ORDER BY run_id",
      );
      assert.deepEqual(
        rows.map((r) => [r.run_id, Number(r.ll)]),
        [
          ['fit-v1', -1000],
          ['fit-v2', -1000.7],
        ],
      );
    });

    it('mirt_ability without a version column or key: migrations add the column, every run is kept', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query('CREATE TABLE mirt_ability (user_id text, theta float8, se float8, model text)');
      await ctx.fx.db.query("INSERT INTO mirt_ability VALUES ('u1', 0.5, 0.2, '2PL')");
      await migrate(ctx.fx.db);
      await writeResults(ctx.fx.db, result('v1', 2, 3), opts('v1'));
      const w = await writeResults(ctx.fx.db, result('v2', 2, 3, 1), opts('v2'));
      assert.deepEqual(w.warnings, []);
      const n = await ctx.fx.db.query<{ version: string | null; n: number }>(
        'SELECT version, count(*)::int AS n FROM mirt_ability GROUP BY version ORDER BY version NULLS FIRST',
      );
      assert.deepEqual(
        n.map((r) => [r.version, r.n]),
        [
          [null, 1],
          ['v1', 3],
          ['v2', 3],
        ],
      );
    });

    it('mirt_ability UNIQUE (user_id): written, with one warning that earlier abilities are overwritten', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query(`CREATE TABLE mirt_ability (user_id text NOT NULL UNIQUE, theta float8, se float8, model text,
        version text, fitted_at timestamptz)`);
      await migrate(ctx.fx.db);
      const w1 = await writeResults(ctx.fx.db, result('v1', 2, 3), opts('v1'));
      const w2 = await writeResults(ctx.fx.db, result('v2', 2, 3, 1), opts('v2'));
      const line =
        "mirt_ability has the unique key (user_id) without version: each run overwrites earlier runs' abilities. Make the key (user_id, version) to keep one row per user and run";
      assert.deepEqual(w1.warnings, [line]);
      assert.deepEqual(w2.warnings, [line]);
      const v = await ctx.fx.db.query<{ version: string }>('SELECT DISTINCT version FROM mirt_ability');
      assert.deepEqual(
        v.map((r) => r.version),
        ['v2'],
      );
    });

    it('mirt_item_params without a key gains a row per run, and says so', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query(
        'CREATE TABLE mirt_item_params (item_id text, model text, params jsonb, version text, fitted_at timestamptz)',
      );
      await migrate(ctx.fx.db);
      await writeResults(ctx.fx.db, result('v1', 2, 3), opts('v1'));
      const w = await writeResults(ctx.fx.db, result('v2', 2, 3), opts('v2'));
      assert.deepEqual(w.warnings, [
        'mirt_item_params has no unique key on item_id: each run adds rows beside the current ones, so readers of the current parameters see several rows per item. Add UNIQUE (item_id) to keep one row per item (every run is kept in mirt_item_params_history)',
      ]);
      const n = await ctx.fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_item_params');
      assert.equal(n[0].n, 4);
    });

    it('MIRT_RETAIN_VERSIONS keeps rows without a version, prunes the rest, and warns once', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query(`CREATE TABLE mirt_ability (user_id text NOT NULL, theta float8, se float8, model text,
        version text, fitted_at timestamptz DEFAULT now(), UNIQUE (user_id, version))`);
      await migrate(ctx.fx.db);
      for (const v of ['v1', 'v2', 'v3']) await writeResults(ctx.fx.db, result(v, 2, 2), opts(v));
      // Legacy rows without a version, newer than every run: they must neither take a place of
      // the newest N (then NOT IN matched nothing and nothing was pruned) nor be deleted.
      await ctx.fx.db.query(
        "INSERT INTO mirt_ability (user_id, theta, model, version, fitted_at) VALUES ('old1', 0.1, '2PL', NULL, now() + interval '1 day'), ('old2', 0.2, '2PL', NULL, now() + interval '1 day')",
      );
      const w = await writeResults(ctx.fx.db, result('v4', 2, 2), opts('v4', { retainVersions: 2 }));
      const kept = await ctx.fx.db.query<{ version: string | null; n: number }>(
        'SELECT version, count(*)::int AS n FROM mirt_ability GROUP BY version ORDER BY version NULLS FIRST',
      );
      assert.deepEqual(
        kept.map((r) => [r.version, r.n]),
        [
          [null, 2],
          ['v3', 2],
          ['v4', 2],
        ],
      );
      assert.equal(w.prunedRows, 2 * 2 + 2 * 2);
      assert.deepEqual(w.warnings, [
        'MIRT_RETAIN_VERSIONS keeps rows without a version (2 in mirt_ability): retention prunes by version only; delete them by hand if they are not wanted',
      ]);
    });

    it('the job runs on a legacy mirt_fit_meta and prints each legacy warning once', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query('CREATE TABLE mirt_fit_meta (run_id text, model_spec jsonb, metrics jsonb)');
      await ctx.fx.db.query(
        'CREATE TABLE mirt_ability (user_id text NOT NULL UNIQUE, theta float8, se float8, model text, version text)',
      );
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(40, 10, 6, 5));
      const io = captureIo();
      const o = await runJob(jobConfig(), {
        io,
        calibrator: new ProportionCalibrator(),
        openDb: () => ctx.fx!.openForJob(),
      });
      assert.equal(o.exitCode, 0, io.errors.join('\n'));
      const warns = io.lines.filter((l) => l.startsWith('[WARN] mirt_'));
      assert.deepEqual(warns, [
        "[WARN] mirt_ability has the unique key (user_id) without version: each run overwrites earlier runs' abilities. Make the key (user_id, version) to keep one row per user and run",
      ]);
      const meta = await ctx.fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_fit_meta');
      assert.equal(meta[0].n, 1);
    });
  });
}
