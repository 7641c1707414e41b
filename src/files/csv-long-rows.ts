/**
 * The common row of the long layout read in one pass (PlainRecords of csv-lexer.ts): the id
 * fields hashed while their end is looked for, the answer a single 0/1 byte, the time stamp read
 * from its bytes, the answer given to the builder by id numbers. Each byte of the row is read
 * once, and the lexer's field offsets are neither written nor read back (docs/ENGINE.md,
 * "Reading files", has the figures).
 *
 * A row is taken here only when it is read exactly as the general path would read it: no field
 * starts with a quote, the row has the header's number of fields and ends with LF, CRLF or CR,
 * the ids are not empty and do not start or end with a space or tab (the general path trims
 * them), the answer is `0` or `1`, the time stamp is empty or ISO-8601. Anything else stops the
 * pass before that row, which the lexer then reads, counts and reports as usual.
 */
import type { ResponseBuilder } from '../engine/responses.js';
import { type ByteInterner, FNV_OFFSET, FNV_PRIME } from './byte-interner.js';
import type { PlainRecords } from './csv-lexer.js';
import { ISO_MS, isoEnd } from './iso-time.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/** Columns of the long layout (time -1: none). */
export interface LongColumns {
  readonly user: number;
  readonly item: number;
  readonly correct: number;
  readonly time: number;
  readonly width: number;
}

/** Roles of a row's fields (0: a column the reader does not use). */
const USER = 1;
const ITEM = 2;
const CORRECT = 3;
const TIME = 4;

export class PlainLongRows implements PlainRecords {
  end = 0;
  /** Rows read here. */
  rows = 0;
  /** What each field of a row holds (USER, ITEM...); null until the layout is known. */
  private roles: Uint8Array | null = null;

  constructor(
    private readonly builder: ResponseBuilder,
    private readonly users: ByteInterner,
    private readonly items: ByteInterner,
  ) {}

  /** Starts reading rows, once the header and the first row have chosen the long layout. */
  use(columns: LongColumns): void {
    const roles = new Uint8Array(columns.width);
    roles[columns.user] = USER;
    roles[columns.item] = ITEM;
    roles[columns.correct] = CORRECT;
    if (columns.time >= 0) roles[columns.time] = TIME;
    this.roles = roles;
  }

  /**
   * One function, longer than this project's others, on purpose: it is the loop every byte of a
   * 10M-row file goes through, and the values it keeps per row (field ends, hashes, the answer,
   * the time) stay in registers only while they are locals of one compiled function.
   */
  read(buf: Buffer, pos: number, len: number, d: number): number {
    const roles = this.roles;
    if (roles === null) return 0;
    const last = roles.length - 1;
    let count = 0;
    let p = pos;
    // The previous row's user (its index, its bytes in buf): rows come grouped by user, and the
    // same bytes again are known without hashing them or asking the interner.
    let prevUser = -1;
    let prevStart = 0;
    let prevLen = 0;
    rows: while (p < len) {
      let same = false;
      let us = 0;
      let ue = 0;
      let uh = 0;
      let is = 0;
      let ie = 0;
      let ih = 0;
      let x = 0;
      let t = Number.NaN;
      for (let f = 0; f <= last; f++) {
        // p: the field's first byte; c: the byte at p, then the one after the field.
        const s = p;
        if (p >= len) break rows;
        let c = buf[p];
        if (c === QUOTE) break rows;
        const role = roles[f];
        if (role === USER && prevUser >= 0 && p + prevLen < len) {
          let k = 0;
          while (k < prevLen && buf[p + k] === buf[prevStart + k]) k++;
          const after = buf[p + k];
          if (k === prevLen && (after === d || after === LF || after === CR)) {
            same = true;
            us = s;
            p += k;
            c = after;
          }
        }
        if (same && role === USER) {
          // The previous row's user: nothing more to read.
        } else if (role === USER || role === ITEM) {
          let h = FNV_OFFSET;
          while (c !== d && c !== LF && c !== CR) {
            h = Math.imul(h ^ c, FNV_PRIME);
            if (++p >= len) break rows;
            c = buf[p];
          }
          if (p === s || !trimmed(buf[s], buf[p - 1])) break rows;
          if (role === USER) {
            us = s;
            ue = p;
            uh = h;
          } else {
            is = s;
            ie = p;
            ih = h;
          }
        } else if (role === CORRECT) {
          if (c !== 48 && c !== 49) break rows;
          x = c - 48;
          if (++p >= len) break rows;
          c = buf[p];
        } else if (role === TIME && c !== d && c !== LF && c !== CR) {
          p = isoEnd(buf, s, len);
          if (p < 0 || p >= len) break rows;
          t = ISO_MS[0];
          c = buf[p];
        } else {
          while (c !== d && c !== LF && c !== CR) {
            if (++p >= len) break rows;
            c = buf[p];
          }
        }
        if (f < last) {
          if (c !== d) break rows;
          p++;
        } else {
          if (c !== LF && c !== CR) break rows;
          if (c === CR) {
            // CRLF or CR alone: which one is known only from the next byte.
            if (p + 1 >= len) break rows;
            if (buf[p + 1] === LF) p++;
          }
          p++;
        }
      }
      if (!same) {
        prevUser = this.users.internHashed(buf, us, ue, uh);
        prevLen = ue - us;
      }
      prevStart = us;
      this.builder.addIndexed(prevUser, this.items.internHashed(buf, is, ie, ih), x, t);
      count++;
      // Kept in the loop: code after it has not run when the JIT compiles the loop, and would
      // throw the compiled loop away when first reached.
      this.end = p;
      this.rows++;
    }
    return count;
  }
}

/** The general path trims spaces and tabs around an id: such an id is left to it. */
function trimmed(first: number, last: number): boolean {
  return first !== SPACE && first !== TAB && last !== SPACE && last !== TAB;
}
