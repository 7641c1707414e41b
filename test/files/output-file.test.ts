/**
 * Output files (files/output-file.ts): whole or not at all for a regular file; a target that is
 * not a regular file (a device, a named pipe) is written in place, never replaced by a file.
 * `fit --output /dev/null` once renamed its temporary file over the machine's /dev/null.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeChunk, writeOutput } from '../../src/files/output-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mirt-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('writeOutput', () => {
  it('a regular file: replaced whole; a failed body leaves the earlier content', async () => {
    const f = join(dir, 'out.json');
    writeFileSync(f, 'earlier');
    await assert.rejects(
      writeOutput(f, async (s) => {
        await writeChunk(s, 'half');
        throw new Error('stopped');
      }),
      /stopped/,
    );
    assert.equal(readFileSync(f, 'utf8'), 'earlier');
    await writeOutput(f, (s) => writeChunk(s, 'new'));
    assert.equal(readFileSync(f, 'utf8'), 'new');
  });

  it('a named pipe stays a pipe, and its reader gets the output', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const copy = join(dir, 'copy');
    // The reader is a process of its own: a pipe's open blocks until the other end opens.
    const reader = spawn('sh', ['-c', `cat "${fifo}" > "${copy}"`]);
    const done = new Promise<number | null>((resolve) => reader.on('exit', resolve));
    try {
      await writeOutput(fifo, (s) => writeChunk(s, '{"ok":true}\n'));
      assert.equal(await done, 0);
      assert.ok(statSync(fifo).isFIFO(), 'the pipe was replaced by a file');
      assert.equal(readFileSync(copy, 'utf8'), '{"ok":true}\n');
    } finally {
      reader.kill();
    }
  });
});
