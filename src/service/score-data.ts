/**
 * Compact data for /irt/score. Unlike calibration, scoring must keep items that everyone (or
 * the one user) got right or wrong: ResponseBuilder's hygiene would exclude them, so this builds
 * the CSR-by-user arrays directly against the given item bank's item order.
 */
import type { ScoreItemParams } from '../contract/forms.js';
import type { Observation } from '../contract/types.js';
import { ContractError } from '../contract/validate.js';
import type { ItemBank } from '../engine/models.js';
import { parseCorrect, type ResponseData } from '../engine/responses.js';

export interface ScoreData {
  readonly data: ResponseData;
  readonly bank: ItemBank;
  /** Users whose every answer was to an unknown item or null: listed, not scored. */
  readonly unscored: string[];
  readonly skipped: { unknownItem: number; nullCorrect: number; duplicate: number };
}

/** IRT form (a, b, c) to the engine's slope-intercept bank: d = -a b. */
export function bankFromParams(items: readonly ScoreItemParams[]): {
  bank: ItemBank;
  index: Map<string, number>;
} {
  const n = items.length;
  const bank = {
    a: new Float64Array(n),
    d: new Float64Array(n),
    c: new Float64Array(n),
    u: new Float64Array(n),
  };
  const index = new Map<string, number>();
  items.forEach((it, j) => {
    bank.a[j] = it.params.a;
    bank.d[j] = -it.params.a * it.params.b;
    bank.c[j] = it.params.c ?? 0;
    bank.u[j] = it.params.u ?? 1;
    index.set(String(it.item_id), j);
  });
  return { bank, index };
}

export function scoreData(
  items: readonly ScoreItemParams[],
  observations: readonly Observation[],
): ScoreData {
  const { bank, index } = bankFromParams(items);
  const skipped = { unknownItem: 0, nullCorrect: 0, duplicate: 0 };
  // Answers grouped by user in first-seen order; the earliest answer to an item is kept (as calibration does).
  const byUser = new Map<string, { items: Map<number, { x: 0 | 1; t: number }> }>();
  const seenUsers: string[] = [];
  for (let k = 0; k < observations.length; k++) {
    const o = observations[k];
    const user = String(o.user_id);
    let entry = byUser.get(user);
    if (!entry) {
      entry = { items: new Map() };
      byUser.set(user, entry);
      seenUsers.push(user);
    }
    const j = index.get(String(o.item_id));
    if (j === undefined) {
      skipped.unknownItem++;
      continue;
    }
    const x = parseCorrect(o.is_correct);
    if (x === null || x === undefined) {
      skipped.nullCorrect++;
      continue;
    }
    let t = Number.POSITIVE_INFINITY;
    if (typeof o.responded_at === 'string') {
      t = Date.parse(o.responded_at);
      if (Number.isNaN(t))
        throw new ContractError(`observations[${k}].responded_at`, 'must be an ISO 8601 timestamp');
    }
    const prev = entry.items.get(j);
    if (prev) {
      skipped.duplicate++;
      if (t < prev.t) entry.items.set(j, { x, t });
    } else entry.items.set(j, { x, t });
  }
  const userIds: string[] = [];
  const unscored: string[] = [];
  let nObs = 0;
  for (const u of seenUsers) {
    const n = byUser.get(u)!.items.size;
    if (n === 0) unscored.push(u);
    else {
      userIds.push(u);
      nObs += n;
    }
  }
  const nItems = items.length;
  const userPtr = new Int32Array(userIds.length + 1);
  const userItem = new Int32Array(nObs);
  const userResp = new Uint8Array(nObs);
  const itemN = new Int32Array(nItems);
  const itemCorrect = new Int32Array(nItems);
  let o = 0;
  userIds.forEach((u, i) => {
    const answers = [...byUser.get(u)!.items.entries()].sort((p, q) => p[0] - q[0]);
    for (const [j, { x }] of answers) {
      userItem[o] = j;
      userResp[o] = x;
      itemN[j]++;
      itemCorrect[j] += x;
      o++;
    }
    userPtr[i + 1] = o;
  });
  const data: ResponseData = {
    nUsers: userIds.length,
    nItems,
    nObs,
    userIds,
    itemIds: items.map((it) => String(it.item_id)),
    userPtr,
    userItem,
    userResp,
    itemN,
    itemCorrect,
    hygiene: {
      rowsRead: observations.length,
      rowsUsed: nObs,
      dropped: {
        nullCorrect: skipped.nullCorrect,
        invalidCorrect: 0,
        missingId: 0,
        duplicate: skipped.duplicate,
        excludedItem: 0,
        rejected: skipped.unknownItem ? { unknown_item: skipped.unknownItem } : {},
      },
      duplicatePolicy: 'first',
      minItemResponses: 1,
      excludedItems: [],
      usersWithoutResponses: unscored.length,
    },
  };
  return { data, bank, unscored, skipped };
}
