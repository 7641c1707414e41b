/**
 * Start-up loads what a command needs and nothing else. Held by running the built bin from a
 * copy of dist/ with no node_modules at all: `--help`, `--version` and `fit` must work there,
 * which they cannot if any of them imports the HTTP (fastify) or a database (pg, PGlite) stack;
 * and the embedded database, an optional dependency, is reported by name when it is absent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/reference.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const bare = mkdtempSync(path.join(tmpdir(), 'bare-install-'));
after(() => rmSync(bare, { recursive: true, force: true }));
cpSync(path.join(repoRoot, 'dist'), path.join(bare, 'dist'), { recursive: true });
cpSync(path.join(repoRoot, 'package.json'), path.join(bare, 'package.json'));
const bin = path.join(bare, pkg.bin['mirt-calibrate']);

const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('start-up loads only what the command needs', () => {
  it('PGlite is an optional dependency; pg and fastify are not loaded by fit or --help', () => {
    assert.ok(pkg.optionalDependencies?.['@electric-sql/pglite'], 'PGlite is optional');
    assert.equal(pkg.dependencies['@electric-sql/pglite'], undefined);
  });

  it('--help and --version answer without any dependency installed', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /mirt-calibrate/);
    const version = run(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, `mirt-calibrate ${pkg.version}\n`);
    assert.equal(run(['fit', '--help']).status, 0);
  });

  it('fit runs without any dependency installed', () => {
    const csv = path.join(bare, 'answers.csv');
    let text = 'user_id,item_id,is_correct\n';
    for (let u = 0; u < 30; u++)
      for (let j = 0; j < 5; j++) text += `u${u},i${j},${(u * 3 + j * 7) % 5 < 2 + (u % 3) ? 1 : 0}\n`;
    writeFileSync(csv, text);
    const r = run(['fit', '--input', csv, '--output', path.join(bare, 'out.json')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(bare, 'out.json'), 'utf8')).abilities.length, 30);
  });

  it('without DATABASE_URL and without PGlite installed, opening the database says what to do', () => {
    const script = `import { openDatabase } from ${JSON.stringify(path.join(bare, 'dist/data/open.js'))};
      try { await openDatabase({ databaseUrl: null, dataDir: ${JSON.stringify(path.join(bare, 'db'))} }); }
      catch (e) { console.log(e.message); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.match(
      r.stdout,
      /no DATABASE_URL is set and the embedded database .*@electric-sql\/pglite.* is not installed/,
    );
  });
});
