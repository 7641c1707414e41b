/** The data-folder lockfile: one owner at a time, stale locks taken over, release only our own. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireFolderLock, lockPathFor } from '../../src/data/lockfile.js';

describe('data folder lockfile', () => {
  const roots: string[] = [];
  const tempRoot = () => {
    const r = mkdtempSync(join(tmpdir(), 'mirt-lock-'));
    roots.push(r);
    return r;
  };
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('is exclusive while held and free once released', () => {
    const dir = join(tempRoot(), 'data');
    const a = acquireFolderLock(dir);
    assert.ok(!('held' in a));
    const b = acquireFolderLock(dir);
    assert.ok('held' in b && b.held.pid === process.pid);
    a.release();
    assert.ok(!existsSync(lockPathFor(dir)));
    const c = acquireFolderLock(dir);
    assert.ok(!('held' in c));
    c.release();
  });

  it('takes over a lock whose process is gone', () => {
    const dir = join(tempRoot(), 'data');
    // The pid of a process that has exited.
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(lockPathFor(dir), JSON.stringify({ pid: Number(dead), since: '2020-01-01T00:00:00Z' }));
    const l = acquireFolderLock(dir);
    assert.ok(!('held' in l), 'stale lock taken over');
    l.release();
  });
});
