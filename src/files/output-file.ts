/**
 * Output files of file mode, written whole or not at all: into a temporary file beside the
 * target, renamed over it when complete, so a failed run leaves an earlier result in place.
 */
import { once } from 'node:events';
import { constants, createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Writes a piece, waiting while the stream's buffer is full; a failed stream throws its error. */
export async function writeChunk(out: Writable, s: string): Promise<void> {
  if (out.errored) throw out.errored;
  if (out.write(s)) return;
  // The loser's listeners are removed (abort), or every full buffer would leave two behind.
  const done = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: done.signal }),
      once(out, 'close', { signal: done.signal }),
    ]);
  } finally {
    done.abort();
  }
  if (out.errored) throw out.errored;
}

/** Fails now (before any work) when the file's folder cannot be written. */
export async function checkWritable(file: string): Promise<void> {
  await access(path.dirname(path.resolve(file)), constants.W_OK);
}

export async function writeOutput(file: string, body: (out: Writable) => Promise<void>): Promise<void> {
  if (file === '-') {
    await body(process.stdout);
    return;
  }
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const out = createWriteStream(tmp);
  try {
    await once(out, 'open');
    await body(out);
    out.end();
    await finished(out);
    await rename(tmp, target);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}
