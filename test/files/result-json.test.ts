/** The streamed JSON writer gives JSON.stringify's bytes, large arrays going out in batches. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { writeChunk } from '../../src/files/output-file.js';
import { writeJson } from '../../src/files/result-json.js';

class Collect extends Writable {
  parts: string[] = [];
  // A small buffer, so that the writer has to wait for 'drain'.
  constructor() {
    super({ highWaterMark: 64 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.parts.push(chunk.toString());
    setImmediate(cb);
  }
}

describe('streamed JSON', () => {
  it('writes what JSON.stringify writes, in pieces', async () => {
    const value = {
      item_params: [{ item_id: 'i"1', params: { a: 1.5, b: -0.25 }, se: { a: null }, skip: undefined }],
      // Elements JSON.stringify writes as null, in the first batch and past it.
      abilities: Array.from({ length: 10_000 }, (_, u) =>
        u === 7
          ? undefined
          : u === 5000
            ? () => u
            : { user_id: `u${u}`, theta: u / 7, se: u % 3 === 0 ? null : 0.3, gone: undefined },
      ),
      fit_meta: { metrics: { logLik: -1234.5, nested: [1, 'two', null, undefined] }, fn: () => 1 },
      date: new Date(0),
    };
    const out = new Collect();
    await writeJson(out, value);
    out.end();
    await finished(out);
    assert.ok(out.parts.length > 3, 'written in several pieces');
    const got = out.parts.join('');
    const want = JSON.stringify(value);
    let k = 0;
    while (k < want.length && got[k] === want[k]) k++;
    assert.ok(got === want, `differs at ${k}: ${got.slice(k - 40, k + 40)} / ${want.slice(k - 40, k + 40)}`);
  });
});

describe('waiting for drain', () => {
  it('leaves no listener behind, however often the buffer fills', async () => {
    const out = new Collect();
    for (let k = 0; k < 50; k++) await writeChunk(out, 'x'.repeat(100));
    assert.equal(out.listenerCount('drain'), 0);
    assert.equal(out.listenerCount('close'), 0);
    assert.ok(out.listenerCount('error') <= 1, `${out.listenerCount('error')} error listeners`);
    out.end();
    await finished(out);
  });
});
