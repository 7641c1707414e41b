/**
 * The run's data hygiene as written to `mirt_fit_meta.metrics->'hygiene'`: the job's extraction
 * counts (rows read, NULL correctness, duplicates, items excluded before calibration) merged with
 * what the calibrator left out afterwards (the engine's `slope_diverged` items, or items a remote
 * service listed as excluded or did not return). The counts are the job's own, recomputed from
 * the data it sent and the items that came back, so they hold for any calibrator.
 */
import type { CalibrateResponse } from '../contract/types.js';
import type { ExcludedItem, ResponseData } from '../engine/responses.js';

export interface RunExcludedItem {
  readonly id: string;
  /** ExcludedItem's reasons, or the calibrator's own; `not_returned`: sent, absent from the answer. */
  readonly reason: ExcludedItem['reason'] | 'not_returned' | (string & {});
  /** Answers to the item. */
  readonly n: number;
}

export interface RunHygiene {
  rows_read: number;
  /** Answers that reached the model: to items that came back estimated. */
  rows_used: number;
  null_correct: number;
  invalid_correct: number;
  missing_id: number;
  duplicate: number;
  duplicate_policy: string;
  /** Answers to items excluded before or during calibration. */
  excluded_item_answers: number;
  rejected: Record<string, number>;
  /** Every item left out, with the reason: before calibration first, then by the calibrator. */
  excluded_items: RunExcludedItem[];
  users_without_responses: number;
}

export function runHygiene(data: ResponseData, result: CalibrateResponse): RunHygiene {
  const h = data.hygiene;
  const listed = new Map(calibratorExcluded(result).map((x) => [x.id, x.reason]));
  const returned = new Set(result.item_params.map((it) => String(it.item_id)));
  const used = new Uint8Array(data.nItems);
  const leftOut: RunExcludedItem[] = [];
  let rowsUsed = 0;
  for (let j = 0; j < data.nItems; j++) {
    const id = data.itemIds[j];
    const reason = listed.get(id) ?? (returned.has(id) ? null : 'not_returned');
    if (reason === null) {
      used[j] = 1;
      rowsUsed += data.itemN[j];
    } else {
      leftOut.push({ id, reason, n: data.itemN[j] });
    }
  }
  let usersLeft = 0;
  for (let u = 0; u < data.nUsers; u++) {
    let any = false;
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1] && !any; k++) any = used[data.userItem[k]] === 1;
    if (!any) usersLeft++;
  }
  return {
    rows_read: h.rowsRead,
    rows_used: rowsUsed,
    null_correct: h.dropped.nullCorrect,
    invalid_correct: h.dropped.invalidCorrect,
    missing_id: h.dropped.missingId,
    duplicate: h.dropped.duplicate,
    duplicate_policy: h.duplicatePolicy,
    excluded_item_answers: h.dropped.excludedItem + (data.nObs - rowsUsed),
    rejected: { ...h.dropped.rejected },
    excluded_items: [...h.excludedItems.map((x) => ({ id: x.id, reason: x.reason, n: x.n })), ...leftOut],
    users_without_responses: h.usersWithoutResponses + usersLeft,
  };
}

/** The calibrator's `metrics.hygiene.excluded_items` (our engine and service list them; R's does not). */
function calibratorExcluded(result: CalibrateResponse): { id: string; reason: string }[] {
  const h = result.fit_meta.metrics.hygiene as { excluded_items?: unknown } | undefined;
  if (!Array.isArray(h?.excluded_items)) return [];
  return h.excluded_items
    .filter((x): x is { id: unknown; reason?: unknown } => typeof x === 'object' && x !== null && 'id' in x)
    .map((x) => ({ id: String(x.id), reason: typeof x.reason === 'string' ? x.reason : 'excluded' }));
}
