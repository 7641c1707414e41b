/**
 * What an existing output table looks like: its unique keys (to pick the ON CONFLICT target the
 * table really has) and its column types (to cast staged text into, e.g., an integer item_id).
 * Read from the catalog, so names and types spliced into SQL come from PostgreSQL itself.
 */
import type { Queryable } from './db.js';

export interface TableShape {
  readonly uniqueKeys: readonly (readonly string[])[];
  readonly columnTypes: ReadonlyMap<string, string>;
}

export async function tableShape(db: Queryable, table: string): Promise<TableShape | null> {
  const cols = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [table],
  );
  if (cols.length === 0) return null;
  const keys = await db.query<{ cols: string[] | string }>(
    `SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
      GROUP BY i.indexrelid`,
    [table],
  );
  return {
    uniqueKeys: keys.map((k) => parseTextArray(k.cols)),
    columnTypes: new Map(cols.map((c) => [c.name, c.type])),
  };
}

/** The first unique key made only of `allowed` columns and containing `required`, or null. */
export function pickConflictKey(
  shape: TableShape,
  required: string,
  allowed: readonly string[],
): readonly string[] | null {
  const ok = shape.uniqueKeys.filter((k) => k.includes(required) && k.every((c) => allowed.includes(c)));
  // The narrowest key decides what "the same row" is (e.g. item_id alone on the old table).
  ok.sort((x, y) => x.length - y.length);
  return ok[0] ?? null;
}

/** `expr::type` cast into the table's column type, when the column is not text already. */
export function castTo(shape: TableShape, column: string, expr: string): string {
  const t = shape.columnTypes.get(column);
  if (!t || t === 'text') return expr;
  if (!/^[a-z0-9_ ]+(\([0-9, ]+\))?(\[\])?$/i.test(t))
    throw new Error(`unexpected type "${t}" for column ${column}`);
  return `${expr}::${t}`;
}

/** pg returns text[] as a JS array; a driver without array parsing returns the literal `{a,b}`. */
function parseTextArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v;
  return v
    .replace(/^\{|\}$/g, '')
    .split(',')
    .map((s) => s.replace(/^"|"$/g, ''));
}
