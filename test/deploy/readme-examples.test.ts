/**
 * The README's "calibrate a file" commands, run as written on the shipped example data: each
 * `npx mirt-calibrate ...` line of the Quick start runs the built bin, in a fresh folder that
 * holds the repository's `examples/` (so the paths resolve exactly as from a clone's root, and
 * the outputs land outside the repository).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { codeBlocks, section } from './docs.js';
import { packageJson, ROOT, read } from './repo.js';

const quick = section(read('README.md'), 'Quick start');
const commands = codeBlocks(quick, 'sh')
  .flatMap((b) => b.split('\n'))
  .map((l) => l.replace(/#.*$/, '').trim())
  .filter((l) => l.startsWith('npx mirt-calibrate '));

const bin = join(ROOT, packageJson().bin['mirt-calibrate']);
const dir = mkdtempSync(join(tmpdir(), 'readme-examples-'));
symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the Quick start fits a shipped example file and reports on it', () => {
  assert.deepEqual(
    commands.map((c) => c.split(/\s+/)[2]),
    ['fit', 'report'],
    'the Quick start shows fit, then report',
  );
  for (const c of commands) {
    for (const m of c.matchAll(/--input (\S+)/g))
      if (m[1] !== 'result.json') assert.ok(existsSync(join(ROOT, m[1])), `${m[1]} is shipped`);
  }
});

for (const command of commands) {
  test(command, () => {
    const args = command.split(/\s+/).slice(2); // after `npx mirt-calibrate`
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
    const output = args[args.indexOf('--output') + 1];
    const text = readFileSync(join(dir, output), 'utf8');
    if (args[0] === 'fit') {
      const result = JSON.parse(text) as { item_params: unknown[]; abilities: unknown[] };
      assert.equal(result.item_params.length, 5, 'LSAT7 has 5 items');
      assert.equal(result.abilities.length, 1000, 'and 1000 examinees');
    } else {
      assert.match(text, /^<!doctype html>/i);
      assert.match(text, /Item\.1/);
    }
  });
}
