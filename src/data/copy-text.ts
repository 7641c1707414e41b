/**
 * Parser for PostgreSQL's COPY ... TO STDOUT text format, fed with the raw chunks of the stream.
 *
 * Why by hand: a row-object-per-row driver API costs 2-3x the time and several times the memory
 * on millions of rows (DESIGN.md "Dependencies"). The format is simple: rows end with \n, fields
 * are separated by \t, NULL is \N, and backslash escapes (\t \n \r \\ \b \f \v, octal \ooo,
 * hex \xhh) stand for bytes inside a field. Fields are handed out as strings (or null) in one
 * reused array, so the caller must copy what it keeps.
 */

import { ByteInterner, FNV_OFFSET, FNV_PRIME } from '../files/byte-interner.js';

/**
 * Text fields up to this many bytes (ids) are interned by a hash of their bytes: one string per
 * distinct value instead of one per row. At 10M rows the two id columns made 20M strings, about
 * a third of the parse (measured: CPU profile of 2M rows); longer values (JSON) stay plain.
 */
const SHORT_TEXT = 64;
const TAB = 9;
const LF = 10;
const BACKSLASH = 92;
const UPPER_N = 78;

export class CopyFormatError extends Error {
  override name = 'CopyFormatError';
}

/**
 * How a field is handed out: `text` as a string; `int` as a number (decimal integer text, parsed
 * from the bytes without making a string); `bool` as 1/0 for t/f (PostgreSQL's boolean text) and
 * true/false/1/0, or as the original string when it is anything else (so the caller can count it
 * as invalid); a ByteInterner (an id column) as the id's index in it, numbered by its bytes, -1
 * for the empty id. NULL is always null. Typed fields matter at 10M rows: each string made, or
 * looked up in a Map, costs time.
 */
export type FieldKind = 'text' | 'int' | 'bool' | ByteInterner;
export type Field = string | number | null;

export class CopyTextParser {
  private rest: Buffer | null = null;
  private readonly fields: Field[];
  private readonly kinds: readonly FieldKind[];
  private readonly nFields: number;
  /** Per text column: short ASCII values are interned by their bytes (see SHORT_TEXT). */
  private readonly interners: (ByteInterner | null)[];
  /** Per column: handed out as an index (an id column), not as its string. */
  private readonly indexed: boolean[];
  /** Rows emitted so far. */
  rows = 0;

  constructor(
    kinds: readonly FieldKind[] | number,
    private readonly onRow: (fields: Field[]) => void,
  ) {
    this.kinds = typeof kinds === 'number' ? new Array<FieldKind>(kinds).fill('text') : kinds;
    this.nFields = this.kinds.length;
    this.fields = new Array<Field>(this.nFields).fill(null);
    this.interners = this.kinds.map((k) =>
      typeof k === 'object' ? k : k === 'text' ? new ByteInterner() : null,
    );
    this.indexed = this.kinds.map((k) => typeof k === 'object');
  }

  push(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    const n = buf.length;
    let lineStart = 0;
    while (lineStart < n) {
      const lineEnd = buf.indexOf(LF, lineStart);
      if (lineEnd < 0) {
        // Keep the incomplete row for the next chunk (copied: the chunk's memory may be reused).
        this.rest = Buffer.from(buf.subarray(lineStart));
        return;
      }
      this.parseLine(buf, lineStart, lineEnd);
      lineStart = lineEnd + 1;
    }
  }

  /**
   * One whole row, newline included, at buf[start..end): what one CopyData message of the
   * protocol holds (copy-out.ts), parsed where it lies, without searching for the line end.
   */
  pushRow(buf: Buffer, start: number, end: number): void {
    if (this.rest) throw new CopyFormatError('COPY row after an incomplete row');
    if (end <= start || buf[end - 1] !== LF)
      throw new CopyFormatError('COPY data message is not one whole row');
    this.parseLine(buf, start, end - 1);
  }

  /** Call once the stream has ended: a row without its newline means a truncated stream. */
  end(): void {
    if (this.rest && this.rest.length > 0) {
      throw new CopyFormatError(`COPY stream ended inside a row (${this.rest.length} bytes left)`);
    }
  }

  /**
   * One row, buf[start..end) without its newline. Each field is read by a loop for its kind that
   * computes the value while it looks for the tab (digits for `int`, one letter for `bool`, the
   * byte hash for a short ASCII `text`), so the common field is touched once; a field that loop
   * cannot finish (an escape, non-ASCII or long text, a number that is not plain digits, NULL)
   * is read again by the general path, `field`.
   */
  private parseLine(buf: Buffer, start: number, end: number): void {
    const fields = this.fields;
    const kinds = this.kinds;
    const n = this.nFields;
    let s = start;
    for (let f = 0; f < n; f++) {
      if (s > end) throw new CopyFormatError(`COPY row has ${f} fields, expected ${n}`);
      const kind = kinds[f];
      let p = s;
      if (kind === 'int') {
        let neg = false;
        if (buf[p] === 0x2d) {
          neg = true;
          p++;
        }
        let v = 0;
        const first = p;
        for (; p < end; p++) {
          const d = buf[p] - 0x30;
          if (d < 0 || d > 9) break;
          v = v * 10 + d;
        }
        if (p > first && p - first <= 15 && (p === end || buf[p] === TAB)) {
          fields[f] = neg ? -v : v;
          s = p + 1;
          continue;
        }
      } else if (kind === 'bool') {
        if (p + 1 === end || buf[p + 1] === TAB) {
          const c = buf[p];
          if (c === 0x74) {
            fields[f] = 1; // t
            s = p + 2;
            continue;
          }
          if (c === 0x66) {
            fields[f] = 0; // f
            s = p + 2;
            continue;
          }
        }
      } else {
        let h = FNV_OFFSET;
        let high = 0;
        for (; p < end; p++) {
          const c = buf[p];
          if (c === TAB || c === BACKSLASH) break;
          high |= c;
          h = Math.imul(h ^ c, FNV_PRIME);
        }
        if (p === end || buf[p] === TAB) {
          const interner = this.interners[f] as ByteInterner;
          if (this.indexed[f]) {
            // Any id (non-ASCII too: the interner decodes UTF-8 once per distinct id).
            fields[f] = p === s ? -1 : interner.internHashed(buf, s, p, h);
            s = p + 1;
            continue;
          }
          if (high < 0x80 && p - s <= SHORT_TEXT) {
            fields[f] = interner.ids[interner.internHashed(buf, s, p, h)];
            s = p + 1;
            continue;
          }
        }
      }
      s = this.field(buf, s, end, f) + 1;
    }
    if (s <= end) throw new CopyFormatError(`COPY row has more than ${n} fields`);
    this.rows++;
    this.onRow(fields);
  }

  /** The general reading of field f starting at s (escapes, NULL, any text); returns its end. */
  private field(buf: Buffer, s: number, end: number, f: number): number {
    let escaped = false;
    let high = 0; // OR of the bytes: < 0x80 means ASCII, where latin1 decoding equals UTF-8 and is cheaper
    let p = s;
    for (; p < end; p++) {
      const ch = buf[p];
      if (ch === TAB) break;
      if (ch === BACKSLASH) {
        escaped = true;
        p++; // the escaped byte can never be a separator
        continue;
      }
      high |= ch;
    }
    if (p > end) p = end; // a backslash as the row's last byte
    const fields = this.fields;
    const kind = this.kinds[f];
    if (p - s === 2 && buf[s] === BACKSLASH && buf[s + 1] === UPPER_N) fields[f] = null;
    else if (typeof kind === 'object') {
      // An id column's escaped id (a tab, a backslash, a line break in it): the rare path.
      fields[f] = escaped ? kind.internString(unescapeField(buf, s, p)) : kind.intern(buf, s, p);
    } else if (escaped) fields[f] = typed(kind, unescapeField(buf, s, p));
    else if (kind === 'int') fields[f] = parseIntBytes(buf, s, p);
    else if (kind === 'bool') fields[f] = parseBoolBytes(buf, s, p);
    else if (high < 0x80 && p - s <= SHORT_TEXT) {
      const interner = this.interners[f] as ByteInterner;
      fields[f] = interner.ids[interner.intern(buf, s, p)];
    } else fields[f] = high < 0x80 ? buf.toString('latin1', s, p) : buf.toString('utf8', s, p);
    return p;
  }
}

function typed(kind: 'text' | 'int' | 'bool', text: string): Field {
  if (kind === 'text') return text;
  const b = Buffer.from(text);
  return kind === 'int' ? parseIntBytes(b, 0, b.length) : parseBoolBytes(b, 0, b.length);
}

/** A decimal integer (optional sign); anything else goes through Number() (NaN when not a number). */
function parseIntBytes(buf: Buffer, s: number, e: number): number {
  let p = s;
  let neg = false;
  if (buf[p] === 0x2d) {
    neg = true;
    p++;
  }
  if (p === e || e - p > 15) return Number(buf.toString('latin1', s, e));
  let v = 0;
  for (; p < e; p++) {
    const d = buf[p] - 0x30;
    if (d < 0 || d > 9) return Number(buf.toString('latin1', s, e));
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** t/f (PostgreSQL's boolean output), true/false, 1/0 -> 1/0; anything else as its text. */
function parseBoolBytes(buf: Buffer, s: number, e: number): Field {
  const len = e - s;
  const c = buf[s] | 0x20;
  if (len === 1) {
    if (c === 0x74 || buf[s] === 0x31) return 1; // t, 1
    if (c === 0x66 || buf[s] === 0x30) return 0; // f, 0
  } else if (len === 4 && c === 0x74 && buf.toString('latin1', s, e).toLowerCase() === 'true') return 1;
  else if (len === 5 && c === 0x66 && buf.toString('latin1', s, e).toLowerCase() === 'false') return 0;
  return buf.toString('utf8', s, e);
}

/** Decodes the backslash escapes of one field (bytes first, then UTF-8, as the server encoded them). */
export function unescapeField(buf: Buffer, start: number, end: number): string {
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  for (let p = start; p < end; p++) {
    const ch = buf[p];
    if (ch !== BACKSLASH || p + 1 >= end) {
      out[o++] = ch;
      continue;
    }
    const e = buf[++p];
    switch (e) {
      case 0x62: // b
        out[o++] = 8;
        break;
      case 0x66: // f
        out[o++] = 12;
        break;
      case 0x6e: // n
        out[o++] = 10;
        break;
      case 0x72: // r
        out[o++] = 13;
        break;
      case 0x74: // t
        out[o++] = 9;
        break;
      case 0x76: // v
        out[o++] = 11;
        break;
      case 0x78: {
        // x: one or two hex digits
        let v = 0;
        let k = 0;
        while (k < 2 && p + 1 < end && isHex(buf[p + 1])) {
          v = v * 16 + hexValue(buf[++p]);
          k++;
        }
        out[o++] = k === 0 ? 0x78 : v;
        break;
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          // octal: one to three digits
          let v = e - 0x30;
          let k = 1;
          while (k < 3 && p + 1 < end && buf[p + 1] >= 0x30 && buf[p + 1] <= 0x37) {
            v = v * 8 + (buf[++p] - 0x30);
            k++;
          }
          out[o++] = v & 0xff;
        } else {
          out[o++] = e; // \\ and any other escaped byte stand for themselves
        }
    }
  }
  return out.toString('utf8', 0, o);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

/** Encodes one value for COPY ... FROM STDIN text format. */
export function copyTextValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Number.POSITIVE_INFINITY) return 'Infinity';
    if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
    return String(v);
  }
  // Fast path: most ids and JSON have nothing to escape.
  if (!/[\\\t\n\r\b\f\v]/.test(v)) return v;
  return v.replace(/[\\\t\n\r\b\f\v]/g, (c) => COPY_ESCAPES[c]);
}

const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
};
