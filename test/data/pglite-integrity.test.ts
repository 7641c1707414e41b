/**
 * Damage to the embedded database's files while it is closed is found at the next open, and
 * ordinary use (writes, rewrites, a run killed mid-write) never reads as damage.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPgliteDb } from '../../src/data/pglite-db.js';
import { DatabaseDamagedError } from '../../src/data/pglite-integrity.js';

const PGLITE_DB_TS = resolve(import.meta.dirname, '../../src/data/pglite-db.ts');
const ROWS = 60_000;

describe('embedded database integrity', () => {
  let root: string;
  /** A closed database: table `answers` (ROWS rows, an index on id). */
  let pristine: string;
  let tableFile: string;
  let indexFile: string;
  const copy = (name: string) => {
    const d = join(root, name);
    cpSync(pristine, d, { recursive: true });
    return d;
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'mirt-pglite-integrity-'));
    pristine = join(root, 'pristine');
    const db = await openPgliteDb(pristine);
    await db.query('CREATE TABLE answers (id int PRIMARY KEY, user_id text, correct boolean)');
    await db.query(
      `INSERT INTO answers SELECT g, 'u' || (g % 997), g % 3 = 0 FROM generate_series(1, ${ROWS}) g`,
    );
    const [p] = await db.query<{ t: string; i: string }>(
      "SELECT pg_relation_filepath('answers') AS t, pg_relation_filepath('answers_pkey') AS i",
    );
    tableFile = p.t;
    indexFile = p.i;
    await db.close();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a table file cut to half while closed fails the next open, naming the table', async () => {
    const dir = copy('table-cut');
    const full = statSync(join(dir, tableFile)).size;
    assert.ok(full >= 8 * 8192, `a table of several pages (${full} bytes)`);
    truncateSync(join(dir, tableFile), Math.floor(full / 2));
    await assert.rejects(openPgliteDb(dir), (e) => {
      assert.ok(e instanceof DatabaseDamagedError, String(e));
      assert.match(
        e.message,
        new RegExp(
          `^the embedded database in ${dir} is damaged, .*table answers \\(${tableFile}\\) is ${Math.floor(full / 2)} bytes, ${full} at the last clean close.*restore the folder from a backup`,
        ),
      );
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    // The refusal released the folder and wrote nothing: it is refused again.
    await assert.rejects(openPgliteDb(dir), DatabaseDamagedError);
  });

  it('an index file cut short is found as well', async () => {
    const dir = copy('index-cut');
    truncateSync(join(dir, indexFile), 8192);
    await assert.rejects(openPgliteDb(dir), /index answers_pkey .* is 8192 bytes/);
  });

  it('ordinary sessions never read as damage: growth, deletes, TRUNCATE, a dropped and recreated schema', async () => {
    const dir = copy('ordinary');
    let db = await openPgliteDb(dir);
    await db.query(
      `INSERT INTO answers SELECT g, 'v', true FROM generate_series(${ROWS + 1}, ${ROWS + 5000}) g`,
    );
    await db.query('DELETE FROM answers WHERE id % 2 = 0');
    await db.close();
    db = await openPgliteDb(dir);
    await db.query('TRUNCATE answers');
    await db.query('CREATE TABLE later (x int)');
    await db.close();
    db = await openPgliteDb(dir);
    await db.query('DROP SCHEMA public CASCADE');
    await db.query('CREATE SCHEMA public');
    await db.close();
    db = await openPgliteDb(dir);
    await db.close();
  });

  it('a run killed with SIGKILL mid-write does not read as damage, and its committed rows are kept', async () => {
    const dir = copy('killed');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import(${JSON.stringify(PGLITE_DB_TS)}).then(async (m) => {
           const db = await m.openPgliteDb(${JSON.stringify(dir)});
           await db.query("INSERT INTO answers SELECT g, 'committed', true FROM generate_series(${ROWS + 1}, ${ROWS + 20000}) g");
           process.stdout.write('committed\\n');
           await new Promise((r) => setTimeout(r, 50));
           await db.query("INSERT INTO answers SELECT g, 'in flight', true FROM generate_series(${ROWS + 20001}, ${ROWS + 5000000}) g");
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((ok, fail) => {
      child.stdout.once('data', () => ok());
      child.once('exit', (code) => fail(new Error(`writer exited with ${code} before committing`)));
    });
    await new Promise((r) => setTimeout(r, 300)); // into the big insert
    await new Promise<void>((ok) => {
      child.once('exit', () => ok());
      child.kill('SIGKILL');
    });
    const db = await openPgliteDb(dir);
    try {
      const [r] = await db.query<{ committed: number; in_flight: number }>(
        "SELECT count(*) FILTER (WHERE user_id = 'committed')::int AS committed, count(*) FILTER (WHERE user_id = 'in flight')::int AS in_flight FROM answers",
      );
      assert.deepEqual(r, { committed: 20000, in_flight: 0 });
    } finally {
      await db.close();
    }
  });

  it('a damaged byte inside a page fails the read (data checksums are on)', async () => {
    const dir = copy('flipped');
    const fd = openSync(join(dir, tableFile), 'r+');
    const b = Buffer.alloc(1);
    const at = 3 * 8192 + 4000; // inside the tuples of the fourth page
    readSync(fd, b, 0, 1, at);
    b[0] ^= 0xff;
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);
    const db = await openPgliteDb(dir);
    try {
      const [c] = await db.query<{ on: string }>("SELECT current_setting('data_checksums') AS on");
      assert.equal(c.on, 'on');
      await assert.rejects(db.query('SELECT count(*) FROM answers'), /invalid page in block 3/);
    } finally {
      await db.close();
    }
  });
});
