/**
 * The byte-level CSV reader of file mode: quoting, line ends, layouts, delimiters, column
 * mapping, malformed rows, time stamps; every case also read in small chunks so that records
 * straddle chunk boundaries.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { ResponseData } from '../../src/engine/responses.js';
import { type CsvReadOptions, readCsvAnswers } from '../../src/files/csv-responses.js';
import { parseIsoBytes } from '../../src/files/iso-time.js';
import { referenceDir } from '../helpers/reference.js';

function chunks(text: string | Buffer, size: number): Buffer[] {
  const b = typeof text === 'string' ? Buffer.from(text) : text;
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

const read = (text: string | Buffer, opts?: CsvReadOptions, size = 1 << 20) =>
  readCsvAnswers(Readable.from(chunks(text, size)), opts);

/** The answers as sorted "user|item|x" strings: what a layout or chunking must not change. */
function answers(d: ResponseData): string[] {
  const out: string[] = [];
  for (let u = 0; u < d.nUsers; u++)
    for (let k = d.userPtr[u]; k < d.userPtr[u + 1]; k++)
      out.push(`${d.userIds[u]}|${d.itemIds[d.userItem[k]]}|${d.userResp[k]}`);
  return out.sort();
}

/** Reads with every chunk size from 1 to 17 bytes and checks all agree with one whole read. */
async function readEveryWay(text: string, opts?: CsvReadOptions) {
  const whole = await read(text, opts);
  for (let size = 1; size <= 17; size++) {
    const r = await read(text, opts, size);
    assert.deepEqual(answers(r.data), answers(whole.data), `chunks of ${size}`);
    assert.deepEqual(r.report, whole.report, `report, chunks of ${size}`);
    assert.deepEqual(r.data.hygiene, whole.data.hygiene, `hygiene, chunks of ${size}`);
  }
  return whole;
}

const BASE = ['a|i1|1', 'a|i2|0', 'b|i1|0', 'b|i2|1'];

describe('CSV reader', () => {
  it('quoted fields hold the delimiter, doubled quotes and line breaks', async () => {
    const r = await readEveryWay(
      'user_id,item_id,is_correct,comment\n' +
        '"u,1","say ""hi""",1,"two\nlines, and ""quotes"""\n' +
        '"u,1",i2,0,\n' +
        'u2,"say ""hi""",0,"\r\n"\n' +
        'u2,i2,"1",x\n',
    );
    assert.deepEqual(answers(r.data), ['u,1|i2|0', 'u,1|say "hi"|1', 'u2|i2|1', 'u2|say "hi"|0']);
    assert.deepEqual(r.report.problems, {});
  });

  it('LF, CRLF, CR-only and mixed line ends, and a BOM, read the same', async () => {
    const rows = ['user_id,item_id,is_correct', 'a,i1,1', 'a,i2,0', 'b,i1,0', 'b,i2,1'];
    for (const [name, text] of [
      ['LF', `${rows.join('\n')}\n`],
      ['CRLF', `${rows.join('\r\n')}\r\n`],
      ['CR', `${rows.join('\r')}\r`],
      ['CR, no final line end', rows.join('\r')],
      ['mixed', `${rows[0]}\r\n${rows[1]}\r${rows[2]}\n${rows[3]}\r\n\r\n${rows[4]}`],
      ['BOM', `\uFEFF${rows.join('\r\n')}`],
    ]) {
      const r = await readEveryWay(text);
      assert.deepEqual(answers(r.data), BASE, name);
      assert.deepEqual(r.report.problems, {}, name);
    }
  });

  it('line numbers count CR-only and CRLF line ends and breaks inside quotes', async () => {
    const r = await readEveryWay(
      'user_id,item_id,is_correct\ra,i1,1\r"x\r\ny",i2\ra,i2,0\rb,i1,0\rb,i2,1\rb\r',
    );
    assert.deepEqual(answers(r.data), BASE);
    assert.deepEqual(r.report.problems, {
      short_row: { count: 2, firstLine: 3 },
    });
    assert.equal(r.data.hygiene.dropped.rejected.short_row, 2);
  });

  it("the delimiter is detected from the header (',', ';', tab) or given", async () => {
    for (const d of [',', ';', '\t']) {
      const text =
        ['user_id', 'item_id', 'is_correct'].join(d) +
        '\na,i1,1\na,i2,0\nb,i1,0\nb,i2,1\n'.replaceAll(',', d);
      const r = await readEveryWay(text);
      assert.deepEqual(answers(r.data), BASE, JSON.stringify(d));
    }
    // Decimal commas in an ignored column do not fool the detection of ';'.
    const r = await read('user_id;item_id;is_correct;score\na;i1;1;0,5\na;i2;0;1,5\nb;i1;0;2,5\nb;i2;1;3\n');
    assert.deepEqual(answers(r.data), BASE);
    assert.equal(r.report.delimiter, '";"');
    const given = await read('user_id|item_id\n', { delimiter: ';' }).catch((e: Error) => e);
    assert.match(String(given), /bad header|no data rows/);
  });

  it('maps columns of another export: student_id,question_id,correct,completed_at', async () => {
    const text =
      'student_id,question_id,correct,completed_at\n' +
      'a,i1,0,2026-01-02T10:00:00Z\na,i1,1,2026-01-01T10:00:00Z\na,i2,0,2026-01-01T10:00:00Z\n' +
      'b,i1,0,2026-01-01 10:00:00+00\nb,i2,1,2026-01-01T10:00:00.5+02:00\n';
    const opts = {
      columns: { user: 'student_id', item: 'Question_ID', correct: 'correct', time: 'completed_at' },
    };
    const r = await readEveryWay(text, opts);
    assert.deepEqual(answers(r.data), BASE, 'the earlier of the two answers of a to i1 is kept');
    assert.equal(r.data.hygiene.dropped.duplicate, 1);
    await assert.rejects(read(text), /missing column\(s\) user_id, item_id, is_correct.*--user-col/);
    await assert.rejects(
      read(text, { columns: { ...opts.columns, time: 'when' } }),
      /missing column\(s\) when/,
    );
  });

  it('reads the wide matrix: R row names, NA and empty cells, no id column', async () => {
    const rnames = '"","i1","i2"\n"a",1,0\n"b",0,1\n"c",NA,\n';
    const r = await readEveryWay(rnames);
    assert.equal(r.report.format, 'wide');
    assert.deepEqual(answers(r.data), BASE);
    assert.equal(r.report.missingCells, 2);
    assert.equal(r.data.hygiene.dropped.nullCorrect, 0, 'missing cells are not dropped answers');
    const numbered = await readEveryWay('i1;i2\n1;0\n0;1\n');
    assert.deepEqual(answers(numbered.data), ['1|i1|1', '1|i2|0', '2|i1|0', '2|i2|1']);
    const named = await readEveryWay('i1\tlearner\ti2\n1\ta\t0\n0\tb\tTRUE\n', {
      columns: { user: 'learner' },
    });
    assert.deepEqual(answers(named.data), BASE);
    const forced = await read('user_id,item_id,is_correct\na,1,0\nb,0,1\n', { format: 'wide' });
    assert.deepEqual(answers(forced.data), [
      'a|is_correct|0',
      'a|item_id|1',
      'b|is_correct|1',
      'b|item_id|0',
    ]);
    // A bad cell is counted with its line and value, not read as a learner's answer.
    const bad = await read('"",i1,i2\na,1,0\nb,0,1\nc,1,maybe\n');
    assert.deepEqual(bad.report.problems, { invalid_correct: { count: 1, firstLine: 4, example: 'maybe' } });
  });

  it('the wide LSAT7 reference file reads as the long one', { skip: !existsSync(referenceDir) }, async () => {
    const long = await read(readFileSync(path.join(referenceDir, 'datasets', 'LSAT7.long.csv')));
    const wide = await read(readFileSync(path.join(referenceDir, 'datasets', 'LSAT7.wide.csv')), {}, 4096);
    assert.equal(wide.report.format, 'wide');
    assert.deepEqual(answers(wide.data), answers(long.data));
  });

  it('counts every kind of malformed row, by kind with its first line', async () => {
    const text =
      'user_id,item_id,is_correct,note\n' + // 1
      'a,i1,1,\n' + // 2
      'a,i2\n' + // 3 short
      'a,i2,0,,\n' + // 4 an empty extra field: kept
      'b,i1,0,x,y\n' + // 5 long
      '"b"x,i2,1,\n' + // 6 text after quote
      '"b\nb",i2,1,\n' + // 7-8 line break in an id
      'b,i2,1,\n' + // 9
      ',i2,1,\n' + // 10 missing id
      'b,i3,maybe,\n' + // 11 invalid
      'b,i1,0,"never closed\n' + // 12 unterminated: only this row is lost
      'c,i1,0,\n' + // 13
      'c,i2,0,\n'; // 14
    const r = await readEveryWay(text);
    assert.deepEqual(r.report.problems, {
      short_row: { count: 1, firstLine: 3 },
      long_row: { count: 1, firstLine: 5 },
      text_after_quote: { count: 1, firstLine: 6 },
      line_break_in_field: { count: 1, firstLine: 7 },
      missing_id: { count: 1, firstLine: 10 },
      invalid_correct: { count: 1, firstLine: 11, example: 'maybe' },
      unterminated_quote: { count: 1, firstLine: 12 },
    });
    assert.deepEqual(answers(r.data), ['a|i1|1', 'a|i2|0', 'b|i2|1', 'c|i1|0', 'c|i2|0']);
    assert.deepEqual(r.data.hygiene.dropped.rejected, {
      short_row: 1,
      long_row: 1,
      text_after_quote: 1,
      line_break_in_field: 1,
      unterminated_quote: 1,
    });
    assert.equal(r.data.hygiene.dropped.missingId, 1);
    assert.equal(r.data.hygiene.dropped.invalidCorrect, 1);
  });

  it('a runaway quote in a long file loses only its own row', async () => {
    let text = 'user_id,item_id,is_correct\n';
    for (let u = 0; u < 500; u++) text += `u${u},i1,${u % 2}\nu${u},i2,${(u >> 1) % 2}\n`;
    const broken = text.replace('u7,i1,1\n', 'u7,"i1,1\n');
    const r = await read(broken, { maxRecordBytes: 1000 }, 64);
    assert.deepEqual(r.report.problems, { unterminated_quote: { count: 1, firstLine: 16 } });
    assert.equal(r.data.nObs, 999);
  });

  it('a line without end is refused after maxRecordBytes, with a short message', async () => {
    const giant = `user_id,item_id,is_correct,${'x,'.repeat(100000)}`;
    const err = await read(giant, { maxRecordBytes: 10000 }, 1000).catch((e: Error) => e);
    assert.ok(err instanceof Error);
    assert.match(err.message, /^line 1: no line end within/);
    assert.ok(err.message.length < 300, err.message);
  });

  it('a bad header or an empty file is a clear error with a bounded message', async () => {
    const wideHeader = `${Array.from({ length: 5000 }, (_, k) => `column_${k}`).join(',')}\n${'a,'.repeat(4999)}a\n`;
    const err = await read(wideHeader).catch((e: Error) => e);
    assert.match(String(err), /bad header: missing column\(s\) user_id, item_id, is_correct/);
    assert.ok(String(err).length < 500);
    await assert.rejects(read(''), /empty input/);
    await assert.rejects(read('user_id,item_id,is_correct\n'), /no data rows/);
  });

  it('ISO-8601 stamps read from bytes agree with Date.parse', () => {
    for (const s of [
      '2026-01-02T03:04:05Z',
      '2026-01-02T03:04:05.678Z',
      '2026-01-02T03:04:05.6789+01:30',
      '2026-01-02 03:04:05-05',
      '2026-01-02T03:04:05+0530',
      '1999-12-31T23:59Z',
      '2024-02-29',
      '2026-03-01T00:00:00.1Z',
    ]) {
      const b = Buffer.from(`,${s},`);
      const pg = s.replace(/(:\d\d)([+-]\d\d)$/, '$1$2:00');
      assert.equal(parseIsoBytes(b, 1, b.length - 1), Date.parse(pg), s);
    }
    // Without an offset: UTC (Date.parse would use the local zone; only the order matters).
    const b = Buffer.from('2026-01-02T03:04:05');
    assert.equal(parseIsoBytes(b, 0, b.length), Date.UTC(2026, 0, 2, 3, 4, 5));
    for (const s of [
      '2026-02-30',
      '2025-02-29',
      '2026-1-02',
      'yesterday',
      '2026-01-02T3:04',
      '2026-01-02T03:04:05Q',
    ])
      assert.ok(Number.isNaN(parseIsoBytes(Buffer.from(s), 0, s.length)), s);
  });

  it('time stamps in other forms fall back to Date.parse; unreadable ones are counted', async () => {
    const r = await read(
      'user_id,item_id,is_correct,responded_at\n' +
        'a,i1,1,Jan 2 2026\na,i1,0,Jan 1 2026\na,i2,0,\nb,i1,1,soon\nb,i2,1,NA\n',
    );
    assert.deepEqual(answers(r.data), ['a|i1|0', 'a|i2|0', 'b|i1|1', 'b|i2|1']);
    assert.deepEqual(r.report.unreadableTimes, { count: 1, firstLine: 5, example: 'soon' });
  });
});
