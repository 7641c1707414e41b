/**
 * Worker thread body of csv-halves.ts: reads the second half of a CSV file, behind the file's
 * header line, exactly as the reader on the main thread would, and sends back what it collected
 * (the builder's part, the report, the layout) or the error. Nothing is decided here: the main
 * thread keeps the half only if its own half ended on a record's end at the split.
 */
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { BuilderPart } from '../engine/response-builder.js';
import { type CsvReadOptions, type CsvReadReport, CsvSession } from './csv-responses.js';

export interface HalfTask {
  readonly path: string;
  /** Byte range [start, end) of the file: the second half, starting at a line's start. */
  readonly start: number;
  readonly end: number;
  /** The file's header line, with its line end. */
  readonly header: Uint8Array;
  readonly options: CsvReadOptions;
}

export type HalfReply =
  | {
      readonly ok: true;
      readonly format: 'long' | 'wide' | null;
      readonly part: BuilderPart;
      /** Lines numbered as in the header line plus the half (header = line 1). */
      readonly report: CsvReadReport;
    }
  | { readonly ok: false; readonly message: string };

async function readHalf(task: HalfTask): Promise<HalfReply> {
  try {
    const session = new CsvSession(task.options);
    session.lexer.feed(Buffer.from(task.header));
    await session.feedStream(
      createReadStream(task.path, { start: task.start, end: task.end - 1, highWaterMark: 1 << 20 }),
    );
    session.lexer.finish();
    return {
      ok: true,
      format: session.reader.format,
      part: session.reader.builder.part(),
      report: session.report(),
    };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

if (parentPort) {
  const port = parentPort;
  readHalf(workerData as HalfTask).then((reply) => {
    const buffers = reply.ok
      ? [
          ...reply.part.blocks.user,
          ...reply.part.blocks.item,
          ...reply.part.blocks.resp,
          ...reply.part.blocks.time,
        ]
          .filter((a): a is NonNullable<typeof a> => a !== null)
          .map((a) => a.buffer as ArrayBuffer)
      : [];
    port.postMessage(reply, buffers);
  });
}
