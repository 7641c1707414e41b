/**
 * A dry run writes nothing: without a DATABASE_URL and without an embedded database in the data
 * folder it says there is nothing to read and creates no database (issue 15: it used to leave a
 * new 39 MB database in the working folder).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The built bin (npm ci builds it): the test runs it in an empty folder, where tsx is not found.
const CLI = fileURLToPath(new URL('../../dist/job/cli.js', import.meta.url));

describe('a dry run on the embedded database', () => {
  it('creates no database where there is none, and says so', () => {
    const env = { ...process.env };
    for (const k of Object.keys(env))
      if (/^(MIRT_|IRT_|R_IRT_|DATABASE_URL$|DRY_RUN$)/.test(k)) delete env[k];
    const cwd = mkdtempSync(join(tmpdir(), 'mirt-dry-'));
    try {
      const r = spawnSync(process.execPath, [CLI, 'run', '--dry-run'], {
        cwd,
        encoding: 'utf8',
        env,
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        r.stdout,
        /^\d{4}-\d\d-\d\dT[\d:.]+Z \[DRY_RUN\] No embedded database in .*\.mirt-data and no DATABASE_URL: nothing to read; a dry run creates nothing\.$/m,
      );
      assert.ok(!existsSync(join(cwd, '.mirt-data')), `created: ${readdirSync(cwd).join(', ')}`);
      assert.deepEqual(readdirSync(cwd), []);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
