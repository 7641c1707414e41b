/**
 * The bin as operators run it (through tsx, from source): help, configuration errors, exit codes,
 * a real run on PGlite and on PostgreSQL with the real engine, the data-folder lock across
 * processes, and no password in any output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openPgliteDb } from '../../src/data/pglite-db.js';
import { createPlatform } from '../../src/job/demo-platform.js';
import { setupPg } from '../helpers/backends.js';
import { demoPlatformFolder, runCli } from '../helpers/cli.js';

/** The job's log lines start with an ISO-8601 UTC time (MIRT_LOG_FORMAT=text, the default). */
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

/** The lines of an output without their time stamps (each must have one). */
function unstamped(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      if (l === '') return l;
      assert.match(l, STAMP, `a time-stamped line: ${l}`);
      return l.replace(STAMP, '');
    })
    .join('\n');
}

describe('mirt-calibrate CLI', () => {
  const dataDir = demoPlatformFolder('mirt-cli-');

  it('--help prints the usage and exits 0', async () => {
    const r = await runCli(['--help'], {});
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: mirt-calibrate \[run\] \[options\]/);
    assert.match(r.stdout, /IRT_CALIB_LOOKBACK_DAYS/);
  });

  it('invalid configuration fails at start with one line and exit code 2', async () => {
    for (const [args, env, re] of [
      [
        ['--lookback-days', '-5'],
        {},
        /^\[ERROR\] invalid configuration: --lookback-days: expected an integer >= 1, got "-5"\n$/,
      ],
      [[], { IRT_MODEL: 'nope' }, /^\[ERROR\] invalid configuration: IRT_MODEL: unknown model "nope"/],
      [
        [],
        { DATABASE_URL: 'mysql://root:s3cret@db/x' },
        /^\[ERROR\] invalid configuration: DATABASE_URL: bad DATABASE_URL/,
      ],
      [['frobnicate'], {}, /^\[ERROR\] unknown command "frobnicate"/],
    ] as const) {
      const r = await runCli([...args], { ...env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.ok(!r.stderr.includes('s3cret'));
    }
  });

  it('an unreachable database exits 1 with an [ERROR] line and no password', async () => {
    const r = await runCli([], { DATABASE_URL: 'postgresql+psycopg2://app:s3cret@127.0.0.1:1/platform' });
    assert.equal(r.code, 1);
    assert.match(
      unstamped(r.stderr),
      /^\[ERROR\] cannot open the database: .*Check DATABASE_URL and that PostgreSQL is reachable\.\n$/,
    );
    assert.ok(!(r.stdout + r.stderr).includes('s3cret'));
  });

  it('runs the job on the embedded database with the real engine, then a dry run writes nothing', async () => {
    const r = await runCli([], { MIRT_DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    const lines = unstamped(r.stdout).trim().split('\n');
    assert.ok(
      lines.some((l) => /^\[INFO\] Loaded \d+ observations from attempt VIEW$/.test(l)),
      r.stdout,
    );
    assert.ok(lines.includes('Calibration upsert completed.'));
    assert.match(
      lines.at(-1)!,
      /^\[INFO\] Summary: items=25 users=\d+ observations=\d+ model=2PL calibrator=local logLik=-\d+\.\d+ converged=true cycles=\d+ flagged=\d+ seconds=/,
    );
    const dry = await runCli(['--dry-run', '--model', '1pl'], { MIRT_DATA_DIR: dataDir });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\[DRY_RUN\] Summary: items=25 .*model=1PL/);
    const db = await openPgliteDb(dataDir);
    try {
      const runs = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_fit_meta');
      assert.equal(runs[0].n, 1);
    } finally {
      await db.close();
    }
  });

  it('a second process on the same data folder says so in one line and exits 0', async () => {
    const db = await openPgliteDb(dataDir); // the "first run" holds the folder
    try {
      const r = await runCli([], { MIRT_DATA_DIR: dataDir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        unstamped(r.stdout),
        /^Another mirt-calibrate run is in progress \(data folder .* is in use by process \d+ .*\); exiting\.\n$/,
      );
    } finally {
      await db.close();
    }
  });

  it('runs on PostgreSQL from a SQLAlchemy-style DATABASE_URL without printing its password', async (t) => {
    const s = await setupPg();
    if (!s.ok) return t.skip(s.why);
    const fx = s.backend;
    try {
      await createPlatform(fx.db, { students: 300, questions: 20, days: 30, seed: 8 });
      const u = new URL(fx.url!);
      const url = `postgresql+psycopg2://${u.username}:s3cret@${u.host}${u.pathname}`;
      const r = await runCli(['--lookback-days=30'], { DATABASE_URL: url, IRT_UPDATE_QUESTION_META: 'true' });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes('s3cret'));
      assert.match(r.stdout, /database=postgresql:\/\/postgres@/);
      assert.match(r.stdout, /\[INFO\] Updated question.meta->'irt' for 20 questions/);
      const n = await fx.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM question WHERE meta ? 'irt'",
      );
      assert.equal(n[0].n, 20);
    } finally {
      await fx.teardown();
    }
  });
});
