/**
 * The one small database interface the job uses, with two implementations: `pg` on a real
 * PostgreSQL (pg-db.ts) and the embedded PGlite (pglite-db.ts). Ordinary SQL is shared; only the
 * bulk paths differ (COPY on pg, cursor batches / unnest on PGlite), as DESIGN.md measured.
 */
import type { Field, FieldKind } from './copy-text.js';

/** Parameter values accepted by both drivers (typed arrays must be converted first: PGlite rejects them). */
export type SqlValue = string | number | boolean | null | readonly (string | number | boolean | null)[];

/** A column of a bulk write: its SQL type and one value per row. */
export interface BulkColumn {
  readonly name: string;
  /** SQL type of the (temporary) target column, e.g. `text`, `float8`, `jsonb`. */
  readonly type: string;
  readonly values: ArrayLike<string | number | null>;
}

export interface Queryable {
  /** Runs one parameterised statement and returns its rows as objects. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
}

export interface Tx extends Queryable {
  /**
   * Appends rows to an existing table (in practice a temporary staging table) in bulk:
   * COPY FROM STDIN on pg, unnest batches on PGlite. All columns must have the same length.
   */
  bulkInsert(table: string, columns: readonly BulkColumn[]): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Where the data lives, for logs: host/db or the data folder. Never a password. */
  describe(): string;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Streams the rows of a SELECT (columns in a text form copy-text.ts reads), calling `onRow` with one
   * reused array per row (copy what you keep); `columns` says how each is handed out (see
   * copy-text.ts: `int` and `bool` columns arrive as numbers without a string being made). `settings` are set with set_config(..., is_local) in the
   * read's own transaction, so the SELECT reads its parameters through current_setting():
   * COPY cannot take bind parameters, and this keeps the SQL parameterised on both paths.
   * Returns the number of rows.
   */
  streamRows(
    select: string,
    columns: readonly FieldKind[] | number,
    settings: Readonly<Record<string, string>>,
    onRow: (fields: Field[]) => void,
  ): Promise<number>;
  /**
   * Takes the job's exclusive lock without waiting; false when another run holds it.
   * pg: a session advisory lock. PGlite: the data-folder lockfile already made this process the
   * only one, and an advisory lock is taken as well for other openers inside this process.
   */
  tryLock(key: bigint): Promise<boolean>;
  unlock(key: bigint): Promise<void>;
  close(): Promise<void>;
}

/** Names that may be spliced into SQL (table names of our own): anything else is refused. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`refusing SQL identifier "${name}"`);
  return name;
}

/** `mirt.x` settings must be dotted custom names. */
export function settingName(name: string): string {
  if (!/^[a-z_]+\.[a-z_]+$/.test(name)) throw new Error(`refusing setting name "${name}"`);
  return name;
}
