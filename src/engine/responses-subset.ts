/** Subsets of built response data (scoring against fixed parameters without some items). */

import type { ExcludedItem, ResponseData } from './responses.js';

/**
 * The same data without some items (by index): their answers are dropped and counted, the items
 * listed as excluded with `reason`, users left without answers dropped and counted. Returns the
 * kept item indices of the old numbering alongside.
 */
export function withoutItems(
  data: ResponseData,
  drop: readonly number[],
  reason: ExcludedItem['reason'],
): { data: ResponseData; keptItems: Int32Array } {
  const gone = new Uint8Array(data.nItems);
  for (const j of drop) gone[j] = 1;
  const itemMap = new Int32Array(data.nItems).fill(-1);
  const keptItems: number[] = [];
  for (let j = 0; j < data.nItems; j++) {
    if (!gone[j]) {
      itemMap[j] = keptItems.length;
      keptItems.push(j);
    }
  }
  let nObs = 0;
  for (let k = 0; k < data.nObs; k++) if (!gone[data.userItem[k]]) nObs++;
  const userPtr = [0];
  const userIds: string[] = [];
  const userItem = new Int32Array(nObs);
  const userResp = new Uint8Array(nObs);
  let o = 0;
  for (let u = 0; u < data.nUsers; u++) {
    const start = o;
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
      const j = itemMap[data.userItem[k]];
      if (j < 0) continue;
      userItem[o] = j;
      userResp[o] = data.userResp[k];
      o++;
    }
    if (o > start) {
      userIds.push(data.userIds[u]);
      userPtr.push(o);
    }
  }
  const h = data.hygiene;
  const excluded = drop.map((j) => ({ id: data.itemIds[j], reason, n: data.itemN[j] }));
  return {
    keptItems: Int32Array.from(keptItems),
    data: {
      nUsers: userIds.length,
      nItems: keptItems.length,
      nObs,
      userIds,
      itemIds: keptItems.map((j) => data.itemIds[j]),
      userPtr: Int32Array.from(userPtr),
      userItem,
      userResp,
      itemN: Int32Array.from(keptItems, (j) => data.itemN[j]),
      itemCorrect: Int32Array.from(keptItems, (j) => data.itemCorrect[j]),
      hygiene: {
        ...h,
        rowsUsed: nObs,
        dropped: { ...h.dropped, excludedItem: h.dropped.excludedItem + (data.nObs - nObs) },
        excludedItems: [...h.excludedItems, ...excluded],
        usersWithoutResponses: h.usersWithoutResponses + (data.nUsers - userIds.length),
      },
    },
  };
}
