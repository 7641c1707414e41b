/**
 * The types of compact sparse response data (what ResponseBuilder makes and the engine reads),
 * and the reading of raw correctness shared by every source.
 */

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

/**
 * Ids numbered densely by whoever reads them: index k stands for `ids[k]`. The builder keeps its
 * own (a Map of strings); a reader that meets ids as bytes passes a table of its own (files/
 * byte-interner.ts hashes the bytes), so a row costs neither a string nor a Map look-up.
 * Contract: the strings of `ids` are distinct, and `ids` only grows.
 */
export interface IdTable {
  readonly ids: readonly string[];
  /** The index of `id`, added when new. */
  internString(id: string): number;
}
