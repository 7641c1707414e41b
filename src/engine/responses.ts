/**
 * Compact sparse response data.
 *
 * Observations arrive one at a time (from a CSV, a database cursor or a JSON body) and are
 * appended to growable typed arrays with user and item ids numbered densely (ResponseBuilder,
 * response-builder.ts). `build()` applies the data-hygiene rules of DESIGN.md and returns the
 * responses in CSR form by user: for user u, the answers are k in [userPtr[u], userPtr[u+1]) with
 * item userItem[k] and correctness userResp[k] (0/1), items ascending within a user. No dense
 * users x items matrix and no object per observation is ever made.
 */

import { ResponseBuilder } from './response-builder.js';
import type { RawCorrect, ResponseBuilderOptions, ResponseData } from './response-types.js';

export { ResponseBuilder } from './response-builder.js';
export {
  DEFAULT_MIN_ITEM_RESPONSES,
  type DuplicatePolicy,
  type ExcludedItem,
  type HygieneReport,
  type IdTable,
  parseCorrect,
  type RawCorrect,
  type ResponseBuilderOptions,
  type ResponseData,
} from './response-types.js';

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
