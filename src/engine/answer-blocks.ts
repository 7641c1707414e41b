/**
 * The answers a ResponseBuilder holds, in arrival order, in blocks of typed arrays: a block is
 * never copied as the data grows (one array doubled would copy every answer about twice and
 * hold up to twice the room), and only the first block, small for the many builders of a few
 * answers (a request, a test), doubles up to the block size.
 *
 * A block is stored as compactly as its answers allow, because on a large file the memory
 * written for the first time costs more than the work done in it (docs/ENGINE.md, "The answer
 * store and per-user order"): item indices as 16 bits while every one fits (a bank below 65,536
 * items), times as 32-bit offsets from the block's first time (block-times.ts), and, while the
 * answers come grouped by user, users as runs (user-runs.ts). 2 + 1 + 4 bytes an answer (and a
 * few bytes a run) instead of 4 + 4 + 1 + 8.
 */

import { BlockTimes } from './block-times.js';
import { UserRuns } from './user-runs.js';

export const BLOCK_BITS = 16;
/** Answers per block of the builder (the first block starts smaller and doubles up to this). */
export const BLOCK_ROWS = 1 << BLOCK_BITS;
/** Item indices below this fit a Uint16Array. */
const NARROW_ITEMS = 1 << 16;

/** A block's item indices: 16 bits until the builder stores an index of 65,536 or more. */
export type ItemColumn = Uint16Array | Int32Array;

/** The builder's answers in arrival order: answer k is at block k >>> BLOCK_BITS, row k & (BLOCK_ROWS - 1). */
export interface AnswerBlocks {
  /** Per block, the users of its rows, or null while they are held as runs (`runs`). */
  readonly user: (Int32Array | null)[];
  readonly runs: (UserRuns | null)[];
  readonly item: ItemColumn[];
  readonly resp: Uint8Array[];
  /** Per block, null when no answer of the block has a time. */
  readonly time: (BlockTimes | null)[];
  n: number;
  /** Some answer has a time. */
  timed: boolean;
  /** Each user's answers are contiguous, users in index order (a file sorted by user): no sort by user is needed. */
  grouped: boolean;
  /** Some item index does not fit 16 bits: the block holding it and every later one store items as Int32. */
  wideItems: boolean;
}

export function emptyBlocks(): AnswerBlocks {
  return {
    user: [],
    runs: [],
    item: [],
    resp: [],
    time: [],
    n: 0,
    timed: false,
    grouped: true,
    wideItems: false,
  };
}

/** Rows of block `at` that hold answers. */
export function rowsOf(b: AnswerBlocks, at: number): number {
  return Math.min(b.resp[at].length, b.n - at * BLOCK_ROWS);
}

/** Block `at`'s users, row by row: its column, or its runs written out into `scratch` (BLOCK_ROWS long). */
export function usersOf(b: AnswerBlocks, at: number, scratch: Int32Array): Int32Array {
  const col = b.user[at];
  return col !== null ? col : (b.runs[at] as UserRuns).expand(scratch, rowsOf(b, at));
}

/** Row k (the next) of block `at` is user u's. */
export function putUser(b: AnswerBlocks, at: number, k: number, u: number): void {
  const col = b.user[at];
  if (col !== null) col[k] = u;
  else if (!(b.runs[at] as UserRuns).push(u, k, b.resp[at].length)) plainUsers(b, at, k)[k] = u;
}

/** Rows k, k + 1, ... of block `at` are the users src[from, to). */
function putUsers(b: AnswerBlocks, at: number, src: Int32Array, from: number, to: number, k: number): void {
  let col = b.user[at];
  if (col === null) {
    const runs = b.runs[at] as UserRuns;
    const rows = b.resp[at].length;
    let j = from;
    while (j < to && runs.push(src[j], k + j - from, rows)) j++;
    if (j === to) return;
    col = plainUsers(b, at, k + j - from);
    k += j - from;
    from = j;
  }
  col.set(src.subarray(from, to), k);
}

/** Block `at`'s users as a column from now on (its runs too short), rows [0, k) written out. */
function plainUsers(b: AnswerBlocks, at: number, k: number): Int32Array {
  const col = (b.runs[at] as UserRuns).expand(new Int32Array(b.resp[at].length), k);
  b.user[at] = col;
  b.runs[at] = null;
  return col;
}

/** The time of answer k (NaN: unknown). */
export function timeOf(b: AnswerBlocks, k: number): number {
  const t = b.time[k >>> BLOCK_BITS];
  return t === null ? Number.NaN : t.get(k & (BLOCK_ROWS - 1));
}

/**
 * Room for one more answer: a new block, or (while there is one block) the first block doubled,
 * so that a builder of a few answers holds a few kilobytes and a large one copies nothing.
 */
export function growBlocks(b: AnswerBlocks): void {
  const nb = b.resp.length;
  if (nb === 0 || nb > 1 || b.resp[0].length === BLOCK_ROWS) {
    const rows = nb === 0 ? 1024 : BLOCK_ROWS;
    // Runs while the answers come grouped and the last block's runs were long enough.
    const runs = b.grouped && (nb === 0 || b.runs[nb - 1] !== null);
    b.user.push(runs ? null : new Int32Array(rows));
    b.runs.push(runs ? new UserRuns() : null);
    b.item.push(b.wideItems ? new Int32Array(rows) : new Uint16Array(rows));
    b.resp.push(new Uint8Array(rows));
    b.time.push(null);
    return;
  }
  const rows = b.resp[0].length * 2;
  const users = b.user[0];
  if (users !== null) b.user[0] = widen(new Int32Array(rows), users);
  const items = b.item[0];
  b.item[0] =
    items instanceof Int32Array ? widen(new Int32Array(rows), items) : widen(new Uint16Array(rows), items);
  b.resp[0] = widen(new Uint8Array(rows), b.resp[0]);
  b.time[0]?.grow(rows);
}

function widen<T extends Int32Array | Uint16Array | Uint8Array>(to: T, from: T): T {
  to.set(from);
  return to;
}

/**
 * Notes that item index `itemEnd - 1` is about to be stored: from one that does not fit 16
 * bits on, the current block (its items so far copied) and every new one hold Int32.
 */
export function noteItems(b: AnswerBlocks, itemEnd: number): void {
  if (itemEnd > NARROW_ITEMS) b.wideItems = true;
}

/** Block `at`'s item column, made Int32 first when the builder holds wide items. */
export function itemColumn(b: AnswerBlocks, at: number): ItemColumn {
  const col = b.item[at];
  if (b.wideItems && col instanceof Uint16Array) {
    const wide = new Int32Array(col.length);
    wide.set(col);
    b.item[at] = wide;
    return wide;
  }
  return col;
}

/** Block `at`'s times, made when its first answer with a time comes (the rows before it unknown). */
export function timesOf(b: AnswerBlocks, at: number, k: number, first: number): BlockTimes {
  let t = b.time[at];
  if (t === null) {
    t = new BlockTimes(b.resp[at].length, k, first);
    b.time[at] = t;
    b.timed = true;
  }
  return t;
}

/** Answers given by id numbers in bulk: row r is (user[r], item[r], resp[r], time[r]), r < n. */
export interface IndexedRows {
  readonly user: Int32Array;
  readonly item: Int32Array;
  /** 0/1. */
  readonly resp: Uint8Array;
  /** NaN where an answer's time is unknown; null when no row has one. */
  readonly time: Float64Array | null;
  readonly n: number;
}

/**
 * Appends rows to the blocks, a block's stretch at a time (times only where some row has one);
 * the caller has checked the rows and noted their largest item (noteItems).
 */
export function appendRows(b: AnswerBlocks, rows: IndexedRows): void {
  let r = 0;
  while (r < rows.n) {
    let at = b.n >>> BLOCK_BITS;
    let k = b.n & (BLOCK_ROWS - 1);
    if (at === b.resp.length || k === b.resp[at].length) {
      growBlocks(b);
      at = b.n >>> BLOCK_BITS;
      k = b.n & (BLOCK_ROWS - 1);
    }
    const m = Math.min(rows.n - r, b.resp[at].length - k);
    putUsers(b, at, rows.user, r, r + m, k);
    // Into 16 bits only while every index fits (itemColumn widens the block first otherwise).
    itemColumn(b, at).set(rows.item.subarray(r, r + m), k);
    b.resp[at].set(rows.resp.subarray(r, r + m), k);
    const src = rows.time;
    let t = b.time[at];
    if (src !== null) {
      // A batch of unknown times makes no column; the first known one does.
      if (t === null) {
        let f = r;
        while (f < r + m && Number.isNaN(src[f])) f++;
        if (f < r + m) t = timesOf(b, at, k, src[f]);
      }
      t?.putRange(src, r, r + m, k);
    } else t?.unknown(k, k + m);
    b.n += m;
    r += m;
  }
}
