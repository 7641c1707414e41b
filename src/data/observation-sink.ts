/**
 * Where extraction puts the rows it reads: the data layer's own view of a response builder, so
 * that data/ does not depend on the engine (test/engine/layering.test.ts). The engine's
 * ResponseBuilder has exactly this shape and is what the job passes; a test or another consumer
 * can pass anything else that counts rows the same way.
 */

/** Correctness as a source hands it out: 1/0 from a boolean column, or the text a column held. */
export type SourceCorrect = boolean | number | string | null;

/**
 * Ids numbered densely by the reader of a source (the COPY parser's id columns number them by
 * their bytes, files/byte-interner.ts): index k stands for `ids[k]`, all distinct.
 */
export interface SourceIds {
  readonly ids: readonly string[];
  internString(id: string): number;
}

export interface ObservationSink {
  /** Rows offered so far (added or rejected): a failure after the first row is not a fallback. */
  readonly size: number;
  /**
   * One answer. Ids are text (null when the source had none); `respondedAt` is epoch
   * milliseconds, omitted when unknown. Invalid or NULL correctness is the sink's to count.
   */
  add(userId: string | null, itemId: string | null, correct: SourceCorrect, respondedAt?: number): void;
  /**
   * The tables that number the ids of `addIndexed` (and of `add` from then on); called before
   * the source's first row.
   */
  useIdTables(users: SourceIds, items: SourceIds): void;
  /** As `add`, the ids as indices into the tables of `useIdTables` (-1: no id, NULL or empty). */
  addIndexed(user: number, item: number, correct: SourceCorrect, respondedAt?: number): void;
  /** A row that could not become an answer, counted under `reason`. */
  reject(reason: string): void;
}
