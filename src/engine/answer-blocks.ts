/**
 * The answers a ResponseBuilder holds, in arrival order, in blocks of typed arrays: a block is
 * never copied as the data grows (one array doubled would copy every answer about twice and
 * hold up to twice the room), and only the first block, small for the many builders of a few
 * answers (a request, a test), doubles up to the block size.
 */

export const BLOCK_BITS = 16;
/** Answers per block of the builder (the first block starts smaller and doubles up to this). */
export const BLOCK_ROWS = 1 << BLOCK_BITS;

/** The builder's answers in arrival order: answer k is at block k >>> BLOCK_BITS, row k & (BLOCK_ROWS - 1). */
export interface AnswerBlocks {
  readonly user: Int32Array[];
  readonly item: Int32Array[];
  readonly resp: Uint8Array[];
  /** Per block, null when no answer of the block has a time (NaN: unknown time). */
  readonly time: (Float64Array | null)[];
  n: number;
  /** Some answer has a time. */
  timed: boolean;
  /** Each user's answers are contiguous, users in index order (a file sorted by user): no sort by user is needed. */
  grouped: boolean;
}

/** Rows of block `at` that hold answers. */
export function rowsOf(b: AnswerBlocks, at: number): number {
  return Math.min(b.user[at].length, b.n - at * BLOCK_ROWS);
}

/** The time of answer k (NaN: unknown). */
export function timeOf(b: AnswerBlocks, k: number): number {
  const t = b.time[k >>> BLOCK_BITS];
  return t === null ? Number.NaN : t[k & (BLOCK_ROWS - 1)];
}

/**
 * Room for one more answer: a new block, or (while there is one block) the first block doubled,
 * so that a builder of a few answers holds a few kilobytes and a large one copies nothing.
 */
export function growBlocks(b: AnswerBlocks): void {
  const nb = b.user.length;
  if (nb === 0 || nb > 1 || b.user[0].length === BLOCK_ROWS) {
    const rows = nb === 0 ? 1024 : BLOCK_ROWS;
    b.user.push(new Int32Array(rows));
    b.item.push(new Int32Array(rows));
    b.resp.push(new Uint8Array(rows));
    b.time.push(null);
    return;
  }
  const rows = b.user[0].length * 2;
  b.user[0] = widen(new Int32Array(rows), b.user[0]);
  b.item[0] = widen(new Int32Array(rows), b.item[0]);
  b.resp[0] = widen(new Uint8Array(rows), b.resp[0]);
  const t = b.time[0];
  if (t !== null) b.time[0] = widen(new Float64Array(rows).fill(Number.NaN), t);
}

function widen<T extends Int32Array | Uint8Array | Float64Array>(to: T, from: T): T {
  to.set(from);
  return to;
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

/** Appends rows to the blocks, a block's stretch at a time (times only where some row has one). */
export function appendRows(b: AnswerBlocks, rows: IndexedRows): void {
  let r = 0;
  while (r < rows.n) {
    let at = b.n >>> BLOCK_BITS;
    let k = b.n & (BLOCK_ROWS - 1);
    if (at === b.user.length || k === b.user[at].length) {
      growBlocks(b);
      at = b.n >>> BLOCK_BITS;
      k = b.n & (BLOCK_ROWS - 1);
    }
    const m = Math.min(rows.n - r, b.user[at].length - k);
    b.user[at].set(rows.user.subarray(r, r + m), k);
    b.item[at].set(rows.item.subarray(r, r + m), k);
    b.resp[at].set(rows.resp.subarray(r, r + m), k);
    if (rows.time !== null) {
      let t = b.time[at];
      if (t === null) {
        t = new Float64Array(b.user[at].length).fill(Number.NaN);
        b.time[at] = t;
        b.timed = true;
      }
      t.set(rows.time.subarray(r, r + m), k);
    }
    b.n += m;
    r += m;
  }
}
