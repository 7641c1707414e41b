/**
 * A CSV file of answers read on two cores: this thread reads the first half while a worker
 * (csv-half-worker.ts) reads the second, behind the file's header line; the worker's answers are
 * then appended after this thread's, ids numbered in the same order, problems and their lines
 * added, so that the data and the report are those of reading the file in one pass.
 *
 * The split is the first line end after the middle of the file. A line end is a record's end
 * unless it lies inside a quoted field, which only the first half's reader can know: the worker's
 * half is kept only when this thread's reader ends exactly at the split on a record's end, else
 * it is dropped and this thread reads on to the end. Taken only where it pays and is simple: a
 * file (not standard input) of 16 MiB or more, a header line without quotes, the long layout on
 * both sides. Reading the 10M-row bench file: ENGINE.md, "Reading files".
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ResponseData } from '../engine/responses.js';
import { siblingModule, startModuleWorker } from '../host/module-worker.js';
import type { HalfReply, HalfTask } from './csv-half-worker.js';
import {
  type AnswerReader,
  type CsvReadOptions,
  type CsvReadReport,
  CsvSession,
  openInput,
  readCsvAnswers,
} from './csv-responses.js';

/** Below this a second thread costs more than it saves (its start-up is ~30 ms). */
export const HALVES_FROM_BYTES = 16 << 20;
const LF = 10;
const QUOTE = 34;
const CHUNK = 1 << 20;

/** Reads the CSV file at `path` ('-': standard input), on two cores where that pays. */
export async function readCsvFile(
  path: string,
  options: CsvReadOptions = {},
  minBytes = HALVES_FROM_BYTES,
): Promise<{ data: ResponseData; report: CsvReadReport; threads: 1 | 2 }> {
  const split = path === '-' || options.format === 'wide' ? null : await findSplit(path, minBytes);
  if (split === null) return { ...(await readCsvAnswers(openInput(path), options)), threads: 1 };
  const task: HalfTask = { path, start: split.at, end: split.size, header: split.header, options };
  const worker = startModuleWorker(siblingModule(import.meta.url, 'csv-half-worker'), { workerData: task });
  const half = new Promise<HalfReply>((resolve) => {
    worker.once('message', (m: HalfReply) => resolve(m));
    worker.once('error', (e) => resolve({ ok: false, message: e.message }));
    worker.once('exit', () => resolve({ ok: false, message: 'the worker ended without an answer' }));
  });
  const session = new CsvSession(options);
  let threads: 1 | 2 = 1;
  try {
    await session.feedStream(createReadStream(path, { start: 0, end: split.at - 1, highWaterMark: CHUNK }));
    const whole = session.lexer.atRecordEnd() && session.reader.format === 'long';
    const got = whole ? await half : null;
    if (got?.ok && got.format === 'long') {
      appendHalf(session.reader, got.report, got, session.lexer.nextLine - 2);
      threads = 2;
    } else await session.feedStream(createReadStream(path, { start: split.at, highWaterMark: CHUNK }));
  } finally {
    await worker.terminate();
  }
  session.finish();
  return { ...session.result(), threads };
}

interface Split {
  /** Where the second half starts: just past the first line end after the middle. */
  readonly at: number;
  readonly size: number;
  readonly header: Uint8Array;
}

/** The split of the file, or null: too small, no plain header line, no line end near the middle. */
async function findSplit(path: string, minBytes: number): Promise<Split | null> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < minBytes) return null;
    const head = Buffer.alloc(Math.min(CHUNK, size));
    await fh.read(head, 0, head.length, 0);
    const headerEnd = head.indexOf(LF);
    if (headerEnd < 0 || head.subarray(0, headerEnd).includes(QUOTE)) return null;
    const mid = Math.floor(size / 2);
    const around = Buffer.alloc(Math.min(CHUNK, size - mid));
    await fh.read(around, 0, around.length, mid);
    const lf = around.indexOf(LF);
    if (lf < 0 || mid + lf + 1 >= size) return null;
    return { at: mid + lf + 1, size, header: Uint8Array.from(head.subarray(0, headerEnd + 1)) };
  } finally {
    await fh.close();
  }
}

/**
 * The worker's half after this reader's: answers and counts appended, rows added, each problem
 * kind counted on with the line of its first case (this half's, else the worker's moved by
 * `lineOffset`: its lines count the header line as line 1).
 */
function appendHalf(
  reader: AnswerReader,
  report: CsvReadReport,
  got: Extract<HalfReply, { ok: true }>,
  lineOffset: number,
): void {
  reader.builder.appendPart(got.part);
  reader.rows += report.rows;
  for (const [kind, p] of Object.entries(report.problems) as [
    keyof typeof report.problems,
    NonNullable<(typeof report.problems)[keyof typeof report.problems]>,
  ][]) {
    const mine = reader.problems[kind];
    if (mine) mine.count += p.count;
    else reader.problems[kind] = { ...p, firstLine: p.firstLine + lineOffset };
  }
  const t = report.unreadableTimes;
  if (t) {
    if (reader.unreadableTimes) reader.unreadableTimes.count += t.count;
    else reader.unreadableTimes = { ...t, firstLine: t.firstLine + lineOffset };
  }
}
