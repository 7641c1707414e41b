/**
 * One argument style across the bin's commands, through the bin itself: an unknown command or
 * flag is one `[ERROR]` line with the nearest known one and exit 2, never a usage dump; outputs
 * are checked before any input is read and fail with "cannot write"; names in messages are the
 * flags and variables as the user gives them; echoed input is shortened; help goes to stdout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

/** Exit 2, nothing on stdout, exactly one line on stderr: that line. */
async function oneLineError(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await runCli(args, env);
  assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line, no usage text:\n${r.stderr}`);
  return lines[0];
}

describe('usage errors, command by command', () => {
  const root = mkdtempSync(join(tmpdir(), 'mirt-usage-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('top level: an unknown command gets the nearest one', async () => {
    assert.equal(
      await oneLineError(['reprot']),
      '[ERROR] unknown command "reprot"; did you mean report? (commands: run, fit, serve, report, score; see mirt-calibrate --help)',
    );
    const json = JSON.parse(await oneLineError(['reprot'], { MIRT_LOG_FORMAT: 'json' })) as Record<
      string,
      unknown
    >;
    assert.equal(json.level, 'error');
    assert.match(String(json.msg), /^unknown command "reprot"; did you mean report\?/);
  });

  it('run: an unknown flag gets the nearest one; a value that looks like a flag is still a value', async () => {
    assert.equal(
      await oneLineError(['run', '--dryrun']),
      '[ERROR] invalid configuration: unknown flag --dryrun; did you mean --dry-run? (see mirt-calibrate --help)',
    );
    assert.equal(
      await oneLineError(['--topic-id', '-1', '--lookback-days', '0']),
      '[ERROR] invalid configuration: --lookback-days: expected an integer >= 1, got "0"',
    );
  });

  it('run: echoed input is shortened', async () => {
    const line = await oneLineError(['--model', 'x'.repeat(5000)]);
    assert.ok(line.length < 200, `${line.length} characters`);
    assert.match(line, /^\[ERROR\] invalid configuration: --model: .*"x+…"/);
  });

  it('run: --report is checked before anything is read, and says "cannot write"', async () => {
    const line = await oneLineError(['--report', join(root, 'missing', '{version}.html')], {
      MIRT_DATA_DIR: join(root, 'never-created'),
    });
    assert.match(
      line,
      /^\[ERROR\] invalid configuration: --report \(MIRT_REPORT_PATH\): cannot write .*missing\/\{version\}\.html: the folder .*missing does not exist$/,
    );
  });

  it('report: unknown flag, missing --input, unwritable --output before the input is read', async () => {
    assert.equal(
      await oneLineError(['report', '--inptu', 'x.json']),
      '[ERROR] unknown flag --inptu; did you mean --input? (see mirt-calibrate report --help)',
    );
    assert.equal(
      await oneLineError(['report']),
      '[ERROR] --input is required (see mirt-calibrate report --help)',
    );
    // The input does not exist either: the output is what is checked first.
    assert.match(
      await oneLineError([
        'report',
        '--input',
        join(root, 'absent.json'),
        '--output',
        join(root, 'no', 'r.html'),
      ]),
      /^\[ERROR\] --output: cannot write .*no\/r\.html: the folder .*no does not exist$/,
    );
    assert.match(
      await oneLineError(['report', '--input', join(root, 'absent.json'), '--output', root]),
      /^\[ERROR\] --output: cannot write .*: it is a folder$/,
    );
  });

  it('report --help lists its flags on stdout', async () => {
    const r = await runCli(['report', '--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    for (const f of ['--input', '--output', '--help']) assert.ok(r.stdout.includes(f), f);
  });

  it('score: unknown flag; run options after -- without --calibrate', async () => {
    assert.equal(
      await oneLineError(['score', '--shrad', '0/2']),
      '[ERROR] invalid usage: unknown flag --shrad; did you mean --shard? (see mirt-calibrate score --help)',
    );
    assert.equal(
      await oneLineError(['score', '--run', 'r1', '--', '--model', '3PL']),
      '[ERROR] invalid usage: run options after -- need --calibrate (and --run NAME) (see mirt-calibrate score --help)',
    );
    const long = 'x'.repeat(5000);
    const line = await oneLineError(['score', '--version', 'v1', '--method', long]);
    assert.ok(line.length < 300, `echoed input shortened: ${line.length} characters`);
  });

  it('serve: did you mean, the setting named as given, complete --help on stdout', async () => {
    assert.equal(
      await oneLineError(['serve', '--max-concurent', '2']),
      '[ERROR] unknown flag --max-concurent; did you mean --max-concurrent? (see mirt-calibrate serve --help)',
    );
    assert.equal(
      await oneLineError(['serve', '--insecure-no-auth'], { MIRT_SERVICE_QUEUE_LENGTH: 'lots' }),
      '[ERROR] MIRT_SERVICE_QUEUE_LENGTH: expected an integer from 0 to 100000, got "lots" (see mirt-calibrate serve --help)',
    );
    assert.equal(
      await oneLineError(['serve', '--insecure-no-auth', '--port', '70000']),
      '[ERROR] --port: expected an integer from 0 to 65535, got "70000" (see mirt-calibrate serve --help)',
    );
    const r = await runCli(['serve', '--help']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const { SERVE_HELP } = await import('../../src/service/serve-command.js');
    assert.equal(r.stdout, SERVE_HELP);
    const source = await import('node:fs').then((fs) =>
      fs.readFileSync(join(import.meta.dirname, '../../src/service/serve-command.ts'), 'utf8'),
    );
    // Every flag and every variable the command reads is in its help.
    const flags = [...source.matchAll(/^\s+'?([a-z][a-z-]*)'?: \{ type: '(?:string|boolean)'/gm)].map(
      (m) => `--${m[1]}`,
    );
    const vars = [...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]);
    assert.ok(flags.length >= 10 && vars.length >= 8);
    for (const name of [...flags, ...vars]) assert.ok(r.stdout.includes(name), `serve --help names ${name}`);
  });

  it('a file that exists where a folder is expected: report says which flag', async () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, 'x');
    assert.match(
      await oneLineError(['report', '--input', file, '--output', join(file, 'r.html')]),
      /^\[ERROR\] --output: cannot write .*plain-file\/r\.html: /,
    );
  });
});
