/**
 * One user's answers (a run, loaded into scratch arrays that stay in L1) put in item order with
 * one answer per item, written to the output from a given place on, each kept answer counted for
 * its item.
 *
 * Two ways (a run already ascending is copied by the caller). A run whose items span few 32-bit
 * words compared with its length (a bank of a thousand items, fifty answers a user) is ordered
 * through a bitmap of items: one bit set per answer, the answers read back in ascending order
 * word by word, lowest set bit first; a bit already set is a duplicate answer, and the run then
 * takes the other way, like a run spread over a wide bank: a sort by (item, arrival) and the pick
 * of DESIGN.md's duplicate rule (pick). docs/ENGINE.md, "The answer store and per-user
 * order", has the measurements behind the threshold.
 */

import { type AnswerBlocks, timeOf } from './answer-blocks.js';
import type { DuplicatePolicy } from './response-types.js';

/**
 * The bitmap is used for runs of at least MIN_BITMAP_RUN answers whose items span at most
 * SPAN_PER_ANSWER words per answer: reading back costs a word each, the sort about log2(m) steps
 * an answer. Measured (ns an answer, bitmap vs sort, runs of random items): 50 answers over 1,000
 * items 15 vs 33; 2 words an answer 22–27 vs 32–34, 4 words 24–30 vs 25–34, 8 words at 16
 * answers 47 vs 39; runs of 5, sorted by insertion, 22 vs 19 already at 2 words an answer.
 */
const SPAN_PER_ANSWER = 4;
const MIN_BITMAP_RUN = 8;

/** Where kept answers go, and their counts by item. */
export interface RunOutput {
  readonly item: Int32Array;
  readonly resp: Uint8Array;
  readonly itemN: Int32Array;
  readonly itemCorrect: Int32Array;
}

export class RunOrder {
  /** The run: items, answers, and (with times, unless posBase >= 0) arrival indices of answers [0, m). */
  private gItem = new Int32Array(64);
  private gResp = new Uint8Array(64);
  private gPos = new Int32Array(64);
  /** Arrival index of the run's first answer when the run arrived contiguously (then gPos is unused), else -1. */
  private posBase = -1;
  private order = new Int32Array(64);
  /** One bit per item (set: in the run), and the answer's bit; all zero between runs. */
  private readonly bits: Int32Array;
  private readonly ones: Int32Array;

  constructor(
    private readonly b: AnswerBlocks,
    private readonly nI: number,
    private readonly policy: DuplicatePolicy,
    private readonly out: RunOutput,
  ) {
    this.bits = new Int32Array((nI + 31) >>> 5);
    this.ones = new Int32Array((nI + 31) >>> 5);
  }

  /**
   * Writes the kept answers of the run [a, e) of item/resp (not ascending; pos: the answers'
   * arrival indices, null when the run arrived as it is) from w <= a on; returns the new w. The
   * run is read into the scratch first, as the kept answers overwrite it.
   */
  keepRun(
    item: Int32Array,
    resp: Uint8Array,
    pos: Int32Array | null,
    a: number,
    e: number,
    w: number,
  ): number {
    const m = e - a;
    this.reserve(m);
    const { gItem, gResp, gPos } = this;
    let lo = 0x7fffffff;
    let hi = -1;
    for (let k = 0; k < m; k++) {
      const i = item[a + k];
      gItem[k] = i;
      gResp[k] = resp[a + k];
      if (i > hi) hi = i;
      if (i < lo) lo = i;
    }
    if (pos) for (let k = 0; k < m; k++) gPos[k] = pos[a + k];
    this.posBase = pos ? -1 : a;
    return this.keep(m, lo, hi, w);
  }

  /** Room for a run of m answers in the scratch arrays. */
  private reserve(m: number): void {
    if (m <= this.gItem.length) return;
    const size = Math.max(m, this.gItem.length * 2);
    this.gItem = new Int32Array(size);
    this.gResp = new Uint8Array(size);
    this.gPos = new Int32Array(size);
    this.order = new Int32Array(size);
  }

  /** The loaded run of m (items lo..hi): its kept answers from w on; returns the new w. */
  private keep(m: number, lo: number, hi: number, w: number): number {
    const w0 = lo >>> 5;
    const w1 = hi >>> 5;
    if (m >= MIN_BITMAP_RUN && w1 - w0 < SPAN_PER_ANSWER * m && this.mark(m)) return this.readBack(w0, w1, w);
    return this.sortAndPick(m, w);
  }

  /** Sets the run's bits; false (bits cleared again) when an item comes twice. */
  private mark(m: number): boolean {
    const { gItem, gResp, bits, ones } = this;
    for (let r = 0; r < m; r++) {
      const i = gItem[r];
      const at = i >>> 5;
      const bit = 1 << (i & 31);
      const x = bits[at];
      if ((x & bit) !== 0) {
        for (let s = 0; s < r; s++) {
          bits[gItem[s] >>> 5] = 0;
          ones[gItem[s] >>> 5] = 0;
        }
        return false;
      }
      bits[at] = x | bit;
      ones[at] |= gResp[r] << (i & 31);
    }
    return true;
  }

  /** The marked items of words [w0, w1] in ascending order, written from w on (bits cleared). */
  private readBack(w0: number, w1: number, w: number): number {
    const { bits, ones } = this;
    const { item, resp, itemN, itemCorrect } = this.out;
    for (let at = w0; at <= w1; at++) {
      let x = bits[at];
      if (x === 0) continue;
      const y = ones[at];
      bits[at] = 0;
      ones[at] = 0;
      const base = at << 5;
      while (x !== 0) {
        const low = x & -x;
        const bit = 31 - Math.clz32(low);
        const i = base | bit;
        const a = (y >>> bit) & 1;
        item[w] = i;
        resp[w] = a;
        itemN[i]++;
        itemCorrect[i] += a;
        w++;
        x ^= low;
      }
    }
    return w;
  }

  /** The run sorted by (item, arrival), the kept answer of each item picked (pick). */
  private sortAndPick(m: number, w: number): number {
    this.sort(m);
    const { order, gItem, gResp } = this;
    const { item, resp, itemN, itemCorrect } = this.out;
    for (let q = 0; q < m; ) {
      const i = gItem[order[q]];
      let end = q + 1;
      while (end < m && gItem[order[end]] === i) end++;
      const best = end - q === 1 ? order[q] : this.pick(q, end);
      item[w] = i;
      resp[w] = gResp[best];
      itemN[i]++;
      itemCorrect[i] += gResp[best];
      w++;
      q = end;
    }
    return w;
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
    return timeOf(this.b, this.posBase >= 0 ? this.posBase + r : this.gPos[r]);
  }
}
