/**
 * What a CSV read gives back, as plain values to compare with deepEqual: the report, the
 * hygiene, the ids and the CSR of the answers.
 */
import type { ResponseData } from '../../src/engine/responses.js';
import type { CsvReadReport } from '../../src/files/csv-responses.js';

export function plainRead(r: { data: ResponseData; report: CsvReadReport }) {
  const d = r.data;
  return {
    report: r.report,
    hygiene: d.hygiene,
    userIds: d.userIds,
    itemIds: d.itemIds,
    csr: [Array.from(d.userPtr), Array.from(d.userItem), Array.from(d.userResp)],
  };
}
