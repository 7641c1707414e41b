/**
 * The middle of ResponseBuilder.build(): the answers grouped by user (arrival order kept), then
 * each user's run put in item order and cut to one answer per item (run-order.ts).
 *
 * Why in this order: one stable counting sort by user reads each answer once in arrival order
 * and writes it to its user's run (sequential writes for a file grouped by user), and a user's
 * run, a few dozen answers, is then ordered where it fits in L1. The former order, two global
 * stable counting sorts (by item, then by user), read the answers in item order and wrote them in
 * user order, each access a cache miss (measured in docs/ENGINE.md, "Reading files"). Answers
 * already grouped by user (a file sorted by user) are copied as they are: a bulk copy into the
 * fresh output costs less than reading each run from the blocks into scratch (docs/ENGINE.md, "The
 * answer store and per-user order").
 */

import { type AnswerBlocks, BLOCK_ROWS, rowsOf, usersOf } from './answer-blocks.js';
import type { DuplicatePolicy } from './response-types.js';
import { RunOrder } from './run-order.js';

/** Answers grouped by user, arrival order kept within a user: user u's are [start[u], start[u+1]). */
export interface ByUser {
  readonly start: Int32Array;
  readonly item: Int32Array;
  readonly resp: Uint8Array;
  /** Arrival index of each answer (for its time), when answers have times and were not grouped (else its index). */
  readonly pos: Int32Array | null;
  /** Users with at least one answer. */
  readonly usersSeen: number;
}

/** Stable counting sort of the answers by user. */
export function groupByUser(
  b: AnswerBlocks,
  nU: number,
  userOf: Int32Array | null,
  itemOf: Int32Array | null,
): ByUser {
  const start = new Int32Array(nU + 1);
  for (let at = 0; at < b.resp.length; at++) {
    const rows = rowsOf(b, at);
    const runs = b.runs[at];
    if (runs !== null) {
      // A run of users adds its length at once.
      for (let j = 0; j < runs.n; j++) {
        const u = runs.user[j];
        start[(userOf ? userOf[u] : u) + 1] += (j + 1 < runs.n ? runs.start[j + 1] : rows) - runs.start[j];
      }
      continue;
    }
    const col = b.user[at] as Int32Array;
    if (userOf) for (let r = 0; r < rows; r++) start[userOf[col[r]] + 1]++;
    else for (let r = 0; r < rows; r++) start[col[r] + 1]++;
  }
  let usersSeen = 0;
  for (let u = 0; u < nU; u++) {
    if (start[u + 1] > 0) usersSeen++;
    start[u + 1] += start[u];
  }
  const item = new Int32Array(b.n);
  const resp = new Uint8Array(b.n);
  if (b.grouped && itemOf === null) {
    // Already grouped by user in arrival order (a file sorted by user): the answers as they are.
    for (let at = 0; at < b.resp.length; at++) {
      const rows = rowsOf(b, at);
      item.set(b.item[at].subarray(0, rows), at * BLOCK_ROWS);
      resp.set(b.resp[at].subarray(0, rows), at * BLOCK_ROWS);
    }
    return { start, item, resp, pos: null, usersSeen };
  }
  const next = start.slice(0, nU);
  const pos = b.timed ? new Int32Array(b.n) : null;
  const scratch = new Int32Array(BLOCK_ROWS);
  for (let at = 0; at < b.resp.length; at++) {
    const us = usersOf(b, at, scratch);
    const is = b.item[at];
    const rs = b.resp[at];
    const rows = rowsOf(b, at);
    const base = at * BLOCK_ROWS;
    for (let r = 0; r < rows; r++) {
      const p = next[userOf ? userOf[us[r]] : us[r]]++;
      item[p] = itemOf ? itemOf[is[r]] : is[r];
      resp[p] = rs[r];
      if (pos) pos[p] = base + r;
    }
  }
  return { start, item, resp, pos, usersSeen };
}

export interface Kept {
  itemN: Int32Array;
  itemCorrect: Int32Array;
  duplicate: number;
}

/**
 * Puts each user's answers in item order and keeps one per item, compacting in place: afterwards
 * user u's kept answers are [start[u], start[u+1]), items ascending.
 */
export function keepOnePerPair(b: AnswerBlocks, g: ByUser, nI: number, policy: DuplicatePolicy): Kept {
  const { start, item, resp, pos } = g;
  const itemN = new Int32Array(nI);
  const itemCorrect = new Int32Array(nI);
  const order = new RunOrder(b, nI, policy, { item, resp, itemN, itemCorrect });
  let w = 0;
  let a = 0;
  const nU = start.length - 1;
  for (let u = 0; u < nU; u++) {
    const e = start[u + 1];
    start[u] = w;
    let r = a + 1;
    while (r < e && item[r] > item[r - 1]) r++;
    if (r >= e) {
      // Already one answer per item, in order (a file sorted by user and item, or a dense one).
      for (r = a; r < e; r++, w++) {
        const i = item[r];
        item[w] = i;
        resp[w] = resp[r];
        itemN[i]++;
        itemCorrect[i] += resp[r];
      }
    } else w = order.keepRun(item, resp, pos, a, e, w);
    a = e;
  }
  start[nU] = w;
  return { itemN, itemCorrect, duplicate: b.n - w };
}
