/**
 * The reference scale for `MIRT_LINK=previous`: the newest version in mirt_item_params_history
 * labelled before this run (newest by fitted_at, then by label, as retention orders versions).
 * "Before this run" excludes the run's own label, so re-running a night with the same label
 * links to the same reference again. Standard errors come from the `se` column (migration 5);
 * rows written before it have none (null: the drift test then uses this run's SE alone).
 */
import type { Queryable } from './db.js';
import { tableShape } from './table-shape.js';

export interface ReferenceItem {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** SE of b on the reference scale, or NaN when the reference has none. */
  readonly seB: number;
}

export interface ReferenceVersion {
  readonly version: string;
  readonly items: ReadonlyMap<string, ReferenceItem>;
  /** Rows skipped because a or b was not a finite number (a > 0). */
  readonly skipped: number;
}

export async function readPreviousVersion(
  db: Queryable,
  currentVersion: string,
): Promise<ReferenceVersion | null> {
  const shape = await tableShape(db, 'mirt_item_params_history');
  if (!shape) return null;
  const ref = await db.query<{ version: string }>(
    `SELECT version FROM mirt_item_params_history WHERE version IS NOT NULL AND version < $1
      GROUP BY version ORDER BY max(fitted_at) DESC NULLS LAST, version DESC LIMIT 1`,
    [currentVersion],
  );
  if (ref.length === 0) return null;
  const version = ref[0].version;
  const se = shape.columnTypes.has('se') ? "(se->>'b')::float8" : 'NULL::float8';
  const rows = await db.query<{ item_id: string; a: unknown; b: unknown; c: unknown; se_b: unknown }>(
    `SELECT item_id::text AS item_id, params->>'a' AS a, params->>'b' AS b, params->>'c' AS c, ${se} AS se_b
       FROM mirt_item_params_history WHERE version = $1`,
    [version],
  );
  const items = new Map<string, ReferenceItem>();
  let skipped = 0;
  for (const r of rows) {
    const a = Number(r.a);
    const b = Number(r.b);
    const c = r.c === null ? 0 : Number(r.c);
    if (!(a > 0) || !Number.isFinite(a) || !Number.isFinite(b) || !(c >= 0 && c < 1)) {
      skipped++;
      continue;
    }
    const seB = r.se_b === null ? Number.NaN : Number(r.se_b);
    items.set(r.item_id, { a, b, c, seB });
  }
  return { version, items, skipped };
}
