/**
 * The per-item linking results of a run, written into its mirt_item_params_history rows
 * (columns of migration 5): `se` (standard errors in IRT form on the stored scale; for an item
 * fixed as an anchor, those of its free estimate, so the next run can judge its drift),
 * `displacement` and `displacement_z` (drift.ts; common items only) and `flags` (a JSON list:
 * "drift", "anchored", added to the item flags writeResults stored). Runs inside the
 * transaction of writeResults, after its rows are in.
 */
import type { Tx } from './db.js';

export interface ItemLinkRow {
  readonly item_id: string;
  readonly se: { a: number | null; b: number | null; c?: number | null } | null;
  readonly displacement: number | null;
  readonly displacement_z: number | null;
  readonly flags: readonly string[];
}

export async function writeItemLinkColumns(
  tx: Tx,
  version: string,
  rows: readonly ItemLinkRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const clean = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const json = JSON.stringify(
    rows.map((r) => ({
      item_id: r.item_id,
      se: r.se && {
        a: clean(r.se.a),
        b: clean(r.se.b),
        ...(r.se.c !== undefined ? { c: clean(r.se.c) } : {}),
      },
      displacement: clean(r.displacement),
      displacement_z: clean(r.displacement_z),
      flags: r.flags,
    })),
  );
  await tx.query(
    `UPDATE mirt_item_params_history h
        SET se = x.se, displacement = x.displacement, displacement_z = x.displacement_z,
            flags = COALESCE(h.flags, '[]'::jsonb) || x.flags
       FROM jsonb_to_recordset($2::jsonb) AS x(item_id text, se jsonb, displacement float8, displacement_z float8, flags jsonb)
      WHERE h.version = $1 AND h.item_id::text = x.item_id`,
    [version, json],
  );
}
