/**
 * A file read on two cores (csv-halves.ts) gives exactly what reading it in one pass gives: the
 * same data (ids, their numbering, answers, hygiene) and the same report (rows, each problem's
 * count and first line, unreadable times), with problems, duplicates and users on both sides
 * of the split; and where the split falls inside a quoted field, the worker's half is dropped
 * and the result is still the one-pass one.
 */
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCsvFile } from '../../src/files/csv-halves.js';
import { type CsvReadOptions, readCsvAnswers } from '../../src/files/csv-responses.js';
import { mulberry32 } from '../helpers/platform.js';

const dir = mkdtempSync(join(tmpdir(), 'mirt-halves-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Rows grouped by user, with a problem of each kind now and then, on both halves. */
function answersFile(seed: number, users: number): string {
  const rand = mulberry32(seed);
  const lines = ['user_id,item_id,is_correct,responded_at'];
  for (let u = 0; u < users; u++) {
    for (let k = 0; k < 12; k++) {
      const item = `item${Math.floor(rand() * 60)}`;
      const x = rand() < 0.6 ? '1' : '0';
      const t = `2026-03-${String(1 + (k % 28)).padStart(2, '0')}T10:00:00Z`;
      const r = rand();
      if (r < 0.004)
        lines.push(`u${u},${item}`); // short row
      else if (r < 0.008)
        lines.push(`u${u},${item},maybe,${t}`); // invalid answer
      else if (r < 0.012)
        lines.push(`,${item},1,${t}`); // missing user id
      else if (r < 0.016)
        lines.push(`u${u},${item},${x},last tuesday`); // unreadable time
      else if (r < 0.02)
        lines.push(`"u${u}","${item}",${x},${t}`); // quoted ids
      else if (r < 0.024)
        lines.push(`u${u},${item},,${t}`); // no answer
      else lines.push(`u${u},${item},${x},${t}`);
    }
    // A user seen again far away, in the other half (and a duplicate answer of theirs).
    if (u % 97 === 0) lines.push(`u${(u * 7919) % users},item1,1,2026-03-20T10:00:00Z`);
  }
  return `${lines.join('\n')}\n`;
}

async function bothWays(path: string, options: CsvReadOptions = {}) {
  const halves = await readCsvFile(path, options, 1);
  const once = await readCsvAnswers(createReadStream(path), options);
  return { halves, once };
}

function assertSame(
  a: Awaited<ReturnType<typeof readCsvAnswers>>,
  b: Awaited<ReturnType<typeof readCsvAnswers>>,
) {
  assert.deepEqual(a.report, b.report);
  assert.deepEqual(a.data.userIds, b.data.userIds);
  assert.deepEqual(a.data.itemIds, b.data.itemIds);
  assert.deepEqual(a.data.hygiene, b.data.hygiene);
  assert.deepEqual(a.data.userPtr, b.data.userPtr);
  assert.deepEqual(a.data.userItem, b.data.userItem);
  assert.deepEqual(a.data.userResp, b.data.userResp);
}

test('two halves read as one pass: data, numbering, hygiene, problems and their lines', async () => {
  const path = join(dir, 'answers.csv');
  writeFileSync(path, answersFile(7, 3000));
  for (const duplicatePolicy of ['first', 'last'] as const) {
    const { halves, once } = await bothWays(path, { duplicatePolicy });
    assert.equal(halves.threads, 2, 'the worker half was used');
    assertSame(halves, once);
    const p = once.report.problems;
    assert.ok(
      p.short_row && p.invalid_correct && once.report.unreadableTimes,
      'every kind of problem occurs',
    );
    assert.ok(once.data.hygiene.dropped.duplicate > 0 && once.data.hygiene.dropped.missingId > 0);
  }
});

test('a problem only in the second half keeps its line in the file', async () => {
  const rows = ['user_id,item_id,is_correct'];
  for (let u = 0; u < 2000; u++) rows.push(`u${u},i${u % 7},${u % 2}`);
  rows[1500] = 'u1499,i1,yes';
  const path = join(dir, 'late-problem.csv');
  writeFileSync(path, `${rows.join('\r\n')}\r\n`);
  const { halves, once } = await bothWays(path);
  assert.equal(halves.threads, 2);
  assert.equal(once.report.problems.invalid_correct?.firstLine, 1501);
  assertSame(halves, once);
});

test('a split inside a quoted field: the worker half is dropped, the result is the one-pass one', async () => {
  const rows = ['user_id,item_id,is_correct'];
  for (let u = 0; u < 300; u++) rows.push(`u${u},i${u % 5},${u % 2}`);
  // A quoted id holding many line ends, across the middle of the file.
  rows.push(`"note\n${'x,\n'.repeat(3000)}end",i1,1`);
  for (let u = 300; u < 320; u++) rows.push(`u${u},i${u % 5},${u % 2}`);
  const path = join(dir, 'quoted-middle.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  const { halves, once } = await bothWays(path);
  assert.equal(halves.threads, 1, 'the half could not be trusted');
  assert.equal(once.report.problems.line_break_in_field?.count, 1);
  assertSame(halves, once);
});

test('small files and wide files are read on one thread', async () => {
  const path = join(dir, 'small.csv');
  writeFileSync(path, 'user_id,item_id,is_correct\na,i1,1\nb,i1,0\n');
  assert.equal((await readCsvFile(path)).threads, 1);
  const wide = join(dir, 'wide.csv');
  writeFileSync(
    wide,
    `${['i1,i2', ...Array.from({ length: 400 }, (_, k) => `${k % 2},${(k >> 1) % 2}`)].join('\n')}\n`,
  );
  const { halves, once } = await bothWays(wide, { format: 'wide' });
  assert.equal(halves.threads, 1);
  assertSame(halves, once);
});
