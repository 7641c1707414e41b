/**
 * Ids numbered by their bytes are numbered as their strings would be (the numbering the reader
 * had when it interned strings): one index per distinct string, also for bytes that are not
 * UTF-8 (decoded with U+FFFD, so two byte strings can make one string) and for strings that have
 * no UTF-8 form (a lone surrogate).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ByteInterner } from '../../src/files/byte-interner.js';
import { readCsvAnswers } from '../../src/files/csv-responses.js';

const bytes = (...b: number[]) => Buffer.from(b);

describe('ByteInterner', () => {
  it('one index per distinct string, however it arrives', () => {
    const t = new ByteInterner();
    const a = t.intern(bytes(0x75, 0xff), 0, 2); // "u" + a byte that is not UTF-8
    const b = t.intern(bytes(0x75, 0xfe), 0, 2); // another: the same string "u\uFFFD"
    const c = t.intern(bytes(0x75, 0xef, 0xbf, 0xbd), 0, 4); // "u\uFFFD" written out
    assert.equal(b, a);
    assert.equal(c, a);
    assert.equal(t.ids[a], 'u\uFFFD');
    assert.equal(t.intern(bytes(0x75, 0xfe), 0, 2), a, 'again');
    const x = t.intern(Buffer.from('x1'), 0, 2);
    assert.equal(t.internString('x1'), x);
    assert.equal(t.internString('u\uFFFD'), a);
    const lone = t.internString('s\ud800');
    assert.equal(t.ids[lone], 's\ud800', 'a lone surrogate stays itself');
    assert.notEqual(lone, t.internString('s\uFFFD'));
    assert.equal(t.internString('s\ud800'), lone);
    assert.deepEqual(t.ids, ['u\uFFFD', 'x1', 's\ud800', 's\uFFFD']);
  });

  it('keeps every id apart through growth of its table', () => {
    const t = new ByteInterner();
    for (let k = 0; k < 5000; k++) assert.equal(t.internString(`id${k}`), k);
    for (let k = 0; k < 5000; k++) assert.equal(t.intern(Buffer.from(`id${k}`), 0, `id${k}`.length), k);
    assert.equal(t.size, 5000);
  });

  it('ids adopted as one block are numbered as interned ones, found by later look-ups, and checked', () => {
    const names = ['a', 'bb', 'user-12345678901234567890', 'c', 'x1'];
    const t = new ByteInterner();
    assert.equal(t.internString('x0'), 0);
    t.adoptAscii(
      Buffer.from(names.slice(0, 4).join('')),
      Int32Array.from(names.slice(0, 4), (n) => n.length),
    );
    assert.deepEqual(t.ids, ['x0', ...names.slice(0, 4)]);
    for (const [k, n] of names.slice(0, 4).entries()) {
      assert.equal(t.intern(Buffer.from(`..${n}..`), 2, 2 + n.length), k + 1, n);
      assert.equal(t.internString(n), k + 1);
      assert.deepEqual(t.keyBytes(k + 1), new Uint8Array(Buffer.from(n)));
    }
    assert.equal(t.intern(Buffer.from('x1'), 0, 2), 5, 'a new id after them');
    // Enough ids to grow the table and arena within one block.
    const many = Array.from({ length: 20000 }, (_, k) => `m${k}`);
    t.adoptAscii(
      Buffer.from(many.join('')),
      Int32Array.from(many, (n) => n.length),
    );
    for (let k = 0; k < many.length; k += 997) assert.equal(t.internString(many[k]), 6 + k);
    assert.equal(t.size, 6 + many.length);
    // An id the table holds, or a byte above 127: each throws.
    assert.throws(() => t.adoptAscii(Buffer.from('zbb'), Int32Array.of(1, 2)), /id 2 again/);
    assert.throws(() => t.adoptAscii(Buffer.from([0x71, 0xc3, 0xa9]), Int32Array.of(3)), /above 127/);
    assert.throws(() => t.adoptAscii(Buffer.from('qrs'), Int32Array.of(1, 1)), /disagree/);
    // The same id twice among adopted ones: the next look-up, which puts them in the table, throws.
    const u = new ByteInterner();
    u.adoptAscii(Buffer.from('qrq'), Int32Array.of(1, 1, 1));
    assert.throws(() => u.intern(Buffer.from('s'), 0, 1), /id 2 is id 0 again/);
  });

  it('a CSV in another encoding reads two bad bytes as one learner, as strings did', async () => {
    const csv = Buffer.concat([
      Buffer.from('user_id,item_id,is_correct\n'),
      bytes(0x4a, 0xe9),
      Buffer.from(',i1,1\n'),
      bytes(0x4a, 0xe8),
      Buffer.from(',i2,0\nb,i1,0\nb,i2,1\n'),
    ]);
    const { data } = await readCsvAnswers(Readable.from([csv]));
    assert.deepEqual(data.userIds, ['J\uFFFD', 'b']);
    assert.equal(data.nObs, 4);
  });
});
