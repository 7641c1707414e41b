/**
 * The job's output as operators collect it, from the bin (through tsx) on an embedded database:
 * time-stamped text by default with the seed's lines intact after the stamp, `plain` without
 * stamps, `json` one object per line on both streams (progress and usage errors included), and
 * progress present by default and absent with --quiet / MIRT_QUIET.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { demoPlatformFolder, runCli } from '../helpers/cli.js';

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

const lines = (s: string) => s.split('\n').filter(Boolean);

describe('the job log formats and progress', () => {
  const dataDir = demoPlatformFolder('mirt-logs-');

  it('text: every line time-stamped, the seed lines exact after it; progress on standard error', async () => {
    // MIRT_PROGRESS_SECS=0: a line for every reported cycle, however fast this machine is.
    const r = await runCli(['--dry-run'], { MIRT_DATA_DIR: dataDir, MIRT_PROGRESS_SECS: '0' });
    assert.equal(r.code, 0, r.stderr);
    for (const l of [...lines(r.stdout), ...lines(r.stderr)]) assert.match(l, STAMP, l);
    const out = lines(r.stdout).map((l) => l.replace(STAMP, ''));
    assert.ok(
      out.some((l) => /^\[INFO\] Loaded \d+ observations from attempt VIEW$/.test(l)),
      r.stdout,
    );
    const err = lines(r.stderr).map((l) => l.replace(STAMP, ''));
    assert.ok(
      err.some((l) => /^\[INFO\] EM cycle \d+: objective -\d+\.\d+, largest change /.test(l)),
      r.stderr,
    );
    for (const phase of ['extract', 'EM', 'standard errors', 'scoring', 'item fit', 'calibrate'])
      assert.ok(
        err.some((l) => l.startsWith(`[INFO] phase ${phase} done in `)),
        `${phase}\n${r.stderr}`,
      );
  });

  it('--quiet and MIRT_QUIET=true: no progress, the same standard output', async () => {
    const flag = await runCli(['--dry-run', '--quiet'], { MIRT_DATA_DIR: dataDir, MIRT_PROGRESS_SECS: '0' });
    assert.equal(flag.code, 0, flag.stderr);
    assert.equal(flag.stderr, '');
    const env = await runCli(['--dry-run'], {
      MIRT_DATA_DIR: dataDir,
      MIRT_PROGRESS_SECS: '0',
      MIRT_QUIET: 'true',
    });
    assert.equal(env.code, 0, env.stderr);
    assert.equal(env.stderr, '');
    assert.ok(lines(flag.stdout).some((l) => l.includes('[DRY_RUN] Summary: items=25')));
  });

  it('plain: the lines as before time stamps', async () => {
    const r = await runCli(['--dry-run', '-q'], { MIRT_DATA_DIR: dataDir, MIRT_LOG_FORMAT: 'plain' });
    assert.equal(r.code, 0, r.stderr);
    const out = lines(r.stdout);
    assert.ok(out.every((l) => !STAMP.test(l)));
    assert.match(out[0], /^\[INFO\] mirt-calibrate v\d{8}T\d{9}Z: model=2PL /);
    assert.ok(out.some((l) => /^\[INFO\] Loaded \d+ observations from attempt VIEW$/.test(l)));
  });

  it('json: every line of both streams is one JSON object, a real run included', async () => {
    const r = await runCli([], { MIRT_DATA_DIR: dataDir, MIRT_LOG_FORMAT: 'json', MIRT_PROGRESS_SECS: '0' });
    assert.equal(r.code, 0, r.stderr);
    const parse = (text: string) => lines(text).map((l) => parseLine(l));
    const out = parse(r.stdout);
    const err = parse(r.stderr);
    for (const o of [...out, ...err]) {
      assert.match(String(o.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(['info', 'warn', 'error'].includes(String(o.level)), JSON.stringify(o));
    }
    assert.ok(
      out.some(
        (o) => o.level === 'info' && /^Loaded \d+ observations from attempt VIEW$/.test(String(o.msg)),
      ),
    );
    assert.ok(out.some((o) => o.msg === 'Calibration upsert completed.'));
    assert.ok(err.some((o) => typeof o.cycle === 'number' && typeof o.objective === 'number'));
    assert.ok(err.some((o) => o.phase === 'upsert' && typeof o.seconds === 'number'));
  });

  it('json: a usage error is one JSON object too; text: one line without a stamp', async () => {
    const j = await runCli(['--lookback-dayz', '3'], { MIRT_LOG_FORMAT: 'json' });
    assert.equal(j.code, 2);
    assert.equal(lines(j.stderr).length, 1);
    const o = JSON.parse(j.stderr) as Record<string, unknown>;
    assert.equal(o.level, 'error');
    assert.equal(
      o.msg,
      'invalid configuration: unknown flag --lookback-dayz; did you mean --lookback-days? (see mirt-calibrate --help)',
    );
    const t = await runCli(['--lookback-dayz', '3'], {});
    assert.equal(
      t.stderr,
      '[ERROR] invalid configuration: unknown flag --lookback-dayz; did you mean --lookback-days? (see mirt-calibrate --help)\n',
    );
    const bad = await runCli([], { MIRT_LOG_FORMAT: 'yaml' });
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      '[ERROR] invalid configuration: MIRT_LOG_FORMAT: expected text, plain or json, got "yaml"\n',
    );
  });
});

/** One log line as JSON, or a failure quoting the line. */
function parseLine(l: string): Record<string, unknown> {
  try {
    return JSON.parse(l) as Record<string, unknown>;
  } catch {
    throw new assert.AssertionError({ message: `not JSON: ${l}` });
  }
}
