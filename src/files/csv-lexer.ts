/**
 * The byte-level CSV lexer of file mode: chunks of bytes in, records out as field offsets into
 * a buffer (no string per field, no array per row).
 *
 * Reads RFC 4180 and what real exports add to it: quoted fields with the delimiter, doubled
 * quotes and line breaks inside; LF, CRLF and CR-only line ends (mixed too); a UTF-8 BOM; `,`,
 * `;` or tab as the delimiter (detected from the header line unless given). A quote inside an
 * unquoted field is an ordinary character.
 *
 * Linear time on any input. A record that has not ended is re-lexed from its start when more
 * bytes arrive, but only after the bytes waiting have doubled (so the re-lexing sums to a
 * constant factor), and no record may grow past `maxRecordBytes`: a file without any line end
 * fails after that many bytes instead of being searched over and over.
 *
 * An unterminated quote (a stray `"` at the start of a field, with no closing quote before the
 * end of the file or within `maxRecordBytes`) would swallow the rest of the file into one field.
 * The record it opened is reported as a problem and lexing resumes after the first line end
 * inside that quote, so only that row is lost. Re-lexing cannot run away again over the same
 * bytes: quotes there are all in doubled pairs (else the field would have closed), and such a
 * pair read from its first quote closes at once.
 */
import { CsvInputError } from './csv-errors.js';

/** The field was quoted. */
export const FIELD_QUOTED = 1;
/** The quoted field holds doubled quotes: decode with `fieldText`, not the raw bytes. */
export const FIELD_ESCAPED = 2;
/** The quoted field holds a line break. */
export const FIELD_LINE_BREAK = 4;

export type LexProblem = 'unterminated_quote' | 'text_after_quote';

export interface LexerOptions {
  /** Byte of the delimiter, or undefined to detect `,` `;` or tab from the header line. */
  delimiter?: number;
  maxRecordBytes?: number;
  /** One record: fields [start[k], end[k]) of `buf` with `flags[k]`, k < nFields; `line` 1-based. */
  onRecord(lexer: CsvLexer, buf: Buffer, nFields: number, line: number): void;
  onProblem(kind: LexProblem, line: number): void;
  /** Reads the plain records of a buffer before the lexer does (see PlainRecords). */
  plain?: PlainRecords;
}

/**
 * A reader of the common record, offered the bytes before the lexer takes them: it reads whole
 * records of one line each that need none of the lexer's care (no quote, a line end present),
 * and stops at the first record it does not take, which the lexer then lexes (and reports) as
 * usual before offering the rest again. Reading the values in the same pass as finding the
 * field ends is what makes the common file fast: the lexer's field offsets are not written and
 * read back, and no call is made per record.
 */
export interface PlainRecords {
  /** Reads records from buf[pos, len) with the delimiter d; returns how many (0: none). */
  read(buf: Buffer, pos: number, len: number, d: number): number;
  /** Where the last record read by `read` ended (past its line end). */
  end: number;
  /**
   * The buffer of the calls since the last `done` will not be offered again (its memory may be
   * reused for the next chunk): whatever was kept of it, or known about it, is let go.
   */
  done(): void;
}

export const DEFAULT_MAX_RECORD_BYTES = 1 << 20;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const DELIMITERS = [44, 59, 9]; // , ; tab

export class CsvLexer {
  start = new Int32Array(64);
  end = new Int32Array(64);
  flags = new Uint8Array(64);
  /** The detected (or given) delimiter byte; undefined until the first bytes arrive. */
  delimiter: number | undefined;
  private readonly maxRecord: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private need = 0;
  private line = 1;
  private started = false;

  constructor(private readonly opts: LexerOptions) {
    this.delimiter = opts.delimiter;
    this.maxRecord = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /**
   * Lexes what `chunk` completes. The lexer keeps no view of `chunk` once this returns (what it
   * keeps of an unfinished record it copies), so the caller may read the next bytes into the
   * same memory (file-chunks.ts does: a new buffer per chunk cost more in page faults than the
   * lexing of its bytes).
   */
  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let rest = chunk;
    const cut = this.pending.length === 1 && this.started ? carriedEnd(this.pending[0], chunk) : 0;
    if (cut > 0) {
      // The record carried from the last chunk ends at the chunk's first line end: lex it on
      // its own, so that the chunk is lexed where it lies instead of copied behind the carry.
      this.pending[0] = Buffer.concat([this.pending[0], chunk.subarray(0, cut)]);
      this.pendingLen = this.pending[0].length;
      this.run(false);
      rest = chunk.subarray(cut);
      if (rest.length === 0) return;
    }
    this.pendingLen += rest.length;
    if (this.pendingLen >= this.need) {
      this.pending.push(rest);
      this.run(false);
    } else this.pending.push(Buffer.from(rest)); // kept past this call: a copy (see feed's comment)
  }

  finish(): void {
    this.run(true);
  }

  /** The text of field k of the current record (doubled quotes undone). */
  fieldText(buf: Buffer, k: number): string {
    const s = buf.toString('utf8', this.start[k], this.end[k]);
    return this.flags[k] & FIELD_ESCAPED ? s.replaceAll('""', '"') : s;
  }

  private run(final: boolean): void {
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLen = 0;
    if (!this.started) {
      // The delimiter is detected from the whole header line: wait for its end.
      if (!final && buf.indexOf(LF) < 0 && buf.indexOf(CR) < 0 && buf.length < 1 << 16) {
        this.keep(Buffer.from(buf));
        return;
      }
      this.started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      this.delimiter ??= detectDelimiter(buf, this.maxRecord);
    }
    const d = this.delimiter as number;
    const special = this.special(d);
    const len = buf.length;
    let pos = 0;
    let line = this.line;
    let recLine = line;
    const plain = this.opts.plain;
    records: while (pos < len) {
      if (plain !== undefined) {
        const read = plain.read(buf, pos, len, d);
        if (read > 0) {
          line += read;
          pos = plain.end;
          if (pos >= len) break;
        }
      }
      const recStart = pos;
      recLine = line;
      let nf = 0;
      let i = pos;
      let fStart = i;
      let bad = false;
      for (;;) {
        // Unquoted bytes: the hot loop, one table look-up per byte (a quote only matters at
        // the start of a field).
        let c = 0;
        for (;;) {
          i = scanPlain(buf, i, len, special);
          if (i >= len) break;
          c = buf[i];
          if (c !== QUOTE || i === fStart) break;
          i++;
        }
        if (i >= len) {
          if (!final) break records;
          this.push(nf++, fStart, i, 0);
          this.emit(buf, nf, recLine, bad);
          pos = len;
          continue records;
        }
        if (c === d) {
          this.push(nf++, fStart, i, 0);
          fStart = ++i;
          continue;
        }
        if (c === QUOTE) {
          // A quoted field: find its closing quote, counting the line breaks inside.
          let j = i + 1;
          let fl = FIELD_QUOTED;
          let breakAt = -1;
          let breakLine = 0;
          let inner = 0;
          for (;;) {
            if (j + 1 >= len && !final) break records;
            if (j >= len) {
              // The end of the file inside a quote.
              this.opts.onProblem('unterminated_quote', recLine);
              if (breakAt < 0) {
                pos = len;
                line = recLine + inner;
                continue records;
              }
              pos = afterBreak(buf, breakAt, len);
              line = breakLine + 1;
              continue records;
            }
            const q = buf[j];
            if (q === QUOTE) {
              if (buf[j + 1] === QUOTE) {
                fl |= FIELD_ESCAPED;
                j += 2;
                continue;
              }
              break;
            }
            if (q === LF || q === CR) {
              if (breakAt < 0) {
                breakAt = j;
                breakLine = recLine + inner;
              }
              fl |= FIELD_LINE_BREAK;
              inner++;
              if (q === CR && buf[j + 1] === LF) j++;
            }
            j++;
            if (j - recStart > this.maxRecord && breakAt >= 0) {
              // Runaway quote: give up on this record, resume after the first break inside.
              this.opts.onProblem('unterminated_quote', recLine);
              pos = afterBreak(buf, breakAt, len);
              line = breakLine + 1;
              continue records;
            }
          }
          this.push(nf, i + 1, j, fl);
          line += inner;
          i = j + 1;
          const next = i < len ? buf[i] : LF;
          if (next !== d && next !== LF && next !== CR) {
            // `"ab"cd`: not CSV. The record is reported, not guessed at.
            bad = true;
            while (i < len && buf[i] !== d && buf[i] !== LF && buf[i] !== CR) i++;
            if (i >= len && !final) break records;
          }
          nf++;
          if (i >= len) {
            this.emit(buf, nf, recLine, bad);
            pos = len;
            continue records;
          }
          if (buf[i] === d) {
            fStart = ++i;
            // A delimiter right before the end of the buffer: the next field is empty or unread.
            if (i >= len) {
              if (!final) break records;
              this.push(nf++, i, i, 0);
              this.emit(buf, nf, recLine, bad);
              pos = len;
              continue records;
            }
            continue;
          }
          c = buf[i];
        } else {
          this.push(nf++, fStart, i, 0);
        }
        // A line end: LF, CRLF or CR.
        if (c === CR) {
          if (i + 1 >= len && !final) break records;
          if (buf[i + 1] === LF) i++;
        }
        pos = i + 1;
        line++;
        this.emit(buf, nf, recLine, bad);
        continue records;
      }
    }
    this.line = line;
    plain?.done();
    if (pos < len) {
      // An unfinished record: keep its bytes, lex it again once twice as many are waiting.
      this.line = line = recLine;
      const rest = buf.subarray(pos);
      if (rest.length > this.maxRecord) {
        throw new CsvInputError(
          `line ${line}: no line end within ${this.maxRecord >> 20} MiB (it starts "${preview(rest)}"); ` +
            'an answers file has one row per line, ended by LF, CRLF or CR',
        );
      }
      this.keep(Buffer.from(rest));
    }
  }

  private table: Uint8Array | null = null;

  /** 1 for the bytes that end an unquoted run: the delimiter, CR, LF and the quote. */
  private special(d: number): Uint8Array {
    if (this.table === null) {
      this.table = new Uint8Array(256);
      for (const c of [d, LF, CR, QUOTE]) this.table[c] = 1;
    }
    return this.table;
  }

  private keep(rest: Buffer): void {
    this.pending = [rest];
    this.pendingLen = rest.length;
    this.need = rest.length * 2;
  }

  private push(k: number, s: number, e: number, fl: number): void {
    if (k === this.start.length) {
      const n = k * 2;
      const s2 = new Int32Array(n);
      s2.set(this.start);
      this.start = s2;
      const e2 = new Int32Array(n);
      e2.set(this.end);
      this.end = e2;
      const f2 = new Uint8Array(n);
      f2.set(this.flags);
      this.flags = f2;
    }
    this.start[k] = s;
    this.end[k] = e;
    this.flags[k] = fl;
  }

  private emit(buf: Buffer, nf: number, line: number, bad: boolean): void {
    if (bad) this.opts.onProblem('text_after_quote', line);
    else if (nf > 1 || this.end[0] > this.start[0] || this.flags[0] !== 0)
      this.opts.onRecord(this, buf, nf, line);
    // else: a blank line.
  }
}

/** The first byte at or after i that `special` marks (len when none): a small, hot function. */
function scanPlain(buf: Buffer, i: number, len: number, special: Uint8Array): number {
  while (i < len && special[buf[i]] === 0) i++;
  return i;
}

/**
 * Where the record carried over in `carry` ends in the next chunk, when that is plain: past the
 * chunk's first line end, with no quote before it in either (a quote could open a field that
 * holds line ends). 0 when not known so simply.
 */
function carriedEnd(carry: Buffer, chunk: Buffer): number {
  if (carry.indexOf(QUOTE) >= 0) return 0;
  let end = chunk.indexOf(LF);
  const cr = chunk.indexOf(CR, 0);
  if (cr >= 0 && (end < 0 || cr < end)) {
    // CR alone or CRLF: the byte after it tells, and must be in this chunk.
    if (cr + 1 >= chunk.length) return 0;
    end = chunk[cr + 1] === LF ? cr + 1 : cr;
  }
  if (end < 0 || chunk.subarray(0, end).indexOf(QUOTE) >= 0) return 0;
  return end + 1;
}

function afterBreak(buf: Buffer, at: number, len: number): number {
  return buf[at] === CR && at + 1 < len && buf[at + 1] === LF ? at + 2 : at + 1;
}

/** The delimiter is the most frequent of `,` `;` tab outside quotes on the first line (`,` if none). */
export function detectDelimiter(buf: Buffer, limit: number): number {
  const counts = [0, 0, 0];
  let quoted = false;
  const n = Math.min(buf.length, limit);
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === LF || c === CR)) break;
    else if (!quoted) {
      const k = DELIMITERS.indexOf(c);
      if (k >= 0) counts[k]++;
    }
  }
  let best = 0;
  for (let k = 1; k < 3; k++) if (counts[k] > counts[best]) best = k;
  return DELIMITERS[best];
}

/** At most 60 characters of some input, control characters shown as escapes. */
export function preview(b: Buffer | string, max = 60): string {
  const s = typeof b === 'string' ? b.slice(0, max + 1) : b.toString('utf8', 0, Math.min(b.length, max * 4));
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  let out = '';
  for (const ch of cut) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 32) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}
