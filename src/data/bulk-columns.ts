/** Checks shared by both backends' bulk writes (pg-db.ts COPY, pglite-db.ts unnest batches). */
import type { BulkColumn } from './db.js';

/** The row count of a bulk write: every column must hold one value per row. */
export function checkColumns(columns: readonly BulkColumn[]): number {
  if (columns.length === 0) throw new Error('bulk insert needs at least one column');
  const n = columns[0].values.length;
  for (const c of columns) {
    if (c.values.length !== n)
      throw new Error(`bulk insert: column ${c.name} has ${c.values.length} values, expected ${n}`);
  }
  return n;
}
