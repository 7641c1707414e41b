/**
 * The row module's 16-byte paths (kernel/long-rows.wat): ids scanned 16 bytes at a time (the
 * field's end at every position of a lane, ids of every length 1..40 across lane boundaries,
 * a quote, a byte above 127, a tab or space at every position), ids compared 16 bytes at a time
 * (the previous row's user, the item's probe, an id differing from another in one byte only),
 * and the two stamp forms read from 16 bytes at once (every byte of them replaced, every
 * length). Each file is read by the module and by the general path alone, which must agree on
 * answers, numbering, hygiene and report; each stamp's time must be parseIsoBytes'.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { IndexedRows } from '../../src/engine/answer-blocks.js';
import type { ResponseBuilder } from '../../src/engine/responses.js';
import { ByteInterner } from '../../src/files/byte-interner.js';
import { PlainLongRows } from '../../src/files/csv-long-rows.js';
import { type CsvReadOptions, readCsvAnswers, readCsvAnswersByLexer } from '../../src/files/csv-responses.js';
import { parseIsoBytes } from '../../src/files/iso-time.js';
import { LONG_ROWS_WASM_BASE64 } from '../../src/files/kernel/long-rows-wasm.js';
import { plainRead } from '../helpers/csv-read.js';

const OPTS: CsvReadOptions = { minItemResponses: 1, duplicatePolicy: 'last' };

/**
 * `b` (HEADER's columns) read by the module and by the lexer alone, which must agree; then again
 * with the first two columns' names swapped, the same bytes read by the module's general row
 * loop (`read`) instead of its loop for the common layout (`readCommon`). The rows of `b` the
 * lexer read.
 */
async function both(b: Buffer, what: string): Promise<number> {
  const read = (r: typeof readCsvAnswers, chunks: Buffer[]) =>
    r(Readable.from(chunks), OPTS).then(plainRead, (e: Error) => ({ error: e.message }));
  assert.equal(b.subarray(0, HEADER.length).toString(), HEADER);
  const swapped = Buffer.concat([Buffer.from(SWAPPED), b.subarray(HEADER.length)]);
  let rows = -1;
  for (const [bytes, layout] of [
    [b, 'the common layout'],
    [swapped, 'the item first'],
  ] as const) {
    const ref = await read(readCsvAnswersByLexer, [bytes]);
    assert.deepEqual(await read(readCsvAnswers, [bytes]), ref, `${what}, ${layout}`);
    // Cut mid-file too: the pass then stops at the end of the bytes, mid-row.
    const half = bytes.length >> 1;
    const cut = [bytes.subarray(0, half), bytes.subarray(half)];
    assert.deepEqual(await read(readCsvAnswers, cut), ref, `${what}, ${layout}, cut`);
    if (rows < 0) rows = (ref as { report?: { rows: number } }).report?.rows ?? 0;
  }
  return rows;
}

/** An id of n bytes: letters and digits, varying with k. */
function id(n: number, k: number): string {
  let s = '';
  for (let j = 0; j < n; j++) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[(j * 7 + k) % 36];
  return s;
}

const HEADER = 'user_id,item_id,is_correct,responded_at\n';
const SWAPPED = 'item_id,user_id,is_correct,responded_at\n';

/** The rows the module takes of `text` (delimiter `;`) read alone, and the time of each. */
function moduleRows(text: string): { rows: number; times: number[] } {
  const times: number[] = [];
  const sink = {
    addRows(r: IndexedRows) {
      for (let k = 0; k < r.n; k++) times.push(r.time === null ? Number.NaN : r.time[k]);
    },
  } as unknown as ResponseBuilder;
  const plain = PlainLongRows.create(sink, new ByteInterner(), new ByteInterner());
  assert.ok(plain, 'this runtime has WebAssembly');
  plain.use({ user: 0, item: 1, correct: 2, time: 3, width: 4 });
  const b = Buffer.from(text);
  return { rows: plain.read(b, 0, b.length, 59), times };
}

describe('the row module, 16 bytes at a time', () => {
  it('ids of every length 1..40, each line end after them, and the same user again', async () => {
    for (let n = 1; n <= 40; n++) {
      const rows: string[] = [];
      for (const end of ['\n', '\r\n', '\r']) {
        // The user repeated (compared in place), the item new then known, and an item one byte off.
        const u = id(n, n);
        // Short rows: the item's field ends the line, and the next line could pass for the rest of a row.
        rows.push(`${u},${id(n, 3)}${end}`);
        rows.push(`${id(n, 4)},0,${end}`);
        rows.push(`${u},${id(n, 1)},1,2026-01-01T10:00:00Z${end}`);
        rows.push(`${u},${id(n, 2)},0,${end}`);
        rows.push(`${u},${id(n, 1)}x,1,2026-01-01${end}`);
        rows.push(`${id(n, n + 1)},${id(n, 1)},0,2026-01-02T10:00:00.5Z${end}`);
        rows.push(`${u},${id(n, 2)},1${end}`);
      }
      const taken = await both(Buffer.from(HEADER + rows.join('')), `ids of ${n} bytes`);
      assert.equal(taken, rows.length);
      assert.equal(
        moduleRows(rows.slice(2, 6).join('').replaceAll(',', ';')).rows,
        4,
        `the module takes ids of ${n} bytes`,
      );
    }
  });

  it('ids that differ in one byte only, at every position up to 40', async () => {
    for (let n = 1; n <= 40; n++) {
      const rows: string[] = [];
      for (let at = 0; at < n; at++) {
        const u = id(n, 5);
        const v = u.slice(0, at) + (u[at] === 'z' ? 'y' : 'z') + u.slice(at + 1);
        rows.push(`${u},${u},1,\n${v},${u},0,\n${v},${v},1,\n${u},${v},0,\n`);
      }
      await both(Buffer.from(HEADER + rows.join('')), `ids of ${n} bytes, one byte apart`);
      assert.equal(
        moduleRows(rows.join('').replaceAll(',', ';')).rows,
        rows.length * 4,
        'all taken by the module',
      );
    }
  });

  it('a quote, a byte above 127, a tab, a space or a delimiter at every position of a 40-byte id', async () => {
    const odd: (string | number)[] = ['"', 0xc3, 0xff, '\t', ' ', ';', '|'];
    for (const c of odd) {
      for (let at = 0; at < 40; at++) {
        for (const n of [at + 1, 17, 40].filter((m) => m > at)) {
          const bytes = Buffer.from(id(n, at));
          bytes[at] = typeof c === 'number' ? c : c.charCodeAt(0);
          const extra = typeof c === 'number' && c === 0xc3 ? Buffer.from([0xa9]) : Buffer.alloc(0);
          const field = Buffer.concat([bytes.subarray(0, at + 1), extra, bytes.subarray(at + 1)]);
          const b = Buffer.concat([
            Buffer.from(`${HEADER}x,i,1,\n`),
            field,
            Buffer.from(',i,1,\ni,'),
            field,
            Buffer.from(',0,\nx,i,0,\n'),
          ]);
          await both(b, `${JSON.stringify(c)} at ${at} of ${n}`);
        }
      }
    }
  });

  it('ids whose hashes are equal are told apart by their bytes (up to 8, 16, and more bytes)', async () => {
    const kernel = new WebAssembly.Instance(
      new WebAssembly.Module(Buffer.from(LONG_ROWS_WASM_BASE64, 'base64')),
      {},
    ).exports as { memory: WebAssembly.Memory; hash(s: number, n: number): number };
    const hashOf = (s: string) => {
      new Uint8Array(kernel.memory.buffer).set(Buffer.from(s), 1024);
      return kernel.hash(1024, s.length);
    };
    // Found by hashing ids in order until two hashes met.
    const pairs = [
      ['c000q9n', 'c0013kl'],
      ['collide-01p7o', 'collide-02qkr'],
      ['a-longer-colliding-id-00000e78', 'a-longer-colliding-id-00002j3a'],
    ];
    for (const [a, b] of pairs) {
      assert.equal(hashOf(a), hashOf(b), `${a} and ${b} share the module's hash`);
      const text = `${HEADER}${a},${a},1,
${b},${a},0,
${b},${b},1,
${a},${b},0,
${a},${a},1,
`;
      await both(Buffer.from(text), `${a} and ${b}`);
      const r = await readCsvAnswers(Readable.from([Buffer.from(text)]), OPTS);
      assert.deepEqual(r.data.userIds, [a, b]);
      assert.deepEqual(r.data.itemIds, [a, b]);
    }
  });

  it("the two stamp forms read at once, every byte replaced, at every length: parseIsoBytes' time or left to the general path", () => {
    const forms = [
      '2026-03-04T05:06:07.089Z',
      '2026-03-04T05:06:07Z',
      '2024-02-29T24:59:60.999Z',
      '1969-12-31T23:59:59Z',
    ];
    const swaps = ['0', '5', '9', ':', '.', ',', 'Z', 'T', 't', ' ', '/', '+', '-', 'a'];
    let taken = 0;
    const check = (form: string, stamp: string) => {
      const ref = parseIsoBytes(Buffer.from(stamp), 0, stamp.length);
      // The stamp first (a date not read before), and after its form (the date read before: the
      // time read in the row loop), with a row after it, so the 16 bytes read past a short stamp
      // are a row's bytes.
      for (const before of ['', `u;i;1;${form}\n`]) {
        const { rows, times } = moduleRows(`${before}u;i;1;${stamp}\nu;i;0;2026-01-01T00:00:00.000Z\n`);
        const at = before === '' ? 0 : 1;
        if (Number.isNaN(ref)) assert.equal(rows, at, `${stamp}: left to the general path`);
        else {
          assert.equal(rows, at + 2, `${stamp}: taken`);
          assert.equal(times[at], ref, stamp);
          taken++;
        }
      }
    };
    for (const form of forms) {
      for (let at = 0; at < form.length; at++) {
        for (const c of swaps) check(form, form.slice(0, at) + c + form.slice(at + 1));
        check(form, form.slice(0, at + 1));
        check(form, `${form.slice(0, at + 1)}9${form.slice(at + 1)}`);
      }
    }
    assert.ok(taken > 300, `most variants are stamps (${taken})`);
  });

  it('stamps of the fast forms in whole files, every line end, cut mid-stamp', async () => {
    const rows: string[] = [];
    for (let h = 0; h < 26; h++) {
      const hh = String(h).padStart(2, '0');
      rows.push(
        `u${h},i${h % 5},1,2026-06-0${1 + (h % 9)}T${hh}:${hh}:${hh}.${hh}7Z${['\n', '\r\n', '\r'][h % 3]}`,
      );
      rows.push(`u${h},i${h % 7},0,2026-06-0${1 + (h % 9)}T${hh}:59:60Z\n`);
    }
    const b = Buffer.from(HEADER + rows.join(''));
    await both(b, 'fast stamps');
    const ref = await readCsvAnswersByLexer(Readable.from([b]), OPTS).then(plainRead);
    for (let at = HEADER.length; at < b.length; at += 5) {
      const got = await readCsvAnswers(Readable.from([b.subarray(0, at), b.subarray(at)]), OPTS).then(
        plainRead,
      );
      assert.deepEqual(got, ref, `cut at ${at}`);
    }
  });
});
