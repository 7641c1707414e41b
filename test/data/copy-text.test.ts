/** The hand-written COPY text parser: escapes, NULLs, rows and characters split across chunks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyFormatError, CopyTextParser, copyTextValue, type Field } from '../../src/data/copy-text.js';

function parseAll(chunks: Buffer[], nFields: number | ('text' | 'int' | 'bool')[]): Field[][] {
  const rows: Field[][] = [];
  const p = new CopyTextParser(nFields, (f) => rows.push([...f]));
  for (const c of chunks) p.push(c);
  p.end();
  return rows;
}

describe('COPY text parser', () => {
  const text = 'u1\tq1\tt\t1700000000000\nu2\t\\N\tf\t\\N\n\\N\tq\\t3\ttrue\t1.5\n';
  const want = [
    ['u1', 'q1', 't', '1700000000000'],
    ['u2', null, 'f', null],
    [null, 'q\t3', 'true', '1.5'],
  ];

  it('parses rows, NULLs and escaped tabs', () => {
    assert.deepEqual(parseAll([Buffer.from(text)], 4), want);
  });

  it('gives the same rows however the stream is cut, including inside a UTF-8 character', () => {
    const bytes = Buffer.from(`é\tü€\tt\t1\n${text}`);
    const all = parseAll([bytes], 4);
    assert.deepEqual(all, [['é', 'ü€', 't', '1'], ...want]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const rows = parseAll([bytes.subarray(0, cut), bytes.subarray(cut)], 4);
      assert.deepEqual(rows, all, `cut at ${cut}`);
    }
  });

  it('decodes every backslash escape PostgreSQL emits', () => {
    const rows = parseAll([Buffer.from('a\\\\b\\nc\\rd\\be\\ff\\vg\\101\\x42\n')], 1);
    assert.deepEqual(rows, [['a\\b\nc\rd\be\ff\vgAB']]);
  });

  it('rejects a row with the wrong number of fields and a truncated stream', () => {
    assert.throws(() => parseAll([Buffer.from('a\tb\n')], 3), CopyFormatError);
    assert.throws(() => parseAll([Buffer.from('a\tb\tc\td\n')], 3), CopyFormatError);
    assert.throws(() => parseAll([Buffer.from('a\tb')], 2), CopyFormatError);
  });

  it('hands out int and bool fields as numbers, keeping text that is not one', () => {
    const rows = parseAll(
      [
        Buffer.from(
          't\t1795558609877\nf\t-42\ntrue\t\\N\nFALSE\t1.5\n1\t0\nmaybe\tx\n\\N\t12345678901234567\n',
        ),
      ],
      ['bool', 'int'],
    );
    assert.deepEqual(rows, [
      [1, 1795558609877],
      [0, -42],
      [1, null],
      [0, 1.5],
      [1, 0],
      ['maybe', Number.NaN],
      [null, Number('12345678901234567')],
    ]);
  });

  it('reads each kind alike whether its field takes the quick loop or the general one', () => {
    // Quick: plain digits, t/f, short ASCII text. General: escapes, NULL, other spellings, signs,
    // 16+ digits, non-ASCII and long text, empty fields.
    const long = 'x'.repeat(100);
    const rows = `7\tt\tab\n-0\tT\ta\\tb\n1234567890123456\t1\t\\N\n\\N\t\\N\té\n\tf\t${long}\n+5\tF\t\n`;
    const kinds: ('text' | 'int' | 'bool')[] = ['int', 'bool', 'text'];
    const want = [
      [7, 1, 'ab'],
      [-0, 1, 'a\tb'],
      [1234567890123456, 1, null],
      [null, null, 'é'],
      [0, 0, long],
      [5, 0, ''],
    ];
    assert.deepEqual(parseAll([Buffer.from(rows)], kinds), want);
    // The same rows handed one whole row at a time, as the socket reader does (copy-out.ts).
    const out: Field[][] = [];
    const p = new CopyTextParser(kinds, (f) => out.push([...f]));
    const b = Buffer.from(rows);
    for (let s = 0, e = b.indexOf(10); e >= 0; s = e + 1, e = b.indexOf(10, s)) p.pushRow(b, s, e + 1);
    assert.deepEqual(out, want);
    assert.throws(() => p.pushRow(Buffer.from('1\tt\tx'), 0, 5), CopyFormatError);
  });

  it('encodes values for COPY FROM so that they parse back unchanged', () => {
    const values = [
      'plain',
      'tab\there',
      'new\nline',
      'back\\slash',
      '{"a": "q\\"x"}',
      null,
      1.25,
      -0,
      1e-300,
    ];
    const line = `${values.map(copyTextValue).join('\t')}\n`;
    const rows = parseAll([Buffer.from(line)], values.length);
    assert.deepEqual(
      rows[0],
      values.map((v) => (v === null ? null : String(v))),
    );
  });
});
