/**
 * The argument parser every command shares (src/job/args.ts): flags as typed, one-line errors
 * with the nearest known flag, values that look like flags refused, output paths checked.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  checkOutputPath,
  editDistance,
  intFlag,
  nearest,
  parseFlags,
  UsageError,
  unknownFlag,
} from '../../src/job/args.js';

const TABLE = {
  input: { type: 'string' },
  output: { type: 'string' },
  quadpts: { type: 'string' },
  'max-cycles': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message;
  }
  assert.fail('expected a UsageError');
}

describe('parseFlags', () => {
  it('reads --name value, --name=value, booleans, short aliases and what follows --', () => {
    const r = parseFlags(
      ['--input', 'a.csv', '--output=b.json', '-q', '--help=false', '--', '--model', '3PL'],
      TABLE,
      { command: 'fit' },
    );
    assert.deepEqual(r.values, { input: 'a.csv', output: 'b.json', quiet: true, help: false });
    assert.deepEqual(r.rest, ['--model', '3PL']);
    assert.deepEqual(r.positionals, []);
    assert.deepEqual(parseFlags(['--input', '-'], TABLE, { command: 'fit' }).values, { input: '-' });
  });

  it('an unknown flag: one line with the nearest known one, no usage text', () => {
    assert.equal(
      usageError(() => parseFlags(['--qaudpts', '21'], TABLE, { command: 'fit' })),
      'unknown flag --qaudpts; did you mean --quadpts? (see mirt-calibrate fit --help)',
    );
    assert.equal(
      usageError(() => parseFlags(['--max-cycle=3'], TABLE, { command: 'fit' })),
      'unknown flag --max-cycle; did you mean --max-cycles? (see mirt-calibrate fit --help)',
    );
    assert.equal(
      usageError(() => parseFlags(['--frobnicate'], TABLE, { command: 'report' })),
      'unknown flag --frobnicate (see mirt-calibrate report --help)',
    );
    assert.match(
      usageError(() => parseFlags(['-x'], TABLE, { command: 'fit' })),
      /^unknown flag -x /,
    );
  });

  it('a flag without its value says so, also when the next word is a flag', () => {
    assert.equal(
      usageError(() => parseFlags(['--input'], TABLE, { command: 'fit' })),
      '--input needs a value (see mirt-calibrate fit --help)',
    );
    assert.match(
      usageError(() => parseFlags(['--input', '--output', 'x'], TABLE, { command: 'fit' })),
      /^--input needs a value/,
    );
  });

  it('positional words only where the command allows them, echoed shortened', () => {
    const msg = usageError(() => parseFlags(['x'.repeat(500)], TABLE, { command: 'fit' }));
    assert.ok(msg.length < 150, msg);
    assert.match(msg, /^unexpected argument "x+…"/);
    assert.deepEqual(parseFlags(['a', '-q'], TABLE, { command: 'x', positionals: true }).positionals, ['a']);
  });

  it('a boolean given a value that is not true or false', () => {
    assert.equal(
      usageError(() => parseFlags(['--quiet=maybe'], TABLE, { command: 'fit' })),
      '--quiet: expected true or false, got "maybe"',
    );
  });
});

describe('did you mean', () => {
  it('edit distance counts a swap of neighbours as one', () => {
    assert.equal(editDistance('qaudpts', 'quadpts'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
  it('a unique prefix, else the nearest within a third of its length', () => {
    const known = ['input', 'output', 'items-csv', 'scores-csv', 'model', 'tol'];
    assert.equal(nearest('out', known), 'output');
    assert.equal(nearest('modle', known), 'model');
    assert.equal(nearest('tl', known), 'tol');
    assert.equal(nearest('verbose', known), null);
    assert.equal(nearest('csv', known), null);
  });
  it('unknownFlag drops a value given with =', () => {
    assert.equal(
      unknownFlag('--modle=3PL', ['model'], '').message,
      'unknown flag --modle; did you mean --model? (see mirt-calibrate --help)',
    );
  });
});

describe('checkOutputPath', () => {
  const root = mkdtempSync(join(tmpdir(), 'mirt-args-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('passes standard output and a writable folder', async () => {
    await checkOutputPath('--output', '-');
    await checkOutputPath('--output', join(root, 'new.json'));
  });
  it('"cannot write", naming the flag, for a missing folder, a folder, a read-only folder', async () => {
    await assert.rejects(
      checkOutputPath('--output', join(root, 'nope', 'x.json')),
      (e: Error) =>
        e instanceof UsageError &&
        /^--output: cannot write .*nope\/x\.json: the folder .*nope does not exist$/.test(e.message),
    );
    await assert.rejects(
      checkOutputPath('--output', root),
      (e: Error) => e instanceof UsageError && /cannot write .*: it is a folder$/.test(e.message),
    );
    if (process.getuid?.() === 0) return; // root writes anywhere
    const ro = join(root, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    await assert.rejects(checkOutputPath('--items-csv', join(ro, 'x.csv')), (e: Error) =>
      /^--items-csv: cannot write .*: permission denied$/.test(e.message),
    );
  });
});

describe('intFlag', () => {
  it('names the flag as the user typed it and the range', () => {
    assert.equal(intFlag('--quadpts', '41', 5, 401), 41);
    assert.equal(intFlag('--quadpts', undefined, 5, 401), undefined);
    assert.throws(
      () => intFlag('--quadpts', '1000', 5, 401),
      /^UsageError: --quadpts: expected an integer from 5 to 401, got "1000"$/,
    );
    assert.throws(() => intFlag('--quadpts', '4.5', 5, 401), /--quadpts/);
  });
});
