/**
 * Issue 9 items 11 and 17: every numeric setting is bounded and a value out of range fails at
 * start naming the setting (MIRT_LOOKBACK_DAYS=99999999999 used to pass and fail later with
 * "Invalid time value"); the PostgreSQL time limits are read from env and flags.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/job/config.js';

const CLI = join(import.meta.dirname, '../../src/job/cli.ts');

function rejects(argv: string[], env: Record<string, string>, re: RegExp): void {
  assert.throws(
    () => loadConfig(argv, env),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(env)} ${argv.join(' ')}: ${String(e)}`);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    },
  );
}

describe('numeric settings are bounded', () => {
  it('MIRT_LOOKBACK_DAYS=99999999999 fails at start, naming the setting', () => {
    rejects(
      [],
      { MIRT_LOOKBACK_DAYS: '99999999999' },
      /^MIRT_LOOKBACK_DAYS: at most 36500, got "99999999999"$/,
    );
    rejects([], { IRT_CALIB_LOOKBACK_DAYS: '36501' }, /^IRT_CALIB_LOOKBACK_DAYS: at most 36500/);
    rejects(['--lookback-days', '1e6'], {}, /^--lookback-days: expected an integer >= 1/);
    assert.equal(loadConfig([], { MIRT_LOOKBACK_DAYS: '36500' }).lookbackDays, 36500);
  });

  it('the largest accepted lookback still makes a valid window start', () => {
    const c = loadConfig([], { MIRT_LOOKBACK_DAYS: '36500' });
    const since = new Date(Date.now() - c.lookbackDays * 86_400_000);
    assert.ok(Number.isFinite(since.getTime()));
    assert.match(since.toISOString(), /^\d{4}-/, 'a year PostgreSQL reads');
  });

  it('counts, retries and time limits have upper bounds too', () => {
    rejects([], { MIRT_MAX_OBS: '3000000000' }, /^MIRT_MAX_OBS: at most 2147483647/);
    rejects(['--min-item-responses', '9999999999'], {}, /^--min-item-responses: at most 2147483647/);
    rejects([], { MIRT_RETAIN_VERSIONS: '99999999999' }, /^MIRT_RETAIN_VERSIONS: at most 1000000/);
    rejects([], { MIRT_MAX_RETRIES: '1000' }, /^MIRT_MAX_RETRIES: at most 100/);
    // Past 2^31 - 1 ms Node's setTimeout fires after 1 ms: a 30-day limit would be no limit at all.
    rejects([], { R_IRT_TIMEOUT_SECS: '2592000' }, /^R_IRT_TIMEOUT_SECS: at most 86400/);
    rejects([], { MIRT_RETRY_DELAY_SECS: '1e9' }, /^MIRT_RETRY_DELAY_SECS: at most 3600/);
    rejects([], { MIRT_DB_CONNECT_TIMEOUT_SECS: '1e12' }, /^MIRT_DB_CONNECT_TIMEOUT_SECS: at most 86400/);
    rejects(['--db-statement-timeout-secs', '90000'], {}, /^--db-statement-timeout-secs: at most 86400/);
  });
});

describe('PostgreSQL time limits', () => {
  it('default to 30 s to connect and 600 s a statement', () => {
    assert.deepEqual(loadConfig([], {}).dbTimeouts, { connectTimeoutSecs: 30, statementTimeoutSecs: 600 });
  });

  it('are read from env and flags (flags win), and must be positive', () => {
    const env = { MIRT_DB_CONNECT_TIMEOUT_SECS: '5', MIRT_DB_STATEMENT_TIMEOUT_SECS: '120' };
    assert.deepEqual(loadConfig([], env).dbTimeouts, { connectTimeoutSecs: 5, statementTimeoutSecs: 120 });
    assert.deepEqual(
      loadConfig(['--db-connect-timeout-secs', '2.5', '--db-statement-timeout-secs=60'], env).dbTimeouts,
      { connectTimeoutSecs: 2.5, statementTimeoutSecs: 60 },
    );
    rejects(
      [],
      { MIRT_DB_CONNECT_TIMEOUT_SECS: '0' },
      /^MIRT_DB_CONNECT_TIMEOUT_SECS: expected a number > 0/,
    );
    rejects(
      ['--db-statement-timeout-secs', 'soon'],
      {},
      /^--db-statement-timeout-secs: expected a number > 0/,
    );
  });
});

describe('the CLI', () => {
  it('exits 2 with one line naming MIRT_LOOKBACK_DAYS (it used to fail later with "Invalid time value")', () => {
    const env = { ...process.env };
    for (const k of Object.keys(env))
      if (/^(MIRT_|IRT_|R_IRT_|DATABASE_URL$|DRY_RUN$)/.test(k)) delete env[k];
    const dir = mkdtempSync(join(tmpdir(), 'mirt-bounds-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', '--dry-run'], {
      encoding: 'utf8',
      env: { ...env, MIRT_LOOKBACK_DAYS: '99999999999', MIRT_DATA_DIR: join(dir, 'data') },
      timeout: 60_000,
    });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stderr,
      '[ERROR] invalid configuration: MIRT_LOOKBACK_DAYS: at most 36500, got "99999999999"\n',
    );
  });
});
