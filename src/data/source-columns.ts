/**
 * The columns of a source relation and how each is selected for COPY ... TO STDOUT.
 *
 * A column is sent in COPY's own text form when copy-text.ts reads that form as the value the
 * job means, and cast to text on the server otherwise. The cast costs the server a function
 * call and a datum per row (measured at 10M rows: 4.80 s of backend CPU with every column cast,
 * 4.00 s without, docs/ENGINE.md "Extraction"), and for these types it changes nothing:
 *   boolean            `t`/`f` (`::text` would give `true`/`false`; the parser reads both);
 *   smallint, integer, bigint, numeric   the same digits either way (ids stay text: a bigint
 *                      above 2^53 is not rounded);
 *   text, varchar, uuid                  the same characters (COPY escapes, the parser unescapes).
 * Anything else keeps its cast: `character(n)` would keep the blanks `::text` strips, and a
 * domain, enum or other type is not assumed to print as its base type does.
 * test/data/extract-column-types.test.ts reads every one of these types on both backends.
 */
import type { Db } from './db.js';

/** format_type() names of the types sent as they are. */
const AS_IS = new Set([
  'boolean',
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'text',
  'character varying',
  'uuid',
]);

/** Column name -> its type as format_type() names it (without a length: `character varying`). */
export type SourceColumns = ReadonlyMap<string, string>;

/** The columns of a table or view, or null when there is no such relation. */
export async function columnsOf(db: Db, relation: string): Promise<Map<string, string> | null> {
  const rows = await db.query<{ name: string; type: string }>(
    `SELECT a.attname::text AS name, format_type(a.atttypid, NULL) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [relation],
  );
  return rows.length === 0 ? null : new Map(rows.map((r) => [r.name, r.type]));
}

/** `alias.column` as selected for COPY: as it is when its text form reads right, else `::text`. */
export function copyColumn(cols: SourceColumns, alias: string, column: string): string {
  const type = cols.get(column);
  return type !== undefined && AS_IS.has(type) ? `${alias}.${column}` : `${alias}.${column}::text`;
}

/**
 * Answer time as integer epoch milliseconds, parsed from its digits without a string. date_part
 * (float8) is cheaper on the server than extract (numeric since PostgreSQL 14): measured on 5M
 * rows, COPY took 2.0 s against 3.1 s. The bigint is printed by COPY as it is.
 */
export const epochMs = (ts: string) => `round(date_part('epoch', ${ts}) * 1000)::bigint`;
