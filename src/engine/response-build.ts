/**
 * ResponseBuilder.build(): from answers in arrival order to CSR by user, with the hygiene rules
 * of DESIGN.md: one answer per user and item (response-pairs.ts), items without information
 * excluded, users left without answers dropped, ids numbered by first answer.
 */

import { type AnswerBlocks, BLOCK_ROWS, rowsOf, usersOf } from './answer-blocks.js';
import { EngineInputError } from './errors.js';
import { type ByUser, groupByUser, type Kept, keepOnePerPair } from './response-pairs.js';
import type { DuplicatePolicy, ExcludedItem, HygieneReport, ResponseData } from './response-types.js';

export interface BuildContext {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** Some id of the tables has no answer before a later one: number ids by first answer. */
  readonly renumber: boolean;
  readonly policy: DuplicatePolicy;
  readonly keepDegenerate: boolean;
  /** The builder's counts; the build fills in what it finds. */
  readonly hygiene: HygieneReport;
}

export function buildResponses(b: AnswerBlocks, ctx: BuildContext): ResponseData {
  let userIds = ctx.userIds;
  let itemIds = ctx.itemIds;
  let userOf: Int32Array | null = null;
  let itemOf: Int32Array | null = null;
  if (ctx.renumber) {
    const scratch = new Int32Array(BLOCK_ROWS);
    userOf = firstAnswerOrder(b, (at) => usersOf(b, at, scratch), userIds.length);
    itemOf = firstAnswerOrder(b, (at) => b.item[at], itemIds.length);
    userIds = reorder(userIds, userOf);
    itemIds = reorder(itemIds, itemOf);
  }
  const byUser = groupByUser(b, userIds.length, userOf, itemOf);
  const kept = keepOnePerPair(b, byUser, itemIds.length, ctx.policy);
  const items = excludeItems(kept.itemN, kept.itemCorrect, itemIds, ctx.keepDegenerate);
  const h = ctx.hygiene;
  h.dropped.duplicate = kept.duplicate;
  h.excludedItems = items.excluded;
  const data = toCsr(byUser, kept, userIds, items.map, items.ids, h);
  if (data.nObs === 0) {
    const why =
      items.excluded.length > 0 ? ` (${items.excluded.length} item(s) excluded as not estimable)` : '';
    throw new EngineInputError(`no usable observations${why}`, 'observations');
  }
  return data;
}

/** Old index -> new, ids numbered in the order of their first answer (-1: no answer). */
function firstAnswerOrder(
  b: AnswerBlocks,
  column: (at: number) => ArrayLike<number>,
  nIds: number,
): Int32Array {
  const map = new Int32Array(nIds).fill(-1);
  let next = 0;
  for (let at = 0; at < b.resp.length; at++) {
    const col = column(at);
    const rows = rowsOf(b, at);
    for (let r = 0; r < rows; r++) if (map[col[r]] < 0) map[col[r]] = next++;
  }
  return map;
}

function reorder(ids: readonly string[], map: Int32Array): string[] {
  const out: string[] = [];
  for (let k = 0; k < map.length; k++) if (map[k] >= 0) out[map[k]] = ids[k];
  return out;
}

/** Items without information (everyone right, or wrong) are excluded; items without answers are absent. */
function excludeItems(
  itemN: Int32Array,
  itemCorrect: Int32Array,
  itemIds: readonly string[],
  keepDegenerate: boolean,
): { map: Int32Array; ids: string[]; excluded: ExcludedItem[] } {
  const nI = itemIds.length;
  const map = new Int32Array(nI).fill(-1);
  const ids: string[] = [];
  const excluded: ExcludedItem[] = [];
  for (let i = 0; i < nI; i++) {
    const n = itemN[i];
    if (n === 0) continue;
    // Only items without information are excluded; few answers make an item provisional.
    let reason: ExcludedItem['reason'] | null = null;
    if (!keepDegenerate && itemCorrect[i] === n) reason = 'all_correct';
    else if (!keepDegenerate && itemCorrect[i] === 0) reason = 'all_wrong';
    if (reason) excluded.push({ id: itemIds[i], reason, n });
    else {
      map[i] = ids.length;
      ids.push(itemIds[i]);
    }
  }
  return { map, ids, excluded };
}

/**
 * The CSR of the kept answers to kept items; users without any are dropped (and counted). When
 * no item is excluded the kept answers are the CSR already (items keep their numbers): only the
 * users are gathered, no answer is touched again.
 */
function toCsr(
  g: ByUser,
  kept: Kept,
  userIdsIn: readonly string[],
  itemMap: Int32Array,
  itemIds: string[],
  hygiene: HygieneReport,
): ResponseData {
  const { start, item, resp } = g;
  const nU = start.length - 1;
  const nItems = itemIds.length;
  const ptr = new Int32Array(nU + 1);
  const userIds: string[] = [];
  let itemN = kept.itemN;
  let itemCorrect = kept.itemCorrect;
  let o = 0;
  if (isIdentity(itemMap)) {
    for (let u = 0; u < nU; u++) {
      if (start[u + 1] === start[u]) continue;
      userIds.push(userIdsIn[u]);
      ptr[userIds.length] = start[u + 1];
    }
    o = start[nU];
  } else {
    itemN = new Int32Array(nItems);
    itemCorrect = new Int32Array(nItems);
    for (let u = 0; u < nU; u++) {
      const o0 = o;
      for (let r = start[u]; r < start[u + 1]; r++) {
        const j = itemMap[item[r]];
        if (j < 0) continue;
        item[o] = j;
        resp[o] = resp[r];
        itemN[j]++;
        itemCorrect[j] += resp[r];
        o++;
      }
      if (o > o0) {
        userIds.push(userIdsIn[u]);
        ptr[userIds.length] = o;
      }
    }
  }
  const nUsers = userIds.length;
  hygiene.rowsUsed = o;
  hygiene.dropped.excludedItem = start[nU] - o;
  hygiene.usersWithoutResponses = g.usersSeen - nUsers;
  return {
    nUsers,
    nItems,
    nObs: o,
    userIds,
    itemIds,
    userPtr: ptr.slice(0, nUsers + 1),
    userItem: o === item.length ? item : item.slice(0, o),
    userResp: o === resp.length ? resp : resp.slice(0, o),
    itemN,
    itemCorrect,
    hygiene,
  };
}

/** Every item kept under its own number. */
function isIdentity(map: Int32Array): boolean {
  for (let i = 0; i < map.length; i++) if (map[i] !== i) return false;
  return true;
}
