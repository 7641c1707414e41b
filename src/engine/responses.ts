/**
 * Compact sparse response data.
 *
 * Observations arrive one at a time (from a CSV, a database cursor or a JSON body) and are
 * appended to growable typed arrays with user and item ids interned to dense indices. `build()`
 * applies the data-hygiene rules of DESIGN.md and returns the responses in CSR form by user:
 * for user u, the answers are k in [userPtr[u], userPtr[u+1]) with item userItem[k] and
 * correctness userResp[k] (0/1), items ascending within a user. No dense users x items matrix
 * and no object per observation is ever made.
 */

import { EngineInputError } from './errors.js';

/** Which of several answers of one user to one item is kept. */
export type DuplicatePolicy = 'first' | 'last';

/** Fewer answers than this make an item `provisional` (kept, estimated, flagged). */
export const DEFAULT_MIN_ITEM_RESPONSES = 30;

export interface ExcludedItem {
  readonly id: string;
  /**
   * The engine excludes only items without information: `all_correct`, `all_wrong` (an item with
   * no answers never reaches the data). `too_few_responses` is left to callers that drop items
   * themselves (scoring against fixed parameters); `slope_diverged` to a remote service's answer
   * (the engine holds a runaway slope by a prior instead, calibrate.ts).
   */
  readonly reason: 'all_correct' | 'all_wrong' | 'too_few_responses' | 'slope_diverged';
  readonly n: number;
}

/** What was dropped and why: reported in the result, never silent. */
export interface HygieneReport {
  /** Rows offered to the builder, including the ones rejected upstream through `reject()`. */
  rowsRead: number;
  /** Observations that reached the model. */
  rowsUsed: number;
  dropped: {
    /** Correctness NULL/empty: dropped, not counted as wrong. */
    nullCorrect: number;
    /** Correctness that is not 0/1/true/false. */
    invalidCorrect: number;
    /** user or item id NULL or empty. */
    missingId: number;
    /** Repeated (user, item) pairs beyond the kept one (see `duplicatePolicy`). */
    duplicate: number;
    /** Answers to excluded items. */
    excludedItem: number;
    /** Rows rejected by the caller, by reason (e.g. unparsable JSON). */
    rejected: Record<string, number>;
  };
  duplicatePolicy: DuplicatePolicy;
  minItemResponses: number;
  excludedItems: ExcludedItem[];
  /** Users left with no answer once excluded items were removed (not scored). */
  usersWithoutResponses: number;
}

export interface ResponseData {
  readonly nUsers: number;
  readonly nItems: number;
  readonly nObs: number;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** CSR by user, length nUsers + 1. */
  readonly userPtr: Int32Array;
  readonly userItem: Int32Array;
  readonly userResp: Uint8Array;
  /** Answers and correct answers per item. */
  readonly itemN: Int32Array;
  readonly itemCorrect: Int32Array;
  readonly hygiene: HygieneReport;
}

export interface ResponseBuilderOptions {
  /** Default `first`: the earliest answer by `respondedAt` (ties and unknown times: first seen). */
  duplicatePolicy?: DuplicatePolicy;
  /**
   * Items with fewer answers than this are kept and estimated (under the run's priors) but
   * flagged `provisional`, so a platform can choose not to serve them yet. Default 30
   * (DEFAULT_MIN_ITEM_RESPONSES); 1 flags none.
   */
  minItemResponses?: number;
  /**
   * Keep items everyone got right (or wrong). Calibration cannot estimate them, but scoring
   * against known parameters uses them. Default false.
   */
  keepDegenerateItems?: boolean;
}

/** Correctness as it arrives: 0/1, booleans, their string forms, or null. */
export type RawCorrect = boolean | number | string | null | undefined;

/** Maps raw correctness to 0/1, `null` for missing, `undefined` for invalid. */
export function parseCorrect(v: RawCorrect): 0 | 1 | null | undefined {
  if (v === null || v === undefined) return null;
  if (v === true || v === 1) return 1;
  if (v === false || v === 0) return 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === '' || s === 'null' || s === 'na' || s === '\\n') return null;
    if (s === '1' || s === 'true' || s === 't') return 1;
    if (s === '0' || s === 'false' || s === 'f') return 0;
  }
  return undefined;
}

class Interner {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  private last = '';
  private lastIndex = -1;
  intern(id: string): number {
    // Rows usually come grouped by user: the same id again skips the hash lookup.
    if (id === this.last) return this.lastIndex;
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    this.last = id;
    this.lastIndex = i;
    return i;
  }
}

export class ResponseBuilder {
  private readonly users = new Interner();
  private readonly items = new Interner();
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private resp = new Uint8Array(1024);
  private time: Float64Array | null = null;
  private n = 0;
  private readonly policy: DuplicatePolicy;
  private readonly minItemResponses: number;
  private readonly keepDegenerate: boolean;
  private readonly dropped = {
    nullCorrect: 0,
    invalidCorrect: 0,
    missingId: 0,
    rejected: {} as Record<string, number>,
  };
  private rowsRead = 0;

  constructor(options: ResponseBuilderOptions = {}) {
    this.policy = options.duplicatePolicy ?? 'first';
    if (this.policy !== 'first' && this.policy !== 'last') {
      throw new EngineInputError(`bad duplicate policy "${String(this.policy)}": expected first or last`);
    }
    this.minItemResponses = options.minItemResponses ?? DEFAULT_MIN_ITEM_RESPONSES;
    this.keepDegenerate = options.keepDegenerateItems ?? false;
    if (!Number.isInteger(this.minItemResponses) || this.minItemResponses < 1) {
      throw new EngineInputError('minItemResponses must be an integer >= 1');
    }
  }

  /** Number of rows offered so far. */
  get size(): number {
    return this.rowsRead;
  }

  /**
   * Adds one answer. `respondedAt` is a time in any monotone unit (epoch ms); omit it when
   * unknown, then arrival order decides between duplicates.
   */
  add(
    userId: string | null | undefined,
    itemId: string | null | undefined,
    correct: RawCorrect,
    respondedAt?: number,
  ): void {
    this.rowsRead++;
    if (
      userId === null ||
      userId === undefined ||
      userId === '' ||
      itemId === null ||
      itemId === undefined ||
      itemId === ''
    ) {
      this.dropped.missingId++;
      return;
    }
    const x = parseCorrect(correct);
    if (x === null) {
      this.dropped.nullCorrect++;
      return;
    }
    if (x === undefined) {
      this.dropped.invalidCorrect++;
      return;
    }
    if (this.n === this.user.length) this.grow();
    const k = this.n++;
    this.user[k] = this.users.intern(String(userId));
    this.item[k] = this.items.intern(String(itemId));
    this.resp[k] = x;
    if (respondedAt !== undefined && Number.isFinite(respondedAt)) {
      if (!this.time) this.time = new Float64Array(this.user.length).fill(Number.NaN);
      this.time[k] = respondedAt;
    } else if (this.time) {
      this.time[k] = Number.NaN;
    }
  }

  /** Counts a row the caller could not turn into an observation (it is reported, not fatal). */
  reject(reason: string): void {
    this.rowsRead++;
    this.dropped.rejected[reason] = (this.dropped.rejected[reason] ?? 0) + 1;
  }

  private grow(): void {
    const cap = this.user.length * 2;
    const u = new Int32Array(cap);
    u.set(this.user);
    this.user = u;
    const i = new Int32Array(cap);
    i.set(this.item);
    this.item = i;
    const r = new Uint8Array(cap);
    r.set(this.resp);
    this.resp = r;
    if (this.time) {
      const t = new Float64Array(cap).fill(Number.NaN);
      t.set(this.time);
      this.time = t;
    }
  }

  /**
   * Sorts by (user, item, arrival) with two stable counting sorts, keeps one answer per pair,
   * excludes items that carry no information (everyone right, everyone wrong),
   * drops users left without answers, and renumbers users and items densely in first-seen order.
   */
  build(): ResponseData {
    const n = this.n;
    const nU0 = this.users.ids.length;
    const nI0 = this.items.ids.length;
    // LSD radix: stable by item, then stable by user => ordered by user, item, arrival.
    const byItem = countingOrder(this.item, n, nI0, null);
    const order = countingOrder(this.user, n, nU0, byItem);

    // One answer per (user, item).
    const keep = new Int32Array(n);
    let nKeep = 0;
    let duplicate = 0;
    const t = this.time;
    for (let s = 0; s < n; ) {
      const k0 = order[s];
      let e = s + 1;
      while (e < n && this.user[order[e]] === this.user[k0] && this.item[order[e]] === this.item[k0]) e++;
      let best = k0;
      if (e - s > 1) {
        duplicate += e - s - 1;
        if (this.policy === 'last') best = order[e - 1];
        if (t) {
          // Known times decide (earliest or latest; ties go to arrival order), and beat unknown ones.
          for (let r = s; r < e; r++) {
            const k = order[r];
            const tk = t[k];
            const tb = t[best];
            if (Number.isNaN(tk) || k === best) continue;
            if (Number.isNaN(tb) || (this.policy === 'first' ? tk < tb : tk > tb)) best = k;
          }
        }
      }
      keep[nKeep++] = best;
      s = e;
    }

    // Item exclusion.
    const itemN0 = new Int32Array(nI0);
    const itemC0 = new Int32Array(nI0);
    for (let r = 0; r < nKeep; r++) {
      const k = keep[r];
      itemN0[this.item[k]]++;
      itemC0[this.item[k]] += this.resp[k];
    }
    const excludedItems: ExcludedItem[] = [];
    const itemMap = new Int32Array(nI0).fill(-1);
    const itemIds: string[] = [];
    for (let i = 0; i < nI0; i++) {
      const ni = itemN0[i];
      const ci = itemC0[i];
      // Only items without information are excluded; few answers make an item provisional.
      let reason: ExcludedItem['reason'] | null = null;
      if (ci === ni && !this.keepDegenerate) reason = 'all_correct';
      else if (ci === 0 && !this.keepDegenerate) reason = 'all_wrong';
      if (reason) excludedItems.push({ id: this.items.ids[i], reason, n: ni });
      else {
        itemMap[i] = itemIds.length;
        itemIds.push(this.items.ids[i]);
      }
    }
    const nItems = itemIds.length;

    // Users and CSR (keep[] is already ordered by user, then item).
    const userMap = new Int32Array(nU0).fill(-1);
    const userIds: string[] = [];
    let excludedAnswers = 0;
    for (let r = 0; r < nKeep; r++) {
      const k = keep[r];
      if (itemMap[this.item[k]] < 0) {
        excludedAnswers++;
        continue;
      }
      const u = this.user[k];
      if (userMap[u] < 0) {
        userMap[u] = userIds.length;
        userIds.push(this.users.ids[u]);
      }
    }
    const nObs = nKeep - excludedAnswers;
    const nUsers = userIds.length;
    // Users are numbered in order of their first kept answer, which is the CSR order.
    const userPtr = new Int32Array(nUsers + 1);
    const userItem = new Int32Array(nObs);
    const userResp = new Uint8Array(nObs);
    const itemN = new Int32Array(nItems);
    const itemCorrect = new Int32Array(nItems);
    let o = 0;
    for (let r = 0; r < nKeep; r++) {
      const k = keep[r];
      const j = itemMap[this.item[k]];
      if (j < 0) continue;
      userPtr[userMap[this.user[k]] + 1] = o + 1;
      userItem[o] = j;
      userResp[o] = this.resp[k];
      itemN[j]++;
      itemCorrect[j] += this.resp[k];
      o++;
    }
    // userPtr[u+1] holds the end of user u; fill gaps are impossible since every user has answers.
    const usersWithoutResponses = countUsersSeen(this.user, n, nU0) - nUsers;

    if (nObs === 0) {
      const why =
        excludedItems.length > 0 ? ` (${excludedItems.length} item(s) excluded as not estimable)` : '';
      throw new EngineInputError(`no usable observations${why}`);
    }
    return {
      nUsers,
      nItems,
      nObs,
      userIds,
      itemIds,
      userPtr,
      userItem,
      userResp,
      itemN,
      itemCorrect,
      hygiene: {
        rowsRead: this.rowsRead,
        rowsUsed: nObs,
        dropped: {
          nullCorrect: this.dropped.nullCorrect,
          invalidCorrect: this.dropped.invalidCorrect,
          missingId: this.dropped.missingId,
          duplicate,
          excludedItem: excludedAnswers,
          rejected: { ...this.dropped.rejected },
        },
        duplicatePolicy: this.policy,
        minItemResponses: this.minItemResponses,
        excludedItems,
        usersWithoutResponses,
      },
    };
  }
}

/** Stable counting sort of `prev` (or 0..n-1) by key[]: returns the permutation. */
function countingOrder(key: Int32Array, n: number, nKeys: number, prev: Int32Array | null): Int32Array {
  const start = new Int32Array(nKeys + 1);
  for (let k = 0; k < n; k++) start[key[k] + 1]++;
  for (let v = 0; v < nKeys; v++) start[v + 1] += start[v];
  const out = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const k = prev ? prev[s] : s;
    out[start[key[k]]++] = k;
  }
  return out;
}

function countUsersSeen(user: Int32Array, n: number, nUsers: number): number {
  const seen = new Uint8Array(nUsers);
  let c = 0;
  for (let k = 0; k < n; k++) {
    if (!seen[user[k]]) {
      seen[user[k]] = 1;
      c++;
    }
  }
  return c;
}

/** Convenience for small in-memory inputs (tests, the HTTP contract). */
export function responsesFromObservations(
  rows: Iterable<{
    user_id: string;
    item_id: string;
    is_correct: RawCorrect;
    responded_at?: string | number | null;
  }>,
  options?: ResponseBuilderOptions,
): ResponseData {
  const b = new ResponseBuilder(options);
  for (const r of rows) {
    const t =
      r.responded_at == null
        ? undefined
        : typeof r.responded_at === 'number'
          ? r.responded_at
          : Date.parse(r.responded_at);
    b.add(r.user_id, r.item_id, r.is_correct, t);
  }
  return b.build();
}
