/**
 * The job end to end on PostgreSQL and PGlite (with a data-derived test calibrator, so these
 * tests do not depend on the engine): log lines, summary, two runs, dry run, no data, failures,
 * exit codes, and the lock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import type { Db } from '../../src/data/db.js';
import { JOB_LOCK_KEY } from '../../src/data/open.js';
import { openPgliteDb } from '../../src/data/pglite-db.js';
import type { ResponseData } from '../../src/engine/responses.js';
import { runJob } from '../../src/job/run-job.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { ProportionCalibrator } from '../helpers/calibrators.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import {
  type Answer,
  createAttemptView,
  createResponses,
  insertAttempts,
  simulate,
} from '../helpers/platform.js';

async function tableRows(db: Db): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const t of ['mirt_item_params', 'mirt_item_params_history', 'mirt_ability', 'mirt_fit_meta']) {
    const exists = await db.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [t]);
    out[t] = exists[0].r ? await db.query(`SELECT to_jsonb(x)::text AS row FROM ${t} x ORDER BY 1`) : null;
  }
  return out;
}

for (const { name, setup } of BACKENDS) {
  describe(`the job (${name})`, () => {
    const ctx = useBackend(setup);

    const run = (
      over: Parameters<typeof jobConfig>[0] = {},
      deps: Partial<Parameters<typeof runJob>[1]> = {},
    ) => {
      const io = captureIo();
      const calibrator = new ProportionCalibrator();
      const openDb = () => ctx.fx!.openForJob();
      return runJob(jobConfig(over), { io, calibrator, openDb, ...deps }).then((o) => ({
        o,
        io,
        calibrator,
      }));
    };

    it('extracts, calibrates and upserts with the exact log lines and a summary', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const answers = simulate(60, 15, 8, 11);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', answers);
      const { o, io } = await run();
      assert.equal(o.exitCode, 0, io.errors.join('\n'));
      assert.equal(o.status, 'ok');
      assert.ok(io.lines.includes(`[INFO] Loaded ${answers.length} observations from attempt VIEW`));
      assert.ok(io.lines.includes('Calibration upsert completed.'));
      const summary = io.lines.at(-1)!;
      assert.match(
        summary,
        /^\[INFO\] Summary: items=\d+ users=60 observations=\d+ model=2PL calibrator=local logLik=-[\d.]+( converged=\w+ cycles=\d+)?( flagged=\d+)? seconds=[\d.]+ version=v\d{8}T\d{9}Z source="attempt VIEW"$/,
      );
      assert.deepEqual(io.errors, []);
      const n = await ctx.fx.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM mirt_ability WHERE version = $1',
        [o.version],
      );
      assert.equal(n[0].n, 60);
      const meta = await ctx.fx.db.query<{ source: string; rows_read: number; n_obs: number }>(
        "SELECT model_spec->>'source' AS source, (metrics->>'rows_read')::int AS rows_read, (metrics->>'n_obs')::int AS n_obs FROM mirt_fit_meta",
      );
      assert.equal(meta[0].source, 'attempt VIEW');
      assert.equal(meta[0].rows_read, answers.length);
    });

    it('two runs keep two versions in the history', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'uuid');
      await insertAttempts(ctx.fx.db, 'uuid', simulate(30, 10, 6, 12));
      const r1 = await run({}, { now: () => new Date('2026-01-01T03:00:00.000Z') });
      const r2 = await run({}, { now: () => new Date('2026-01-02T03:00:00.000Z') });
      assert.equal(r1.o.exitCode + r2.o.exitCode, 0);
      const v = await ctx.fx.db.query<{ version: string }>(
        'SELECT DISTINCT version FROM mirt_item_params_history ORDER BY 1',
      );
      assert.deepEqual(
        v.map((r) => r.version),
        ['v20260101T030000000Z', 'v20260102T030000000Z'],
      );
      const runs = await ctx.fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_fit_meta');
      assert.equal(runs[0].n, 2);
    });

    it('prints the fallback lines when only the responses table exists', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const answers = simulate(20, 8, 5, 13);
      await createResponses(ctx.fx.db, 'text', answers);
      const { o, io } = await run();
      assert.equal(o.exitCode, 0);
      assert.ok(
        io.lines.includes(
          '[WARN] attempt VIEW not available: relation "attempt" does not exist; trying fallback...',
        ),
      );
      assert.ok(io.lines.includes(`[INFO] Loaded ${answers.length} observations from responses table`));
    });

    it('exits 0 with "No observations found; exiting." and writes no results', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', [{ user: 1, item: 1, correct: true, daysAgo: 90 }]);
      const { o, io, calibrator } = await run();
      assert.equal(o.exitCode, 0);
      assert.equal(io.lines.at(-1), 'No observations found; exiting.');
      assert.equal(calibrator.calls, 0);
      const n = await ctx.fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_fit_meta');
      assert.equal(n[0].n, 0);
    });

    it('counts bad rows and reports them without failing', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      const answers: Answer[] = [
        ...simulate(20, 6, 4, 14),
        { user: 1, item: 2, correct: null, daysAgo: 1 },
        { user: -1, item: 1, correct: true, daysAgo: 1 },
      ];
      await insertAttempts(ctx.fx.db, 'integer', answers);
      const { o, io } = await run();
      assert.equal(o.exitCode, 0);
      const h = io.lines.find((l) => l.startsWith('[INFO] Data hygiene:'))!;
      assert.match(h, /null_correct=1 /);
      assert.match(h, /missing_id=1 /);
      const m = await ctx.fx.db.query<{ n: number }>(
        "SELECT (metrics->'hygiene'->>'null_correct')::int AS n FROM mirt_fit_meta",
      );
      assert.equal(m[0].n, 1);
    });

    it('an ability without a finite theta is not written, and the job says so', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(12, 5, 4, 20));
      const { o, io } = await run({}, { calibrator: new ProportionCalibrator({ nanTheta: true }) });
      assert.equal(o.exitCode, 0);
      assert.ok(io.lines.includes('[WARN] 1 abilities without a finite theta were not written'));
      const n = await ctx.fx.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM mirt_ability WHERE theta = 'NaN'::float8",
      );
      assert.equal(n[0].n, 0);
      assert.equal(o.written?.abilities, 11);
    });

    it('MIRT_REPORT_PATH writes the HTML run report after the commit; a bad path only warns', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(12, 5, 4, 20));
      const dir = mkdtempSync(path.join(tmpdir(), 'report-'));
      try {
        const { o, io } = await run({ reportPath: path.join(dir, 'report-{version}.html') });
        assert.equal(o.exitCode, 0);
        const file = path.join(dir, `report-${o.version}.html`);
        assert.ok(io.lines.includes(`[INFO] Report written to ${file}`));
        assert.match(readFileSync(file, 'utf8'), /<h1>Calibration report<\/h1>/);
        const bad = await run({ reportPath: path.join(dir, 'missing', 'dir', 'r.html') });
        assert.equal(bad.o.exitCode, 0);
        assert.ok(bad.io.lines.some((l) => l.startsWith('[WARN] Report not written to ')));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('MIRT_MIN_ITEM_RESPONSES keeps rarely answered items, estimated and flagged provisional', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(12, 5, 4, 20));
      const all = await run({});
      const counts = new Map<string, number>();
      const data = all.calibrator.lastData!;
      for (const [j, id] of data.itemIds.entries()) counts.set(id, data.itemN[j]);
      const least = Math.min(...counts.values());
      // The real engine, which flags the items (the proportion calibrator does not).
      const engine = new LocalCalibrator();
      let seen: ResponseData | null = null;
      const { o, io } = await run(
        { minItemResponses: least + 1 },
        {
          calibrator: {
            kind: 'local',
            describe: () => engine.describe(),
            calibrate: (d, job) => {
              seen = d;
              return engine.calibrate(d, job);
            },
          },
        },
      );
      assert.equal(o.exitCode, 0, io.errors.join('\n'));
      assert.deepEqual((seen as ResponseData | null)?.itemIds, data.itemIds, 'nothing is left out');
      assert.ok(!o.hygiene!.excludedItems.some((x) => x.reason === 'too_few_responses'));
      const rare = [...counts].filter(([, n]) => n === least).map(([id]) => id);
      const line = io.lines.find((l) => l.includes('flagged provisional'));
      assert.match(line ?? '', new RegExp(`^\\[WARN\\] ${rare.length} item\\(s\\) flagged provisional: `));
      const rows = await ctx.fx.db.query<{ item_id: string; flags: string[] }>(
        'SELECT item_id, flags FROM mirt_item_params_history WHERE version = (SELECT max(version) FROM mirt_item_params_history)',
      );
      for (const r of rows)
        assert.equal(r.flags.includes('provisional'), rare.includes(r.item_id), r.item_id);
    });

    it('non-convergence and items left out by the engine are written with [WARN] lines', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(12, 5, 4, 20));
      const { o, io } = await run(
        {},
        { calibrator: new ProportionCalibrator({ notConverged: true, diverged: ['2', '4'] }) },
      );
      assert.equal(o.exitCode, 0);
      assert.ok(
        io.lines.includes(
          '[WARN] 2 item(s) left out, no finite estimate (slope diverged: few, perfectly separated answers): 2, 4',
        ),
      );
      assert.ok(io.lines.some((l) => /^\[WARN\] EM stopped after 500 cycles without converging/.test(l)));
      assert.match(io.lines.at(-1)!, / converged=false cycles=500 /);
    });

    it('flagged items are named in one [WARN] line per flag, before the summary', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(12, 5, 4, 20));
      const flags = { '1': ['misfit', 'provisional'], '3': ['misfit'] };
      const { o, io } = await run({}, { calibrator: new ProportionCalibrator({ flags }) });
      assert.equal(o.exitCode, 0);
      assert.ok(io.lines.includes('[WARN] 1 item(s) flagged provisional: 1'), io.lines.join('\n'));
      assert.ok(io.lines.includes('[WARN] 2 item(s) flagged misfit: 1, 3'), io.lines.join('\n'));
      assert.match(io.lines.at(-1)!, /^\[INFO\] Summary: /);
    });

    it('--dry-run extracts and calibrates but writes nothing (not even the tables)', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(20, 6, 4, 15));
      const { o, io, calibrator } = await run({ dryRun: true });
      assert.equal(o.exitCode, 0);
      assert.equal(o.status, 'dry-run');
      assert.equal(calibrator.calls, 1);
      assert.match(io.lines.at(-1)!, /^\[DRY_RUN\] Summary: items=/);
      assert.ok(!io.lines.includes('Calibration upsert completed.'));
      const r = await ctx.fx.db.query<{ r: string | null }>(
        "SELECT to_regclass('mirt_item_params')::text AS r",
      );
      assert.equal(r[0].r, null);
    });

    it('a calibration failure exits 1 with an [ERROR] line and leaves the previous results', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(20, 6, 4, 16));
      assert.equal((await run()).o.exitCode, 0);
      const before = await tableRows(ctx.fx.db);
      const { o, io } = await run({}, { calibrator: new ProportionCalibrator({ fail: 'EM diverged' }) });
      assert.equal(o.exitCode, 1);
      assert.deepEqual(io.errors, ['[ERROR] calibration failed: EM diverged. Nothing was written.']);
      assert.deepEqual(await tableRows(ctx.fx.db), before);
    });

    it('a remote failure prints "[ERROR] R IRT service call failed: <reason>"', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(10, 5, 3, 17));
      const { o, io } = await run(
        {},
        { calibrator: new ProportionCalibrator({ fail: 'Connection refused', kind: 'remote' }) },
      );
      assert.equal(o.exitCode, 1);
      assert.deepEqual(io.errors, ['[ERROR] R IRT service call failed: Connection refused']);
    });

    it('a failing upsert exits 1 and leaves the previous results exactly as they were', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(25, 6, 4, 18));
      assert.equal((await run({}, { now: () => new Date('2026-03-01T00:00:00Z') })).o.exitCode, 0);
      const before = await tableRows(ctx.fx.db);
      await ctx.fx.db.query(`CREATE FUNCTION no_second_run() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.version = 'v20260302T000000000Z' THEN RAISE EXCEPTION 'disk full (injected)'; END IF; RETURN NEW; END $$`);
      await ctx.fx.db.query(
        'CREATE TRIGGER no_second_run BEFORE INSERT OR UPDATE ON mirt_ability FOR EACH ROW EXECUTE FUNCTION no_second_run()',
      );
      const { o, io } = await run({}, { now: () => new Date('2026-03-02T00:00:00Z') });
      assert.equal(o.exitCode, 1);
      assert.match(
        io.errors[0],
        /^\[ERROR\] upsert failed, the transaction was rolled back and the previous results are unchanged: disk full \(injected\)/,
      );
      assert.deepEqual(await tableRows(ctx.fx.db), before);
    });

    it('a second run while one holds the lock says so in one line, exits 0 and changes nothing', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', simulate(20, 6, 4, 19));
      assert.equal((await run()).o.exitCode, 0);
      const before = await tableRows(ctx.fx.db);
      let deps: Partial<Parameters<typeof runJob>[1]>;
      if (ctx.fx.name === 'pg') {
        // The first run's session lock, held on another connection.
        assert.equal(await ctx.fx.db.tryLock(JOB_LOCK_KEY), true);
        deps = {};
      } else {
        // The first run owns the data folder: a second process-level open must not get in.
        deps = { openDb: () => openPgliteDb(ctx.fx!.dataDir!) };
      }
      try {
        const { o, io, calibrator } = await run({}, deps);
        assert.equal(o.exitCode, 0);
        assert.equal(o.status, 'locked');
        assert.equal(io.lines.length, 1);
        assert.match(io.lines[0], /^Another mirt-calibrate run is in progress \(.*\); exiting\.$/);
        assert.equal(calibrator.calls, 0);
      } finally {
        if (ctx.fx.name === 'pg') await ctx.fx.db.unlock(JOB_LOCK_KEY);
      }
      assert.deepEqual(await tableRows(ctx.fx.db), before);
    });
  });
}
