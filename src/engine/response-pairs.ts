/**
 * The middle of ResponseBuilder.build(): the answers grouped by user (arrival order kept), then
 * each user's run sorted by item and cut to one answer per item.
 *
 * Why in this order: one stable counting sort by user reads each answer once in arrival order
 * and writes it to its user's run (sequential writes for a file grouped by user), and a user's
 * run, a few dozen answers, is then sorted where it fits in L1. The former order, two global
 * stable counting sorts (by item, then by user), read the answers in item order and wrote them in
 * user order, each access a cache miss (measured in docs/ENGINE.md, "Reading files").
 */

import { type AnswerBlocks, BLOCK_ROWS, rowsOf, timeOf } from './answer-blocks.js';
import type { DuplicatePolicy } from './response-types.js';

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
  if (b.grouped && itemOf === null) {
    // Already grouped by user in arrival order (a file sorted by user): the answers as they are.
    for (let at = 0; at < b.user.length; at++) {
      const rows = rowsOf(b, at);
      item.set(b.item[at].subarray(0, rows), at * BLOCK_ROWS);
      resp.set(b.resp[at].subarray(0, rows), at * BLOCK_ROWS);
    }
    return { start, item, resp, pos: null, usersSeen };
  }
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
  return { start, item, resp, pos, usersSeen };
}

export interface Kept {
  itemN: Int32Array;
  itemCorrect: Int32Array;
  duplicate: number;
}

/**
 * Sorts each user's answers by item and keeps one per item, compacting in place: afterwards
 * user u's kept answers are [start[u], start[u+1]), items ascending.
 */
export function keepOnePerPair(b: AnswerBlocks, g: ByUser, nI: number, policy: DuplicatePolicy): Kept {
  const { start, item, resp } = g;
  const itemN = new Int32Array(nI);
  const itemCorrect = new Int32Array(nI);
  const pairs = new PairPicker(b, g, nI, policy);
  let duplicate = 0;
  let w = 0;
  let a = 0;
  const nU = start.length - 1;
  for (let u = 0; u < nU; u++) {
    const e = start[u + 1];
    start[u] = w;
    let ascending = true;
    for (let r = a + 1; r < e; r++) {
      if (item[r] <= item[r - 1]) {
        ascending = false;
        break;
      }
    }
    if (ascending) {
      // Already one answer per item, in order (a file sorted by user and item, or a dense one).
      for (let r = a; r < e; r++, w++) {
        const i = item[r];
        item[w] = i;
        resp[w] = resp[r];
        itemN[i]++;
        itemCorrect[i] += resp[r];
      }
    } else {
      const w0 = w;
      w = pairs.keep(a, e, w);
      duplicate += e - a - (w - w0);
      for (let r = w0; r < w; r++) {
        itemN[item[r]]++;
        itemCorrect[item[r]] += resp[r];
      }
    }
    a = e;
  }
  start[nU] = w;
  return { itemN, itemCorrect, duplicate };
}

/** Sorts one user's answers by item (stable) and picks the kept answer of each item. */
class PairPicker {
  private order = new Int32Array(64);
  private gItem = new Int32Array(64);
  private gResp = new Uint8Array(64);
  private gPos = new Int32Array(64);

  constructor(
    private readonly b: AnswerBlocks,
    private readonly g: ByUser,
    private readonly nI: number,
    private readonly policy: DuplicatePolicy,
  ) {}

  /** Answers [a, e) of one user, kept ones written from w on (w <= a); returns the new w. */
  keep(a: number, e: number, w: number): number {
    const m = e - a;
    this.load(a, m);
    this.sort(m);
    const { order, gItem, gResp, g } = this;
    for (let q = 0; q < m; ) {
      const i = gItem[order[q]];
      let end = q + 1;
      while (end < m && gItem[order[end]] === i) end++;
      const best = end - q === 1 ? order[q] : this.pick(q, end);
      g.item[w] = i;
      g.resp[w] = gResp[best];
      w++;
      q = end;
    }
    return w;
  }

  /** Copies the run out (the kept answers overwrite it) and sizes the scratch. */
  private load(a: number, m: number): void {
    if (m > this.order.length) {
      const size = Math.max(m, this.order.length * 2);
      this.order = new Int32Array(size);
      this.gItem = new Int32Array(size);
      this.gResp = new Uint8Array(size);
      this.gPos = new Int32Array(size);
    }
    const { item, resp, pos } = this.g;
    this.gItem.set(item.subarray(a, a + m));
    this.gResp.set(resp.subarray(a, a + m));
    if (pos) this.gPos.set(pos.subarray(a, a + m));
    else for (let r = 0; r < m; r++) this.gPos[r] = a + r;
  }

  /** order[0, m): the run's answers by item, arrival order among equal items. */
  private sort(m: number): void {
    const { order, gItem } = this;
    if (this.nI * m > 0x7fffffff) {
      // Packed keys would overflow (a user with millions of answers to millions of items).
      const o = Array.from({ length: m }, (_, r) => r).sort((x, y) => gItem[x] - gItem[y] || x - y);
      order.set(o);
      return;
    }
    // Key item * m + r: distinct, ordered by item then arrival, and r = key % m.
    for (let r = 0; r < m; r++) order[r] = gItem[r] * m + r;
    if (m <= 32) {
      for (let r = 1; r < m; r++) {
        const v = order[r];
        let s = r - 1;
        while (s >= 0 && order[s] > v) {
          order[s + 1] = order[s];
          s--;
        }
        order[s + 1] = v;
      }
    } else order.subarray(0, m).sort();
    for (let r = 0; r < m; r++) order[r] %= m;
  }

  /**
   * The kept one of answers order[q, end) (one user, one item, in arrival order): the first or
   * the last by policy; known times decide (earliest or latest; ties go to arrival order) and
   * beat unknown ones.
   */
  private pick(q: number, end: number): number {
    const { order } = this;
    let best = this.policy === 'last' ? order[end - 1] : order[q];
    if (!this.b.timed) return best;
    const first = this.policy === 'first';
    for (let r = q; r < end; r++) {
      const k = order[r];
      const tk = this.time(k);
      if (Number.isNaN(tk) || k === best) continue;
      const tb = this.time(best);
      if (Number.isNaN(tb) || (first ? tk < tb : tk > tb)) best = k;
    }
    return best;
  }

  /** The time of the run's answer r (NaN: unknown). */
  private time(r: number): number {
    return timeOf(this.b, this.gPos[r]);
  }
}
