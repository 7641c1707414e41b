/**
 * Where extraction puts the rows it reads: the data layer's own view of a response builder, so
 * that data/ does not depend on the engine (test/engine/layering.test.ts). The engine's
 * ResponseBuilder has exactly this shape and is what the job passes; a test or another consumer
 * can pass anything else that counts rows the same way.
 */

/** Correctness as a source hands it out: 1/0 from a boolean column, or the text a column held. */
export type SourceCorrect = boolean | number | string | null;

export interface ObservationSink {
  /** Rows offered so far (added or rejected): a failure after the first row is not a fallback. */
  readonly size: number;
  /**
   * One answer. Ids are text (null when the source had none); `respondedAt` is epoch
   * milliseconds, omitted when unknown. Invalid or NULL correctness is the sink's to count.
   */
  add(userId: string | null, itemId: string | null, correct: SourceCorrect, respondedAt?: number): void;
  /** A row that could not become an answer, counted under `reason`. */
  reject(reason: string): void;
}
