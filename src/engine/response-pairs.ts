/**
 * The middle of ResponseBuilder.build(): the answers grouped by user (arrival order kept), then
 * each user's run put in item order and cut to one answer per item (run-order.ts).
 *
 * Why in this order: one stable counting sort by user reads each answer once in arrival order
 * and writes it to its user's run (sequential writes for a file grouped by user), and a user's
 * run, a few dozen answers, is then ordered where it fits in L1. The former order, two global
 * stable counting sorts (by item, then by user), read the answers in item order and wrote them in
 * user order, each access a cache miss (measured in docs/ENGINE.md, "Reading files"). Answers
 * already grouped by user (a file sorted by user) skip the counting sort: each run is read from
 * the blocks straight into the scratch of run-order.ts.
 */

import { type AnswerBlocks, BLOCK_BITS, BLOCK_ROWS, rowsOf } from './answer-blocks.js';
import type { DuplicatePolicy } from './response-types.js';
import { RunOrder } from './run-order.js';

/** Kept answers by user, items ascending within a user: user u's are [start[u], start[u+1]). */
export interface ByUser {
  readonly start: Int32Array;
  readonly item: Int32Array;
  readonly resp: Uint8Array;
  /** Users with at least one answer. */
  readonly usersSeen: number;
}

export interface Kept {
  itemN: Int32Array;
  itemCorrect: Int32Array;
  duplicate: number;
}

/**
 * One answer per user and item, by user (users and items renumbered by userOf and itemOf
 * where given), with the kept answers counted by item.
 */
export function keepOnePerPair(
  b: AnswerBlocks,
  nU: number,
  nI: number,
  userOf: Int32Array | null,
  itemOf: Int32Array | null,
  policy: DuplicatePolicy,
): { byUser: ByUser; kept: Kept } {
  return b.grouped
    ? fromRuns(b, nU, nI, userOf, itemOf, policy)
    : fromGroups(b, nU, nI, userOf, itemOf, policy);
}

/** Answers grouped by user already: each run read from the blocks, its kept answers written out. */
function fromRuns(
  b: AnswerBlocks,
  nU: number,
  nI: number,
  userOf: Int32Array | null,
  itemOf: Int32Array | null,
  policy: DuplicatePolicy,
): { byUser: ByUser; kept: Kept } {
  const start = new Int32Array(nU + 1);
  const out = {
    item: new Int32Array(b.n),
    resp: new Uint8Array(b.n),
    itemN: new Int32Array(nI),
    itemCorrect: new Int32Array(nI),
  };
  const order = new RunOrder(b, nI, policy, out);
  let w = 0;
  let nextUser = 0;
  let usersSeen = 0;
  let a = 0;
  let cur = -1;
  const run = (e: number) => {
    const u = userOf ? userOf[cur] : cur;
    while (nextUser <= u) start[nextUser++] = w;
    const m = e - a;
    loadBlocks(order, b, a, e, itemOf);
    w = order.keep(m, w);
    usersSeen++;
  };
  for (let at = 0; at < b.user.length; at++) {
    const us = b.user[at];
    const rows = rowsOf(b, at);
    const base = at * BLOCK_ROWS;
    for (let r = 0; r < rows; r++) {
      if (us[r] === cur) continue;
      if (cur >= 0) run(base + r);
      cur = us[r];
      a = base + r;
    }
  }
  if (cur >= 0) run(b.n);
  while (nextUser <= nU) start[nextUser++] = w;
  return {
    byUser: { start, item: out.item, resp: out.resp, usersSeen },
    kept: { itemN: out.itemN, itemCorrect: out.itemCorrect, duplicate: b.n - w },
  };
}

/** Answers [a, e), one user's, into the scratch of `order` (their arrival indices with times). */
function loadBlocks(order: RunOrder, b: AnswerBlocks, a: number, e: number, itemOf: Int32Array | null): void {
  order.reserve(e - a);
  const { gItem, gResp, gPos } = order;
  let o = 0;
  for (let k = a; k < e; ) {
    const at = k >>> BLOCK_BITS;
    const r0 = k & (BLOCK_ROWS - 1);
    const r1 = Math.min(r0 + (e - k), b.user[at].length);
    const is = b.item[at];
    const rs = b.resp[at];
    if (itemOf) for (let r = r0; r < r1; r++, o++) gItem[o] = itemOf[is[r]];
    else for (let r = r0; r < r1; r++, o++) gItem[o] = is[r];
    o -= r1 - r0;
    for (let r = r0; r < r1; r++, o++) gResp[o] = rs[r];
    k += r1 - r0;
  }
  if (b.timed) for (let r = 0; r < e - a; r++) gPos[r] = a + r;
}

/** Answers in any order: a stable counting sort by user, then each user's run kept in place. */
function fromGroups(
  b: AnswerBlocks,
  nU: number,
  nI: number,
  userOf: Int32Array | null,
  itemOf: Int32Array | null,
  policy: DuplicatePolicy,
): { byUser: ByUser; kept: Kept } {
  const start = new Int32Array(nU + 1);
  for (let at = 0; at < b.user.length; at++) {
    const col = b.user[at];
    const rows = rowsOf(b, at);
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
  const next = start.slice(0, nU);
  const pos = b.timed ? new Int32Array(b.n) : null;
  for (let at = 0; at < b.user.length; at++) {
    const us = b.user[at];
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
  // Each run is read into the scratch before its kept answers overwrite it (from w <= a on).
  const out = { item, resp, itemN: new Int32Array(nI), itemCorrect: new Int32Array(nI) };
  const order = new RunOrder(b, nI, policy, out);
  let w = 0;
  let a = 0;
  for (let u = 0; u < nU; u++) {
    const e = start[u + 1];
    start[u] = w;
    if (e === a) continue;
    const m = e - a;
    order.reserve(m);
    const { gItem, gResp, gPos } = order;
    for (let r = 0; r < m; r++) {
      gItem[r] = item[a + r];
      gResp[r] = resp[a + r];
    }
    if (pos) for (let r = 0; r < m; r++) gPos[r] = pos[a + r];
    w = order.keep(m, w);
    a = e;
  }
  start[nU] = w;
  return {
    byUser: { start, item, resp, usersSeen },
    kept: { itemN: out.itemN, itemCorrect: out.itemCorrect, duplicate: b.n - w },
  };
}
