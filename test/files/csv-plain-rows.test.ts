/**
 * The one-pass reader of common long rows (csv-long-rows.ts) reads exactly what the lexer and
 * the general row reader read: the same answers, ids numbered in the same order, the same
 * hygiene and the same report (problem lines included). A file is read as it is, where the
 * one-pass reader takes the rows it can, and with its user field quoted, which the one-pass
 * reader never takes (a field that starts with a quote is the lexer's): quoting a field that
 * holds no quote, delimiter or line end does not change its value.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readCsvAnswers } from '../../src/files/csv-responses.js';
import { plainRead } from '../helpers/csv-read.js';

function chunks(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

async function read(b: Buffer, size: number) {
  return plainRead(await readCsvAnswers(Readable.from(chunks(b, size))));
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

const USERS = ['u1', 'u2', 'u3', ' u1', 'u2 ', '', 'ü4', 'u\t5'];
const ITEMS = ['i1', 'i2', 'i3', 'i4', '', ' i2'];
const ANSWERS = ['1', '0', '1', '0', '', 'NA', 'true', 'x', ' 1'];
const TIMES = [
  '2026-01-01T10:00:00.000Z',
  '2026-01-01T09:00:00Z',
  '2026-01-02 10:00',
  '2026-01-01T10:00:00+02:00',
  '2026-01-01T10:00:00.5-0130',
  '',
  'Jan 5 2026',
  'garbage',
  '2026-02-30T00:00:00Z',
  '2026-01-01T10:00:00+02:3',
  // A decimal comma: with the comma as the delimiter the field ends there (a long row).
  '2026-01-01T10:00:00,5',
];

/** Rows of the long layout with every quirk the general reader treats (fields never quoted). */
function file(rnd: () => number, d: string, nl: string, quoteUser: boolean): Buffer {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const lines = [['user_id', 'item_id', 'is_correct', 'responded_at', 'note'].join(d)];
  for (let r = 0; r < 80; r++) {
    const user = pick(USERS).replace('\t', d === '\t' ? 'x' : '\t');
    const f = [quoteUser ? `"${user}"` : user, pick(ITEMS), pick(ANSWERS), pick(TIMES), pick(['', 'n'])];
    const q = rnd();
    if (q < 0.04) f.length = 2;
    else if (q < 0.08) f.push('extra');
    else if (q < 0.1) f.push('');
    lines.push(f.join(d));
    if (rnd() < 0.04) lines.push('');
  }
  return Buffer.from(lines.join(nl) + (rnd() < 0.5 ? nl : ''));
}

describe('the one-pass reader of common rows', () => {
  it('reads what the general reader reads, answers, numbering, hygiene and report', async () => {
    const rnd = lcg(3);
    for (let trial = 0; trial < 120; trial++) {
      const d = [',', ';', '\t'][trial % 3];
      const nl = ['\n', '\r\n', '\r'][Math.floor(trial / 3) % 3];
      const state = Math.floor(rnd() * 2 ** 31);
      const plain = file(lcg(state), d, nl, false);
      const quoted = file(lcg(state), d, nl, true);
      for (const size of [5, 64, 1 << 20]) {
        assert.deepEqual(
          await read(plain, size),
          await read(quoted, size),
          `trial ${trial}, chunks of ${size}`,
        );
      }
    }
  });
});
