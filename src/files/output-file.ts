/**
 * Output files of file mode, written whole or not at all: into a temporary file beside the
 * target, renamed over it when complete, so a failed run leaves an earlier result in place.
 * A target that exists and is not a regular file (/dev/null, /dev/stdout, a named pipe) is
 * written in place: renaming over it would replace the device with a file (as root, the
 * machine's own /dev/null).
 */
import { once } from 'node:events';
import { constants, createWriteStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
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
  if (await isSpecialFile(target)) {
    const out = quiet(createWriteStream(target, { flags: 'w' }));
    try {
      await once(out, 'open');
      await body(out);
      out.end();
      await finished(out);
    } catch (e) {
      out.destroy();
      throw e;
    }
    return;
  }
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const out = quiet(createWriteStream(tmp));
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

/**
 * A stream whose errors reach the caller through writeChunk (out.errored) and finished(): the
 * listener only keeps a write still pending when the stream is destroyed after a failure from
 * becoming an uncaught exception.
 */
function quiet<T extends Writable>(out: T): T {
  out.on('error', () => {});
  return out;
}

/** The path exists and is not a regular file (a device, a pipe, a socket). */
async function isSpecialFile(target: string): Promise<boolean> {
  try {
    return !(await stat(target)).isFile();
  } catch {
    return false;
  }
}
