/**
 * The data-folder lock: one owner at a time, a dead owner's lock taken over whatever its pid
 * now names, the lock inside the folder (the only place the job may write), release only our own.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireFolderLock, type FolderLock, lockPathFor } from '../../src/data/lockfile.js';

const LOCKFILE_TS = resolve(import.meta.dirname, '../../src/data/lockfile.ts');
const NOBODY = 65534;

/**
 * A child process that takes the lock and keeps it until killed; `busy`: with its event loop
 * blocked, as the job's is during a long calibration on the main thread.
 */
async function holderProcess(dir: string, busy = false): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import(${JSON.stringify(LOCKFILE_TS)}).then(async (m) => {
         const l = await m.acquireFolderLock(${JSON.stringify(dir)});
         process.stdout.write('held' in l ? 'busy\\n' : 'got\\n', () => {
           if (${busy}) for (;;);
           setInterval(() => {}, 1000);
         });
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((ok, fail) => {
    child.stdout?.once('data', (d) => ok(String(d).trim()));
    child.once('exit', (code) => fail(new Error(`lock holder exited with ${code}`)));
  });
  assert.equal(line, 'got');
  return { child, pid: child.pid ?? -1 };
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    child.once('exit', () => ok());
    child.kill('SIGKILL');
  });
}

function owned(l: Awaited<ReturnType<typeof acquireFolderLock>>): FolderLock {
  assert.ok(!('held' in l), `lock not taken: ${JSON.stringify(l)}`);
  return l;
}

describe('data folder lock', () => {
  const roots: string[] = [];
  const tempRoot = () => {
    const r = mkdtempSync(join(tmpdir(), 'mirt-lock-'));
    roots.push(r);
    return r;
  };
  after(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('is exclusive while held and free once released', async () => {
    const dir = join(tempRoot(), 'data');
    const a = owned(await acquireFolderLock(dir));
    const b = await acquireFolderLock(dir);
    assert.ok('held' in b && b.held.pid === process.pid);
    a.release();
    assert.ok(!existsSync(lockPathFor(dir)));
    owned(await acquireFolderLock(dir)).release();
    assert.deepEqual(readdirSync(dir), [], 'release leaves nothing behind');
  });

  it('respects a live owner in another process and takes over once it is killed with SIGKILL', async () => {
    const dir = join(tempRoot(), 'data');
    const { child, pid } = await holderProcess(dir);
    try {
      const b = await acquireFolderLock(dir);
      assert.ok('held' in b, 'held by the other process');
      assert.equal(b.held.pid, pid);
      assert.ok(b.ageSeconds !== null && b.ageSeconds < 600);
    } finally {
      await kill9(child);
    }
    assert.ok(existsSync(lockPathFor(dir)), 'SIGKILL leaves the lock behind');
    owned(await acquireFolderLock(dir)).release();
  });

  it('sees an owner whose event loop is blocked as alive (the kernel answers for it)', async () => {
    const dir = join(tempRoot(), 'data');
    const { child, pid } = await holderProcess(dir, true);
    try {
      for (let i = 0; i < 3; i++) {
        const b = await acquireFolderLock(dir);
        assert.ok('held' in b, `probe ${i}: held by the busy process`);
        assert.equal(b.held.pid, pid);
      }
    } finally {
      await kill9(child);
    }
  });

  it('takes over a lock naming this very pid from an earlier start (pid reuse after kill -9)', async () => {
    // In a container the job is the same pid on every start: the lock a killed run left
    // names a pid that is alive again, this process. It must not read as "in progress".
    const dir = join(tempRoot(), 'data');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      lockPathFor(dir),
      JSON.stringify({ pid: process.pid, since: '2020-01-01T00:00:00Z', start: 1, boot: 'an-earlier-boot' }),
    );
    const l = await acquireFolderLock(dir);
    assert.ok(!('held' in l), `stale lock of pid ${process.pid} taken over, got ${JSON.stringify(l)}`);
    l.release();
  });

  it('takes over the dead socket of a killed owner even when its note names a live pid', async () => {
    const dir = join(tempRoot(), 'data');
    const { child } = await holderProcess(dir);
    await kill9(child);
    // The dead owner's note, rewritten to name a process that is alive (this one).
    writeFileSync(
      `${lockPathFor(dir)}.json`,
      JSON.stringify({ pid: process.pid, since: '2020-01-01T00:00:00Z' }),
    );
    owned(await acquireFolderLock(dir)).release();
  });

  it('keeps the lock inside the data folder: nothing is created beside it', async () => {
    const root = tempRoot();
    const dir = join(root, 'data');
    const l = owned(await acquireFolderLock(dir));
    try {
      assert.deepEqual(readdirSync(root), ['data']);
      assert.ok(l.path.startsWith(`${dir}/`));
    } finally {
      l.release();
    }
  });

  it('works for a user who owns the data folder but not its parent (the image layout)', (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to switch to an unprivileged uid');
    const root = tempRoot();
    chmodSync(root, 0o755); // root's, not writable by nobody (like /var/lib)
    const dir = join(root, 'mirt-calibrate');
    mkdirSync(dir);
    chownSync(dir, NOBODY, NOBODY);
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `process.setgid(${NOBODY}); process.setuid(${NOBODY});
         import(${JSON.stringify(LOCKFILE_TS)}).then(async (m) => {
           const l = await m.acquireFolderLock(${JSON.stringify(dir)});
           if ('held' in l) throw new Error('held');
           l.release();
           process.stdout.write('ok');
         });`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.stdout, 'ok', r.stderr);
    assert.deepEqual(readdirSync(root), ['mirt-calibrate']);
  });
});
