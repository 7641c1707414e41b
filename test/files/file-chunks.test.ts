/**
 * A file read in chunks of two reused buffers (file-chunks.ts, what `fit --input FILE` reads
 * with): the chunks are the file's bytes, and the CSV reader, which copies what it keeps of a
 * chunk, reads such a file exactly as it reads the same bytes in one piece, whatever the chunk
 * size: records, quoted fields with line breaks, a header and records longer than a chunk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { type CsvReadOptions, readCsvAnswers } from '../../src/files/csv-responses.js';
import { fileChunks } from '../../src/files/file-chunks.js';
import { plainRead } from '../helpers/csv-read.js';
import { mulberry32 } from '../helpers/platform.js';

const dir = mkdtempSync(join(tmpdir(), 'file-chunks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Everything a read gives back, as plain values. */
async function readAll(source: Parameters<typeof readCsvAnswers>[0], opts?: CsvReadOptions) {
  return plainRead(await readCsvAnswers(source, opts));
}

/** A long-format file with every kind of record the lexer keeps across chunks. */
function awkwardCsv(rows: number, seed: number): string {
  const rand = mulberry32(seed);
  const lines = ['user_id,item_id,is_correct,responded_at,"a long comment column, quoted"'];
  for (let r = 0; r < rows; r++) {
    const u = `user${Math.floor(rand() * 40)}`;
    const i = rand() < 0.1 ? `"item ""${Math.floor(rand() * 9)}"""` : `item${Math.floor(rand() * 9)}`;
    const x = rand() < 0.05 ? 'maybe' : String(Math.floor(rand() * 2));
    const t = rand() < 0.5 ? `2026-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}T10:00:00Z` : '';
    const note =
      rand() < 0.1
        ? `"line one\nline two, ${'x'.repeat(Math.floor(rand() * 300))}"`
        : rand() < 0.1
          ? 'short'
          : '';
    lines.push([u, i, x, t, note].join(rand() < 0.02 ? ';' : ','));
  }
  return `${lines.join(rand() < 0.5 ? '\n' : '\r\n')}\n`;
}

describe('fileChunks', () => {
  it('yields the bytes of the file in order, each chunk at most the size', async () => {
    const text = awkwardCsv(300, 1);
    const p = file('bytes.csv', text);
    for (const size of [1, 5, 64, 1 << 20]) {
      const copies: Buffer[] = [];
      for await (const c of fileChunks(p, size)) {
        assert.ok(c.length > 0 && c.length <= size);
        copies.push(Buffer.from(c)); // the chunk's memory is read into again later
      }
      assert.equal(Buffer.concat(copies).toString(), text, `size ${size}`);
    }
  });

  it('the CSV reader reads a file in reused chunks as it reads the bytes in one piece', async () => {
    for (const seed of [2, 3, 4]) {
      const text = awkwardCsv(400, seed);
      const p = file(`awkward-${seed}.csv`, text);
      const whole = await readAll(Readable.from([Buffer.from(text)]));
      assert.ok(whole.csr[0].at(-1)! > 100, 'the file has answers');
      for (const size of [1, 2, 3, 7, 16, 61, 300, 4096, 1 << 20]) {
        assert.deepEqual(await readAll(fileChunks(p, size)), whole, `seed ${seed}, chunks of ${size}`);
      }
    }
  });

  it('a header longer than a chunk, and a wide file', async () => {
    const header = ['user_id', ...Array.from({ length: 60 }, (_, k) => `question_${k}`)].join(',');
    const rand = mulberry32(9);
    const rows = Array.from({ length: 50 }, (_, u) =>
      [
        `p${u}`,
        ...Array.from({ length: 60 }, () => (rand() < 0.2 ? 'NA' : String(Math.floor(rand() * 2)))),
      ].join(','),
    );
    const text = `${header}\n${rows.join('\n')}\n`;
    const p = file('wide.csv', text);
    const whole = await readAll(Readable.from([Buffer.from(text)]));
    for (const size of [1, 9, 100, 1 << 20]) assert.deepEqual(await readAll(fileChunks(p, size)), whole);
  });

  it('a missing file is an error naming it, and an early stop closes the file', async () => {
    await assert.rejects(readAll(fileChunks(join(dir, 'absent.csv'))), /ENOENT.*absent\.csv/);
    const p = file('bad.csv', 'user_id,item_id,is_correct\n"unterminated,1,1\n');
    const it = fileChunks(p, 4);
    await it.next();
    await it.return(undefined);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });
});
