/**
 * A file's bytes in chunks read into two buffers used in turn: while the consumer works on one
 * chunk, the next is read into the other. A reader that takes each chunk into a new buffer
 * (fs.createReadStream) writes every byte of the file to memory touched for the first time, and
 * on this project's machines the page faults of that cost about as much as lexing the bytes:
 * reading the 10M-answer file (453 MB) alone took 0.42-0.45 s that way against 0.06 s into
 * reused memory (docs/ENGINE.md). A chunk is valid until the next is asked for: its consumer
 * (the CSV lexer) copies what it keeps.
 */
import { open } from 'node:fs/promises';

export async function* fileChunks(path: string, size = 1 << 20): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  let next: Promise<{ bytesRead: number }> | null = null;
  try {
    const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
    let turn = 0;
    next = file.read(buffers[turn], 0, size, null);
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const chunk = buffers[turn].subarray(0, bytesRead);
      turn ^= 1;
      // The other buffer's chunk was handed out before this one and is done with.
      next = file.read(buffers[turn], 0, size, null);
      yield chunk;
    }
  } finally {
    // A consumer that stops early (a CSV error) leaves a read in flight: let it end first.
    await next?.catch(() => undefined);
    await file.close();
  }
}
