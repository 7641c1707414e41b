/**
 * Which estimates the data cannot identify, although EM "converges" on them.
 *
 * A slope is seen only through the association between an item's answers and the same users'
 * other answers. An item whose every respondent answered nothing else shows only its proportion
 * correct p: every (a, d) with  integral of P(theta; a, d) over N(0, 1) = p  fits it equally well,
 * so EM leaves the slope where it started (a = 1), reports convergence, and the difficulty is only
 * the one that goes with that arbitrary slope. For the 2PL and 3PL this is decided item by item;
 * for Rasch and 1PL the shared quantity (the latent variance, the common slope) needs at least
 * one user with two answers, and without one no item is identified.
 */
import type { CalibrateResponse } from '../contract/types.js';
import { modelFor } from '../engine/models/registry.js';
import type { ResponseData } from '../engine/responses.js';
import { parseModel } from '../engine/types.js';

export interface NotIdentified {
  /** Item ids, in the data's order. */
  readonly items: string[];
  readonly reason: string;
}

/**
 * The items of `result` (estimated from `data`) whose parameters are not identified, or null when
 * all are. Anchored items are fixed, not estimated, and never listed.
 */
export function notIdentified(data: ResponseData, result: CalibrateResponse): NotIdentified | null {
  const estimated = new Set(result.item_params.filter((it) => !it.anchored).map((it) => String(it.item_id)));
  const kept = Uint8Array.from(data.itemIds, (id) => (estimated.has(id) ? 1 : 0));
  // linked[j]: some respondent of item j also answered another kept item. Once every item is
  // linked (the first learner of complete data links them all) no later learner changes anything.
  const linked = new Uint8Array(data.nItems);
  const allKept = kept.every((k) => k === 1);
  let nLinked = 0;
  let anyPair = false;
  for (let u = 0; u < data.nUsers && nLinked < data.nItems; u++) {
    const lo = data.userPtr[u];
    const hi = data.userPtr[u + 1];
    let answers = allKept ? hi - lo : 0;
    if (!allKept) for (let k = lo; k < hi; k++) answers += kept[data.userItem[k]];
    if (answers < 2) continue;
    anyPair = true;
    for (let k = lo; k < hi; k++) {
      nLinked += 1 - linked[data.userItem[k]];
      linked[data.userItem[k]] = 1;
    }
  }
  // A quantity all items share (the 1PL's slope, the Rasch model's latent variance) is seen
  // through any user with two answers; a per-item slope only through that item's respondents.
  const model = modelFor(parseModel(String(result.fit_meta.model_spec.model)));
  const shared = model.sharedSlope || model.estimatesVariance;
  const items = data.itemIds.filter((_, j) => kept[j] && (shared ? !anyPair : !linked[j]));
  if (items.length === 0) return null;
  return {
    items,
    reason: shared
      ? `no user answered two items: the ${model.estimatesVariance ? 'latent variance' : 'common slope'} is not identified, so no item is`
      : 'every user who answered these items answered no other item: only the proportion correct is observed, the slope stays at its start value (a = 1)',
  };
}
