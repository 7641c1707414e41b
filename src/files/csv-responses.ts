/**
 * Reads a CSV of answers into compact response data, chunk by chunk, from bytes: ids interned by
 * a hash of their bytes, 0/1 read from the byte, ISO time stamps parsed from the bytes. Neither
 * the file nor an object per row is held.
 *
 * Two layouts:
 * - long: one answer per row, columns found by name (user_id, item_id, is_correct, optional
 *   responded_at; each renameable; other columns ignored);
 * - wide: mirt's matrix, one row per learner and one column per item, empty/NA = not answered;
 *   the learner id is the user column, else an unnamed first column (R's row names), else the
 *   row number.
 * `auto` takes long when the header names the item and correctness columns, else wide when the
 * first row's cells are all answers (0/1/true/false/NA/empty), else fails naming the columns.
 *
 * Rows that cannot be read are dropped, counted by kind with the line of the first one (the
 * report), and listed in the result's hygiene as rejected rows; never guessed at.
 */
import type { Readable } from 'node:stream';
import {
  parseCorrect,
  ResponseBuilder,
  type ResponseBuilderOptions,
  type ResponseData,
} from '../engine/responses.js';
import { ByteInterner } from './byte-interner.js';
import { CsvInputError } from './csv-errors.js';
import {
  type CsvColumns,
  type CsvFormat,
  chooseLayout,
  DEFAULT_COLUMNS,
  describeDelimiter,
  type LongLayout,
  parseDelimiter,
  type WideLayout,
} from './csv-layout.js';
import { CsvLexer, FIELD_ESCAPED, FIELD_LINE_BREAK, type LexProblem, preview } from './csv-lexer.js';
import { PlainLongRows } from './csv-long-rows.js';
import { fileChunks } from './file-chunks.js';
import { parseIsoBytes } from './iso-time.js';

export { CsvInputError } from './csv-errors.js';
export { type CsvColumns, type CsvFormat, describeDelimiter } from './csv-layout.js';

/** Bytes of a CSV: a stream, or chunks that are each valid until the next is asked for. */
export type CsvSource = Readable | AsyncIterable<Buffer | string>;

export interface CsvReadOptions extends ResponseBuilderOptions {
  format?: CsvFormat;
  /** `,`, `;` or a tab; detected from the header line when absent. */
  delimiter?: string;
  /** Header names of the long layout's columns (case-insensitive). */
  columns?: CsvColumns;
  /** Longest record accepted (default 1 MiB). */
  maxRecordBytes?: number;
}

/** Rows the reader drops, by kind. */
export type RowProblem =
  | LexProblem
  | 'short_row'
  | 'long_row'
  | 'line_break_in_field'
  | 'missing_id'
  | 'invalid_correct';

export interface ProblemCount {
  count: number;
  /** Line of the first such row (1-based, physical lines of the file). */
  firstLine: number;
  /** The offending value of the first one, shortened (invalid values only). */
  example?: string;
}

export interface CsvReadReport {
  format: 'long' | 'wide';
  delimiter: string;
  /** Data rows read (blank lines aside). */
  rows: number;
  problems: Partial<Record<RowProblem, ProblemCount>>;
  /** Time stamps that were neither ISO-8601 nor readable by Date.parse (answer kept, time unknown). */
  unreadableTimes?: ProblemCount;
  /** Wide layout: cells left empty or NA (not answered; not observations). */
  missingCells: number;
}

/** Human words for each kind, for the summary line of `fit`. */
export const PROBLEM_WORDS: Record<RowProblem, string> = {
  short_row: 'with fewer fields than the header',
  long_row: 'with more fields than the header',
  unterminated_quote: 'with an unterminated quote',
  text_after_quote: 'with text after a closing quote',
  line_break_in_field: 'with a line break inside an id or answer',
  missing_id: 'with an empty user or item id',
  invalid_correct: 'with an answer that is not 0/1/true/false',
};

/** Problems the lexer or the row check reject before the builder sees a value. */
const REJECTED_KINDS: readonly RowProblem[] = [
  'short_row',
  'long_row',
  'unterminated_quote',
  'text_after_quote',
  'line_break_in_field',
];

class AnswerReader {
  readonly builder: ResponseBuilder;
  readonly users = new ByteInterner();
  readonly items = new ByteInterner();
  /** The common rows of the long layout, read before the lexer splits them (null: no WebAssembly). */
  readonly plain: PlainLongRows | null;
  readonly problems: Partial<Record<RowProblem, ProblemCount>> = {};
  unreadableTimes: ProblemCount | undefined;
  rows = 0;
  missingCells = 0;
  private header: string[] | null = null;
  private layout: LongLayout | WideLayout | null = null;
  private width = 0;
  private readonly names: Required<CsvColumns>;

  constructor(
    private readonly opts: CsvReadOptions,
    kernel: boolean,
  ) {
    this.builder = new ResponseBuilder(opts);
    this.builder.useIdTables(this.users, this.items);
    this.plain = kernel ? PlainLongRows.create(this.builder, this.users, this.items) : null;
    const c = opts.columns ?? {};
    this.names = {
      user: (c.user ?? DEFAULT_COLUMNS.user).trim().toLowerCase(),
      item: (c.item ?? DEFAULT_COLUMNS.item).trim().toLowerCase(),
      correct: (c.correct ?? DEFAULT_COLUMNS.correct).trim().toLowerCase(),
      time: (c.time ?? DEFAULT_COLUMNS.time).trim().toLowerCase(),
    };
  }

  get format(): 'long' | 'wide' | null {
    return this.layout?.kind ?? null;
  }

  count(kind: RowProblem, line: number, example?: string): void {
    const p = this.problems[kind];
    if (p) p.count++;
    else this.problems[kind] = { count: 1, firstLine: line, ...(example === undefined ? {} : { example }) };
    if (REJECTED_KINDS.includes(kind)) this.builder.reject(kind);
  }

  problem(kind: LexProblem, line: number): void {
    if (this.header === null) {
      throw new CsvInputError(`line ${line}: the header is not valid CSV (${PROBLEM_WORDS[kind]})`);
    }
    this.rows++;
    this.count(kind, line);
  }

  record(lx: CsvLexer, buf: Buffer, nf: number, line: number): void {
    if (this.header === null) {
      this.header = [];
      for (let k = 0; k < nf; k++) this.header.push(lx.fieldText(buf, k).trim());
      this.width = nf;
      return;
    }
    if (this.layout === null) {
      this.layout = chooseLayout(
        {
          header: this.header,
          names: this.names,
          format: this.opts.format ?? 'auto',
          columns: this.opts.columns,
          items: this.items,
        },
        lx,
        buf,
        nf,
        line,
      );
      if (this.layout.kind === 'long') this.plain?.use({ ...this.layout, width: this.width });
    }
    this.rows++;
    if (nf < this.width) {
      this.count('short_row', line);
      return;
    }
    if (nf > this.width) {
      for (let k = this.width; k < nf; k++) {
        if (lx.end[k] > lx.start[k]) {
          this.count('long_row', line);
          return;
        }
      }
    }
    if (this.layout.kind === 'long') this.longRow(lx, buf, line, this.layout);
    else this.wideRow(lx, buf, line, this.layout);
  }

  private longRow(lx: CsvLexer, buf: Buffer, line: number, L: LongLayout): void {
    const fl = lx.flags;
    if ((fl[L.user] | fl[L.item] | fl[L.correct]) & FIELD_LINE_BREAK) {
      this.count('line_break_in_field', line);
      return;
    }
    const u = this.id(this.users, lx, buf, L.user);
    const i = this.id(this.items, lx, buf, L.item);
    if (u < 0 || i < 0) {
      this.count('missing_id', line);
      this.builder.addIndexed(u, i, 1);
      return;
    }
    const x = this.answer(lx, buf, L.correct, line);
    let t: number | undefined;
    if (L.time >= 0) {
      const s = lx.start[L.time];
      const e = lx.end[L.time];
      if (e > s) {
        t = parseIsoBytes(buf, s, e);
        if (Number.isNaN(t)) {
          const text = lx.fieldText(buf, L.time).trim();
          t = Date.parse(text);
          if (Number.isNaN(t)) {
            t = undefined;
            if (text !== '' && text.toLowerCase() !== 'na' && text.toLowerCase() !== 'null') {
              if (this.unreadableTimes) this.unreadableTimes.count++;
              else this.unreadableTimes = { count: 1, firstLine: line, example: preview(text) };
            }
          }
        }
      }
    }
    this.builder.addIndexed(u, i, x, t);
  }

  private wideRow(lx: CsvLexer, buf: Buffer, line: number, L: WideLayout): void {
    let u: number;
    if (L.user >= 0) {
      if (lx.flags[L.user] & FIELD_LINE_BREAK) {
        this.count('line_break_in_field', line);
        return;
      }
      u = this.id(this.users, lx, buf, L.user);
      if (u < 0) {
        this.count('missing_id', line);
        return;
      }
    } else u = this.users.internString(String(this.rows));
    const { itemOf } = L;
    for (let k = 0; k < this.width; k++) {
      const j = itemOf[k];
      if (j < 0) continue;
      const x = this.answer(lx, buf, k, line);
      if (x === null) {
        this.missingCells++;
        continue;
      }
      this.builder.addIndexed(u, j, x);
    }
  }

  /** The index of the trimmed id of field k; -1 when empty. */
  private id(interner: ByteInterner, lx: CsvLexer, buf: Buffer, k: number): number {
    let s = lx.start[k];
    let e = lx.end[k];
    while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
    while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
    if (s === e) return -1;
    if (lx.flags[k] & FIELD_ESCAPED) return interner.internString(lx.fieldText(buf, k).trim());
    return interner.intern(buf, s, e);
  }

  /** 0/1 from field k, null when missing; a text the builder counts as invalid otherwise. */
  private answer(lx: CsvLexer, buf: Buffer, k: number, line: number): 0 | 1 | null | string {
    const s = lx.start[k];
    const e = lx.end[k];
    if (e === s + 1) {
      if (buf[s] === 49) return 1;
      if (buf[s] === 48) return 0;
    }
    if (e === s) return null;
    const text = lx.fieldText(buf, k);
    const x = parseCorrect(text);
    if (x === undefined) {
      this.count('invalid_correct', line, preview(text.trim()));
      return text;
    }
    return x;
  }

  report(delimiter: number): CsvReadReport {
    return {
      format: this.layout?.kind ?? 'long',
      delimiter: describeDelimiter(delimiter),
      rows: this.rows + (this.plain?.rows ?? 0),
      problems: this.problems,
      ...(this.unreadableTimes ? { unreadableTimes: this.unreadableTimes } : {}),
      missingCells: this.missingCells,
    };
  }

  get sawHeader(): boolean {
    return this.header !== null;
  }
}

/** Reads the CSV stream into compact response data, with a report of what was dropped and why. */
export function readCsvAnswers(
  stream: CsvSource,
  options: CsvReadOptions = {},
): Promise<{ data: ResponseData; report: CsvReadReport }> {
  return readAnswers(stream, options, true);
}

/**
 * As readCsvAnswers with every row read by the lexer and the general row reader, none by the
 * WebAssembly kernel (csv-long-rows.ts): the reference the kernel is tested against.
 */
export function readCsvAnswersByLexer(
  stream: CsvSource,
  options: CsvReadOptions = {},
): Promise<{ data: ResponseData; report: CsvReadReport }> {
  return readAnswers(stream, options, false);
}

async function readAnswers(
  stream: CsvSource,
  options: CsvReadOptions,
  kernel: boolean,
): Promise<{ data: ResponseData; report: CsvReadReport }> {
  const reader = new AnswerReader(options, kernel);
  const lexer = new CsvLexer({
    delimiter: parseDelimiter(options.delimiter),
    maxRecordBytes: options.maxRecordBytes,
    onRecord: (lx, buf, nf, line) => reader.record(lx, buf, nf, line),
    onProblem: (kind, line) => reader.problem(kind, line),
    plain: reader.plain ?? undefined,
  });
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    lexer.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  lexer.finish();
  if (!reader.sawHeader) throw new CsvInputError('empty input: no header line');
  if (reader.format === null) throw new CsvInputError('no data rows after the header');
  return { data: reader.builder.build(), report: reader.report(lexer.delimiter ?? 44) };
}

/** Reads the CSV stream into compact response data (hygiene counts included). */
export async function readResponsesCsv(stream: CsvSource, options?: CsvReadOptions): Promise<ResponseData> {
  return (await readCsvAnswers(stream, options)).data;
}

/** A file's chunks (file-chunks.ts), or standard input for `-`. */
export function openInput(path: string): CsvSource {
  return path === '-' ? process.stdin : fileChunks(path);
}
