/**
 * Opening the embedded database: a folder that is not a database is refused, never initialised
 * over; a damaged one fails with one line naming the folder and the remedy; the lock stays
 * inside the folder; a lock held for too long fails loudly instead of "in progress" forever.
 */
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireFolderLock, DataDirLockedError, lockPathFor } from '../../src/data/lockfile.js';
import { DataDirLockTooOldError, openPgliteDb } from '../../src/data/pglite-db.js';
import { runJob } from '../../src/job/run-job.js';
import { ProportionCalibrator } from '../helpers/calibrators.js';
import { captureIo, jobConfig } from '../helpers/job.js';

/** The nightly job on the embedded database in `dataDir`, as a user runs it. */
async function runOn(dataDir: string) {
  const io = captureIo();
  const o = await runJob(jobConfig({ dataDir }), { io, calibrator: new ProportionCalibrator() });
  return { o, io };
}

/** One line that names the folder and none of PGlite's raw failure texts. */
function assertClearLine(e: unknown, dir: string, pattern: RegExp): true {
  assert.ok(e instanceof Error, `an Error, got ${String(e)}`);
  assert.doesNotMatch(e.message, /\n|\[object Object\]|Aborted\(\)|-sASSERTIONS|PGlite failed to initialize/);
  assert.ok(e.message.includes(dir), `names ${dir}: ${e.message}`);
  assert.match(e.message, pattern);
  return true;
}

describe('opening the embedded database folder', () => {
  let root: string;
  /** A closed database holding table `kept` with one row. */
  let pristine: string;
  const copy = (name: string) => {
    const d = join(root, name);
    cpSync(pristine, d, { recursive: true });
    return d;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'mirt-pglite-open-'));
    pristine = join(root, 'pristine');
    const db = await openPgliteDb(pristine);
    await db.query('CREATE TABLE kept (v text)');
    await db.query("INSERT INTO kept VALUES ('earlier result')");
    await db.close();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a database folder that lost PG_VERSION instead of creating a new database over it', async () => {
    const dir = copy('no-pg-version');
    unlinkSync(join(dir, 'PG_VERSION'));
    const before = readdirSync(dir).sort();
    await assert.rejects(openPgliteDb(dir), (e) =>
      assertClearLine(
        e,
        dir,
        /is not an embedded database \(no PG_VERSION\) but is not empty .*restore it from a backup/,
      ),
    );
    assert.deepEqual(readdirSync(dir).sort(), before, 'nothing written, nothing initialised');
    assert.ok(!existsSync(join(dir, 'PG_VERSION')));
    // The job: one [ERROR] line, exit 1, no "Applied migrations".
    const { o, io } = await runOn(dir);
    assert.equal(o.exitCode, 1);
    assert.deepEqual(io.lines, []);
    assert.equal(io.errors.length, 1);
    assert.match(
      io.errors[0],
      /^\[ERROR\] cannot open the database: data folder .* is not an embedded database \(no PG_VERSION\)/,
    );
    assert.deepEqual(readdirSync(dir).sort(), before);
    // Put back, it is the same database with its data.
    writeFileSync(join(dir, 'PG_VERSION'), '18\n');
    const db = await openPgliteDb(dir);
    try {
      assert.deepEqual(await db.query('SELECT v FROM kept'), [{ v: 'earlier result' }]);
    } finally {
      await db.close();
    }
  });

  it('refuses a non-empty folder that never was a database, and leaves its files alone', async () => {
    const dir = join(root, 'someone-elses');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    await assert.rejects(openPgliteDb(dir), (e) => assertClearLine(e, dir, /not empty \(notes\.txt\)/));
    assert.deepEqual(readdirSync(dir), ['notes.txt']);
  });

  it('creates a database in a new or empty folder, with the lock inside it and nothing beside it', async () => {
    const parent = join(root, 'fresh');
    mkdirSync(parent);
    const dir = join(parent, 'data');
    const db = await openPgliteDb(dir);
    try {
      assert.deepEqual(readdirSync(parent), ['data'], 'no lockfile beside the folder');
      assert.ok(existsSync(lockPathFor(dir)));
      assert.ok(existsSync(join(dir, 'PG_VERSION')));
    } finally {
      await db.close();
    }
    assert.ok(!existsSync(lockPathFor(dir)), 'released at close');
  });

  it('says what is wrong with a damaged folder in one line instead of Aborted() / [object Object]', async () => {
    const noControl = copy('no-pg-control');
    unlinkSync(join(noControl, 'global', 'pg_control'));
    await assert.rejects(openPgliteDb(noControl), (e) =>
      assertClearLine(
        e,
        noControl,
        /did not start: PostgreSQL reports "PANIC: could not open file .*global\/pg_control.*restore it from a backup/,
      ),
    );

    const older = copy('pg17');
    writeFileSync(join(older, 'PG_VERSION'), '17\n');
    await assert.rejects(openPgliteDb(older), (e) =>
      assertClearLine(
        e,
        older,
        /FATAL: database files are incompatible with server.*initialized by PostgreSQL version 17.*another PostgreSQL version/,
      ),
    );

    const aFile = join(root, 'a-file');
    writeFileSync(aFile, 'not a folder');
    await assert.rejects(openPgliteDb(aFile), (e) =>
      assertClearLine(e, aFile, /is not a folder.*MIRT_DATA_DIR/),
    );
  });

  it('fails loudly when the folder has been locked for longer than MIRT_LOCK_WARN_AGE_SECS', async (t) => {
    const dir = join(root, 'stuck');
    const held = await acquireFolderLock(dir);
    assert.ok(!('held' in held));
    const saved = process.env.MIRT_LOCK_WARN_AGE_SECS;
    t.after(() => {
      held.release();
      if (saved === undefined) delete process.env.MIRT_LOCK_WARN_AGE_SECS;
      else process.env.MIRT_LOCK_WARN_AGE_SECS = saved;
    });
    // The holder is alive (this process); its note says it took the lock 7 hours ago.
    const since = new Date(Date.now() - 7 * 3600_000).toISOString();
    writeFileSync(`${lockPathFor(dir)}.json`, JSON.stringify({ pid: process.pid, since }));

    delete process.env.MIRT_LOCK_WARN_AGE_SECS; // default 6 h
    await assert.rejects(openPgliteDb(dir), (e) => {
      assert.ok(e instanceof DataDirLockTooOldError, String(e));
      return assertClearLine(
        e,
        dir,
        /in use by process \d+ .* for 7\.0 h, longer than MIRT_LOCK_WARN_AGE_SECS=21600: that run is probably hung/,
      );
    });
    // The job fails (exit 1, one [ERROR] line) instead of "in progress", exit 0, every night.
    const { o, io } = await runOn(dir);
    assert.equal(o.exitCode, 1);
    assert.equal(io.errors.length, 1);
    assert.match(io.errors[0], /^\[ERROR\] cannot open the database: .*that run is probably hung/);
    process.env.MIRT_LOCK_WARN_AGE_SECS = '0'; // never
    await assert.rejects(openPgliteDb(dir), DataDirLockedError);
    process.env.MIRT_LOCK_WARN_AGE_SECS = String(8 * 3600);
    await assert.rejects(openPgliteDb(dir), DataDirLockedError);
    process.env.MIRT_LOCK_WARN_AGE_SECS = '6h';
    await assert.rejects(openPgliteDb(dir), /MIRT_LOCK_WARN_AGE_SECS must be a whole number of seconds/);
  });
});
