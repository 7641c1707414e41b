/** Short text fields of COPY are interned by their bytes: the values handed out stay exact. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyTextParser, type Field } from '../../src/data/copy-text.js';

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
});
