/**
 * `fit` on the shared argument parser and progress lines (src/job/args.ts, progress.ts): EM lines
 * and one line per phase on standard error, none with --quiet; JSON lines with
 * MIRT_LOG_FORMAT=json; a mistyped flag gets the nearest one in one line; an output that cannot
 * be written is refused before the input is read, as "cannot write".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'src/job/cli.ts');
const LSAT7 = join(ROOT, 'examples/lsat7.long.csv');

function fit(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  for (const k of Object.keys(clean)) if (/^MIRT_/.test(k)) delete clean[k];
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, 'fit', ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
}

describe('fit: progress and usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirt-fit-progress-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('EM lines and one line per phase on standard error; none with --quiet', () => {
    // A tight tolerance: many EM cycles; MIRT_PROGRESS_SECS=0 prints each, whatever the speed.
    const out = join(dir, 'a.json');
    const r = fit(['--input', LSAT7, '--model', '3PL', '--tol', '1e-7', '--output', out], {
      MIRT_PROGRESS_SECS: '0',
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n');
    assert.ok(
      lines.filter((l) => /^\[INFO\] EM cycle \d+: objective -\d+\.\d{4}, largest change /.test(l)).length >=
        5,
      r.stderr,
    );
    for (const phase of ['read', 'EM', 'standard errors', 'scoring', 'item fit', 'calibrate', 'write'])
      assert.ok(
        lines.some((l) => l.startsWith(`[INFO] phase ${phase} done in `)),
        `${phase}\n${r.stderr}`,
      );
    const quiet = fit(['--input', LSAT7, '--model', '3PL', '--tol', '1e-7', '--output', out, '--quiet'], {
      MIRT_PROGRESS_SECS: '0',
    });
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /EM cycle|phase /);
    assert.match(quiet.stderr, /^\[INFO\] Loaded 5000 observations/m);
  });

  it('MIRT_LOG_FORMAT=json: every line of standard error is one JSON object', () => {
    const r = fit(['--input', LSAT7, '--output', join(dir, 'b.json')], {
      MIRT_LOG_FORMAT: 'json',
      MIRT_PROGRESS_SECS: '0',
    });
    assert.equal(r.status, 0, r.stderr);
    const objects = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(objects.some((o) => typeof o.cycle === 'number'));
    assert.ok(objects.some((o) => /^Loaded 5000 observations/.test(String(o.msg))));
  });

  it('one-line usage errors: did you mean; an unwritable output before the input is read', () => {
    const typo = fit(['--input', LSAT7, '--qaudpts', '21']);
    assert.equal(typo.status, 2);
    assert.equal(
      typo.stderr,
      '[ERROR] unknown flag --qaudpts; did you mean --quadpts? (see mirt-calibrate fit --help)\n',
    );
    const missing = join(dir, 'does-not-exist.csv');
    const r = fit(['--input', missing, '--items-csv', join(dir, 'no', 'items.csv')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /^\[ERROR\] --items-csv: cannot write .*no\/items\.csv: the folder .*no does not exist\n$/,
    );
  });
});
