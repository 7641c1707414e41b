/** Short text fields of COPY are interned by their bytes: the values handed out stay exact. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyTextParser, type Field } from '../../src/data/copy-text.js';
import { ByteInterner } from '../../src/files/byte-interner.js';

function parse(text: string, chunk: number): Field[][] {
  const rows: Field[][] = [];
  const p = new CopyTextParser(['text', 'text', 'bool'], (f) => rows.push([...f]));
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += chunk) p.push(b.subarray(i, i + chunk));
  p.end();
  return rows;
}

describe('COPY text ids', () => {
  it('repeated, boundary-length, escaped and non-ASCII ids read exactly', () => {
    const at64 = 'x'.repeat(64);
    const at65 = 'y'.repeat(65);
    const rows: [string, string, string][] = [];
    for (let k = 0; k < 300; k++) rows.push([`u${k % 7}`, `item${k % 13}`, k % 2 ? 't' : 'f']);
    rows.push([at64, at65, 't'], [at64, 'é', 'f'], ['a\\tb', '\\N', 't'], ['', 'i1', 'f']);
    const text = `${rows.map((r) => r.join('\t')).join('\n')}\n`;
    for (const chunk of [1, 5, 4096]) {
      const got = parse(text, chunk);
      assert.equal(got.length, rows.length);
      for (let k = 0; k < 300; k++) assert.deepEqual(got[k], [`u${k % 7}`, `item${k % 13}`, k % 2 ? 1 : 0]);
      assert.deepEqual(got.slice(300), [
        [at64, at65, 1],
        [at64, 'é', 0],
        ['a\tb', null, 1],
        ['', 'i1', 0],
      ]);
    }
  });

  it('id columns hand out the index of the id in the given table: one per distinct text', () => {
    const users = new ByteInterner();
    const items = new ByteInterner();
    const rows: Field[][] = [];
    const p = new CopyTextParser([users, items, 'bool'], (f) => rows.push([...f]));
    const text =
      'u1\ti1\tt\nu1\ti2\tf\n' + // repeated id
      'é✓\ti1\tt\n' + // non-ASCII, read by its bytes
      `${'z'.repeat(80)}\ti1\tt\n` + // longer than the short text of text columns
      'a\\tb\ti1\tt\n' + // escaped: the id is "a<TAB>b"
      '\\N\t\ti1\n' + // NULL user, empty item
      'u1\ti2\tt\n';
    const b = Buffer.from(text);
    for (let i = 0; i < b.length; i += 3) p.push(b.subarray(i, i + 3));
    p.end();
    const id = (t: ByteInterner, k: Field) => (k === null ? null : k === -1 ? '' : t.ids[k as number]);
    assert.deepEqual(
      rows.map((r) => [id(users, r[0]), id(items, r[1]), r[2]]),
      [
        ['u1', 'i1', 1],
        ['u1', 'i2', 0],
        ['é✓', 'i1', 1],
        ['z'.repeat(80), 'i1', 1],
        ['a\tb', 'i1', 1],
        [null, '', 'i1'],
        ['u1', 'i2', 1],
      ],
    );
    assert.equal(rows[6][0], rows[0][0], 'the same id, the same index');
    assert.equal(rows[5][1], -1, 'the empty id is -1');
    assert.deepEqual(users.ids, ['u1', 'é✓', 'z'.repeat(80), 'a\tb']);
  });
});
