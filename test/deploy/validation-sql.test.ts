/**
 * The SQL of the README ("Validation SQL") and of docs/DEPLOYMENT.md (rollback) runs unchanged on
 * the tables a real job run creates, and the README's "Tables" section lists their real columns.
 * The job runs as the operator runs it (the bin, in a child process) on the embedded PGlite
 * database, twice, on a small platform with an `attempt` VIEW.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../src/data/db.js';
import { openPgliteDb } from '../../src/data/pglite-db.js';
import { codeBlocks, codeSpans, section, tableRows } from './docs.js';
import { ROOT, read } from './repo.js';

const dir = join(mkdtempSync(join(tmpdir(), 'mirt-docs-sql-')), 'data');
let versions: string[] = [];

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openPgliteDb(dir);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function runJob(): string {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/job/cli.ts'), '--data-dir', dir],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    },
  );
  assert.equal(r.status, 0, `job failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /Calibration upsert completed\./);
  return r.stdout;
}

before(async () => {
  await withDb(async (db) => {
    // 300 learners x 20 items, 2PL-like answers spread over 20 days, behind an `attempt` VIEW.
    await db.query(`CREATE TABLE attempt_log (
      student_id text NOT NULL, item_id integer NOT NULL, correct boolean, completed_at timestamptz NOT NULL)`);
    await db.query('SELECT setseed(0.42)');
    await db.query(`INSERT INTO attempt_log
      SELECT 'u' || u, i,
             random() < 1 / (1 + exp(-(0.8 + (i % 4) * 0.3) * (((u % 21) - 10) / 4.0 - ((i % 11) - 5) / 3.0))),
             now() - (u % 20) * interval '1 day' - i * interval '1 minute'
        FROM generate_series(1, 300) u, generate_series(1, 20) i`);
    await db.query(
      'CREATE VIEW attempt AS SELECT student_id, item_id, correct, completed_at FROM attempt_log',
    );
  });
  runJob();
  runJob();
  versions = await withDb(async (db) =>
    (await db.query<{ version: string }>('SELECT DISTINCT version FROM mirt_ability ORDER BY version')).map(
      (r) => r.version,
    ),
  );
});

after(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

describe('README "Validation SQL" runs on the real tables', () => {
  const blocks = codeBlocks(section(read('README.md'), 'Validation SQL'), 'sql');
  test('there are the seed checks and the latest-version checks', () => {
    assert.ok(blocks.length >= 6);
    assert.ok(blocks.some((b) => b.includes('-- Coverage check')));
  });
  for (const sql of blocks) {
    test(sql.split('\n')[0], async () => {
      const rows = await withDb((db) => db.query<Record<string, unknown>>(sql));
      assert.ok(rows.length > 0, 'returns rows');
      if (sql.includes('-- Latest run: items and abilities written')) {
        assert.equal(rows[0].version, versions[versions.length - 1]);
        assert.equal(Number(rows[0].items), 20);
        assert.equal(Number(rows[0].abilities), 300);
      }
      if (sql.includes('-- Latest run: coverage')) {
        assert.equal(Number(rows[0].items_answered), 20);
        assert.equal(Number(rows[0].coverage_pct), 100);
      }
      if (sql.includes('-- History')) assert.equal(rows.length, 2, 'two runs, two versions');
      if (sql.includes('-- Coverage check')) assert.equal(Number(rows[0].items_calibrated), 20);
      if (sql.includes('-- Newest estimate of every learner')) {
        assert.equal(rows.length, 300, 'one row per learner');
        assert.ok(rows.every((r) => r.version === versions[versions.length - 1]));
      }
    });
  }
});

test('docs/DEPLOYMENT.md rollback SQL restores an earlier version into mirt_item_params', async () => {
  assert.equal(versions.length, 2);
  const [sql] = codeBlocks(section(read('docs/DEPLOYMENT.md'), '6. Rollback'), 'sql');
  const literal = /'(v\d{8}T\d{9}Z)'/.exec(sql);
  assert.ok(literal, 'the example names a version literal');
  await withDb(async (db) => {
    // PGlite runs one statement per query: strip BEGIN/COMMIT and run the INSERT in a transaction.
    const insert = sql
      .replace(/\bBEGIN;|\bCOMMIT;/g, '')
      .replace(literal[1], versions[0])
      .trim()
      .replace(/;$/, '');
    await db.transaction((tx) => tx.query(insert));
    const rows = await db.query<{ version: string }>('SELECT DISTINCT version FROM mirt_item_params');
    assert.deepEqual(
      rows.map((r) => r.version),
      [versions[0]],
    );
  });
});

test('README "Tables" lists the real columns of each table', async () => {
  const rows = tableRows(section(read('README.md'), 'Tables'));
  assert.ok(rows.length >= 4);
  await withDb(async (db) => {
    for (const [tableCell, columnsCell] of rows) {
      const table = codeSpans(tableCell)[0];
      // Column names are the code spans outside parentheses (inside: jsonb contents).
      const documented = codeSpans(columnsCell.replace(/\([^)]*\)/g, '')).sort();
      const real = (
        await db.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name`,
          [table],
        )
      ).map((r) => r.column_name);
      assert.ok(real.length > 0, `${table} exists`);
      assert.deepEqual(documented, [...real].sort(), table);
    }
  });
});
