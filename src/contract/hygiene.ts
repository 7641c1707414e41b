/**
 * fit_meta.metrics.hygiene: what happened to the rows (read, used, dropped by kind), the
 * duplicate policy, the items excluded and the users left without answers. One writer for the
 * calibrator's answer and the service's answer when nothing was estimable. The input is the
 * engine's HygieneReport, described here by its shape (the contract imports no engine types).
 */
export interface HygieneCounts {
  readonly rowsRead: number;
  readonly rowsUsed: number;
  readonly dropped: unknown;
  readonly duplicatePolicy: string;
  readonly excludedItems: readonly { readonly id: string; readonly reason: string }[];
  readonly usersWithoutResponses: number;
}

export function hygieneRecord(h: HygieneCounts) {
  return {
    rows_read: h.rowsRead,
    rows_used: h.rowsUsed,
    dropped: h.dropped,
    duplicate_policy: h.duplicatePolicy,
    excluded_items: h.excludedItems,
    users_without_responses: h.usersWithoutResponses,
  };
}
