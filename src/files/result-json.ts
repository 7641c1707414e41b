/**
 * Writes a JSON value to a stream piece by piece: large arrays (the abilities of every learner)
 * go out in batches of elements, so a result never becomes one string (Node cannot make a
 * string past ~512 MiB, and the 10M-answer run's abilities alone approach that). The bytes are
 * exactly JSON.stringify's.
 */
import type { Writable } from 'node:stream';
import { writeChunk } from './output-file.js';

/** Arrays longer than this are streamed element by element (in batches). */
const STREAM_ARRAYS_OVER = 1000;
const BATCH = 4096;
/** Pieces (keys, small values) are gathered up to this many characters per write to the stream. */
const GATHER = 1 << 16;

export async function writeJson(out: Writable, value: unknown): Promise<void> {
  // One write per key and per small value was some 200 writes for a result: gathered, a few.
  let pending = '';
  await writeValue(value, async (s) => {
    pending += s;
    if (pending.length < GATHER) return;
    const piece = pending;
    pending = '';
    await writeChunk(out, piece);
  });
  if (pending) await writeChunk(out, pending);
}

async function writeValue(value: unknown, write: (s: string) => Promise<void>): Promise<void> {
  if (Array.isArray(value) && value.length > STREAM_ARRAYS_OVER) {
    // A batch of elements is JSON.stringify's text of that slice without its brackets: the same
    // elements, commas and nulls for what it cannot represent, from one call instead of one each.
    for (let k = 0; k < value.length; k += BATCH) {
      const batch = JSON.stringify(value.slice(k, k + BATCH));
      await write(`${k === 0 ? '[' : ','}${batch.slice(1, -1)}`);
    }
    await write(']');
    return;
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  ) {
    let first = true;
    await write('{');
    for (const [k, v] of Object.entries(value)) {
      // The keys JSON.stringify leaves out.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      await write(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      await writeValue(v, write);
    }
    await write('}');
    return;
  }
  await write(JSON.stringify(value));
}
