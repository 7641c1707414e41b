/**
 * The WebAssembly reader of common long rows (csv-long-rows.ts, kernel/long-rows.wat) against
 * the general path (the lexer and the general row reader, readCsvAnswersByLexer): random files
 * with odd id bytes, every line end, quotes mid-file, stamps of every accepted form and their
 * near misses, duplicates and rows that fall back, read in chunks of every size, must give the
 * same answers, numbering, hygiene and report. And the kernel's time of each stamp form is
 * parseIsoBytes' to the millisecond, taken only where that form is accepted.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { compileKernel, KERNELS, moduleText } from '../../scripts/build-wasm.js';
import type { IndexedRows } from '../../src/engine/answer-blocks.js';
import type { ResponseBuilder } from '../../src/engine/responses.js';
import { ByteInterner } from '../../src/files/byte-interner.js';
import { PlainLongRows } from '../../src/files/csv-long-rows.js';
import { type CsvReadOptions, readCsvAnswers, readCsvAnswersByLexer } from '../../src/files/csv-responses.js';
import { parseIsoBytes } from '../../src/files/iso-time.js';
import { LONG_ROWS_WASM_BASE64 } from '../../src/files/kernel/long-rows-wasm.js';
import { plainRead } from '../helpers/csv-read.js';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Stamps of every form iso-time.ts accepts, and near misses of each. */
const STAMPS = [
  '2026-01-01',
  '2026-01-01T10:00',
  '2026-01-01t10:00z',
  '2026-01-01 10:00:59',
  '2026-01-01T10:00:60',
  '2026-01-01T24:00',
  '2026-01-01T24:59:59.999+18',
  '2026-01-01T10:00:00.1234567Z',
  '2026-01-01T10:00:00,5',
  '2026-01-01T10:00:00.Z',
  '2026-01-01T10:00:00+05',
  '2026-01-01T10:00:00+0530',
  '2026-01-01T10:00:00-05:30',
  '2026-01-01T10:00:00-05:3',
  '2026-01-01T10:00:00+05:',
  '2026-01-01T10:00:00+19',
  '2026-01-01T10:00:00+05:60',
  '2026-01-01T10:00-00:00',
  '2026-01-01T10:00:00+5',
  '2026-02-29',
  '2024-02-29T12:00Z',
  '2000-02-29',
  '1900-02-29',
  '0000-01-01',
  '0000-03-01T00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-13-01',
  '2026-00-10',
  '2026-04-31',
  '2026-04-30',
  '2026-02-30',
  '2026-01-00',
  '2026-1-01',
  '2026/01/01',
  '2026-01-01T1:00',
  '2026-01-01T10:0',
  '2026-01-01T25:00',
  '2026-01-01T10:60',
  '2026-01-01T10:00:61',
  '2026-01-01T10:00:0',
  '2026-01-01Z',
  '2026-01-01T10:00Zx',
  '2026-01-01T10:00:00+05:30x',
  '2026-01-01X',
  '2026-01-01T',
  ' 2026-01-01',
  '2026-01-01 ',
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  'NA',
  'Jan 5 2026',
  '',
];

/** Ids: short and long (past the kernel's 8-byte compare), padded, empty, non-UTF-8, quotes inside. */
const USERS: (string | number[])[] = [
  'u1',
  'u2',
  'u12345678',
  'u12345679',
  'abcdefgh',
  'abcdefgi',
  'ü4',
  ' u1',
  'u2 ',
  '',
  'a"b',
  [0x75, 0xff],
  [0x75, 0xfe],
  [0x75, 0xef, 0xbf, 0xbd],
  [0xc3, 0xbc, 0x34],
];
const ITEMS: (string | number[])[] = ['i1', 'i2', 'item-number-three', 'i\t4', '', ' i2', [0x69, 0x80], 'ÿ'];
const ANSWERS = ['1', '0', '1', '0', '1', '0', '', 'NA', 'true', 'x', ' 1'];

type Field = string | number[];
const bytesOf = (f: Field) => (typeof f === 'string' ? Buffer.from(f) : Buffer.from(f));

/** A random long-layout file: columns in a random order, some rows quirky, stamps from STAMPS. */
function file(rnd: () => number): Buffer {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const d = pick([',', ';', '\t']);
  const withTime = rnd() < 0.8;
  const cols = [
    'user_id',
    'item_id',
    'is_correct',
    ...(withTime ? ['responded_at'] : []),
    ...(rnd() < 0.4 ? ['note'] : []),
  ];
  // Half the files in the common order (the module's `readCommon`), half in another (its `read`).
  const shuffled = rnd() < 0.5;
  for (let k = cols.length - 1; k > 0 && shuffled; k--) {
    const j = Math.floor(rnd() * (k + 1));
    [cols[k], cols[j]] = [cols[j], cols[k]];
  }
  const parts: Buffer[] = [Buffer.from(cols.join(d)), Buffer.from('\n')];
  // Mostly the common row, with a run of one user at a time (the kernel's same-user shortcut).
  let user: Field = pick(USERS);
  const rows = 20 + Math.floor(rnd() * 120);
  for (let r = 0; r < rows; r++) {
    if (rnd() < 0.3) user = rnd() < 0.7 ? pick(USERS.slice(0, 7)) : pick(USERS);
    const value: Record<string, Field> = {
      user_id: user,
      item_id: rnd() < 0.8 ? pick(ITEMS.slice(0, 3)) : pick(ITEMS),
      is_correct: rnd() < 0.85 ? pick(ANSWERS.slice(0, 6)) : pick(ANSWERS),
      responded_at: rnd() < 0.6 ? pick(STAMPS.slice(0, 12)) : pick(STAMPS),
      note: pick(['', 'n', 'x y']),
    };
    const fields: Buffer[] = cols.map((c) => {
      const b = bytesOf(value[c]);
      const q = rnd();
      // A field quoted mid-file (the lexer's), now and then with the delimiter inside.
      if (q < 0.03) return Buffer.concat([Buffer.from('"'), b, Buffer.from('"')]);
      if (q < 0.04) return Buffer.concat([Buffer.from(`"${d}`), b, Buffer.from('"')]);
      return b;
    });
    const q = rnd();
    if (q < 0.03) fields.length = 2;
    else if (q < 0.06) fields.push(Buffer.from('extra'));
    else if (q < 0.08) fields.push(Buffer.from(''));
    for (let k = 0; k < fields.length; k++) {
      if (k > 0) parts.push(Buffer.from(d));
      parts.push(fields[k]);
    }
    parts.push(Buffer.from(pick(['\n', '\n', '\r\n', '\r'])));
    if (rnd() < 0.03) parts.push(Buffer.from('\n'));
  }
  const all = Buffer.concat(parts);
  // Now and then no line end after the last row.
  return rnd() < 0.3 ? all.subarray(0, all.length - 1) : all;
}

function chunked(b: Buffer, cuts: number[]): Readable {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, b.length]) {
    if (c > at) out.push(b.subarray(at, c));
    at = Math.max(at, c);
  }
  return Readable.from(out);
}

function sized(b: Buffer, size: number): number[] {
  const cuts: number[] = [];
  for (let i = size; i < b.length; i += size) cuts.push(i);
  return cuts;
}

type Reader = typeof readCsvAnswers;

async function outcome(read: Reader, b: Buffer, cuts: number[], opts: CsvReadOptions) {
  try {
    return plainRead(await read(chunked(b, cuts), opts));
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** A builder that keeps what the kernel hands it, and the kernel's rows read alone. */
function kernelTimes(text: string, d: string): { rows: number; times: number[] } {
  const times: number[] = [];
  const users = new ByteInterner();
  const items = new ByteInterner();
  const sink = {
    addRows(r: IndexedRows) {
      for (let k = 0; k < r.n; k++) times.push(r.time === null ? Number.NaN : r.time[k]);
    },
  } as unknown as ResponseBuilder;
  const plain = PlainLongRows.create(sink, users, items);
  assert.ok(plain, 'this runtime has WebAssembly');
  plain.use({ user: 0, item: 1, correct: 2, time: 3, width: 4 });
  const b = Buffer.from(text);
  const rows = plain.read(b, 0, b.length, d.charCodeAt(0));
  return { rows, times };
}

describe('the WebAssembly reader of common long rows', () => {
  it('the committed kernel bytes are the compiled long-rows.wat', async () => {
    const bytes = await compileKernel(KERNELS.longRows);
    assert.ok(moduleText(bytes, KERNELS.longRows).includes(LONG_ROWS_WASM_BASE64));
  });

  it("reads each stamp form to parseIsoBytes' millisecond, and no form it rejects", () => {
    let taken = 0;
    for (const stamp of STAMPS) {
      const { rows, times } = kernelTimes(`u;i;1;${stamp}\n`, ';');
      const ref = parseIsoBytes(Buffer.from(stamp), 0, stamp.length);
      if (stamp === '') {
        assert.equal(rows, 1);
        assert.ok(Number.isNaN(times[0]));
      } else if (Number.isNaN(ref)) {
        assert.equal(rows, 0, `${stamp}: not an accepted form, left to the general path`);
      } else if (rows === 1) {
        assert.equal(times[0], ref, stamp);
        taken++;
      }
    }
    // Every form parseIsoBytes reads to the field's end is one the kernel takes.
    assert.equal(
      taken,
      STAMPS.filter((s) => s !== '' && !Number.isNaN(parseIsoBytes(Buffer.from(s), 0, s.length))).length,
    );
    // With the comma as the delimiter, a decimal comma ends the field: the row has a field more
    // (a long row for the general path), which the kernel leaves to it.
    assert.equal(kernelTimes('u,i,1,2026-01-01T10:00:00,5\n', ',').rows, 0);
    assert.equal(kernelTimes('u,i,1,2026-01-01T10:00:00,5,6\n', ',').rows, 0);
  });

  it('reads what the general path reads on random files, in chunks of every size', async () => {
    const rnd = lcg(14);
    let kernelRows = 0;
    for (let trial = 0; trial < 150; trial++) {
      const b = file(lcg(Math.floor(rnd() * 2 ** 31)));
      const opts: CsvReadOptions = { duplicatePolicy: trial % 2 ? 'last' : 'first', minItemResponses: 1 };
      const ref = await outcome(readCsvAnswersByLexer, b, [], opts);
      for (const size of [1, 3, 7, 64, 1 << 20]) {
        assert.deepEqual(
          await outcome(readCsvAnswers, b, sized(b, size), opts),
          ref,
          `trial ${trial}, chunks of ${size}`,
        );
      }
      const r = await readCsvAnswers(Readable.from([b]), opts).catch(() => null);
      if (r) kernelRows += r.report.rows;
    }
    assert.ok(kernelRows > 5000, 'the files are mostly read');
  });

  it('a small file cut in two at every offset, and in chunks of 1 to 5 bytes', async () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 6; trial++) {
      const b = file(lcg(Math.floor(rnd() * 2 ** 31))).subarray(0, 900);
      const opts: CsvReadOptions = { duplicatePolicy: 'last', minItemResponses: 1 };
      const ref = await outcome(readCsvAnswersByLexer, b, [], opts);
      for (let at = 1; at < b.length; at++) {
        assert.deepEqual(await outcome(readCsvAnswers, b, [at], opts), ref, `trial ${trial}, cut at ${at}`);
      }
      for (let size = 1; size <= 5; size++) {
        assert.deepEqual(
          await outcome(readCsvAnswers, b, sized(b, size), opts),
          ref,
          `trial ${trial}, chunks of ${size}`,
        );
      }
    }
  });

  it('a source that reads each chunk into the same buffer object, chunks of one size', async () => {
    // The kernel keeps a copy of the buffer the lexer offers until the lexer is done with it:
    // the same object refilled must be copied again (the last row of a chunk read by the lexer
    // leaves that copy in place).
    async function* sameObject(b: Buffer, size: number) {
      const buf = Buffer.alloc(size);
      for (let at = 0; at < b.length; at += size) {
        const n = b.copy(buf, 0, at, Math.min(b.length, at + size));
        yield n === size ? buf : buf.subarray(0, n);
      }
    }
    const rnd = lcg(23);
    for (let trial = 0; trial < 40; trial++) {
      const b = file(lcg(Math.floor(rnd() * 2 ** 31)));
      const opts: CsvReadOptions = { duplicatePolicy: 'last', minItemResponses: 1 };
      const ref = await outcome(readCsvAnswersByLexer, b, [], opts);
      for (const size of [7, 16, 61, 300]) {
        const got = await readCsvAnswers(sameObject(b, size), opts).then(
          (r) => ({
            report: r.report,
            hygiene: r.data.hygiene,
            userIds: r.data.userIds,
            itemIds: r.data.itemIds,
            csr: [Array.from(r.data.userPtr), Array.from(r.data.userItem), Array.from(r.data.userResp)],
          }),
          (e: Error) => ({ error: e.message }),
        );
        assert.deepEqual(got, ref, `trial ${trial}, chunks of ${size}`);
      }
    }
  });

  it('numbers ids the same through the growth of its tables, with the lexer numbering some first', async () => {
    // 5,000 users and 3,000 items (the kernel's tables start at 1,024 keys and 16 KiB of id
    // bytes), one row in 50 quoted (the lexer's), ids long and short.
    const lines = ['user_id,item_id,is_correct,responded_at'];
    const rnd = lcg(99);
    for (let r = 0; r < 40000; r++) {
      const u = `user-${Math.floor(rnd() * 5000)}${r % 7 === 0 ? '-with-a-longer-tail' : ''}`;
      const i = `i${Math.floor(rnd() * 3000)}`;
      const q = rnd() < 0.02 ? '"' : '';
      lines.push(
        `${q}${u}${q},${i},${rnd() < 0.5 ? 1 : 0},2026-01-0${1 + (r % 9)}T10:${String(r % 60).padStart(2, '0')}Z`,
      );
    }
    const b = Buffer.from(`${lines.join('\n')}\n`);
    const opts: CsvReadOptions = { minItemResponses: 1 };
    const ref = await outcome(readCsvAnswersByLexer, b, [], opts);
    for (const size of [4096, 1 << 20]) {
      assert.deepEqual(await outcome(readCsvAnswers, b, sized(b, size), opts), ref, `chunks of ${size}`);
    }
  });
});
