/**
 * Detects relation files of the embedded database that lost data while it was closed.
 *
 * PostgreSQL does not notice a shortened table file: a relation is as long as its file, so a
 * table cut to half its size simply has half its rows (the job loaded 176,980 of ~371,800 rows
 * and exited 0; a truncated mirt_ability lost earlier abilities). Data checksums (on by default
 * in PGlite's PostgreSQL 18) only catch damaged bytes inside a page, never a missing page.
 *
 * So each clean close records the size of every permanent relation's file (tables, indexes,
 * TOAST, the catalogs) in `mirt-integrity.json`, and each open compares. Between two sessions a
 * file can only grow: the job and PostgreSQL's startup never shrink one in place (that takes
 * VACUUM truncation, which nothing here runs, and single-user PGlite has no autovacuum), and a
 * rewrite (TRUNCATE, VACUUM FULL) gives the relation a new file, which is recognised by its
 * changed path. This also holds after a session killed mid-write: its files have only grown
 * since the last clean close.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INTEGRITY_FILE = 'mirt-integrity.json';

interface Queryable {
  query<T>(sql: string): Promise<{ rows: T[] }>;
}

export interface RelationFile {
  readonly oid: number;
  readonly name: string;
  readonly kind: string;
  /** Relative to the data folder, as pg_relation_filepath gives it. */
  readonly path: string;
}

interface Recorded extends RelationFile {
  readonly bytes: number;
}

/** The embedded database lost data while it was closed. */
export class DatabaseDamagedError extends Error {
  override name = 'DatabaseDamagedError';
}

const KINDS: Record<string, string> = {
  r: 'table',
  i: 'index',
  t: 'TOAST table',
  S: 'sequence',
  m: 'materialized view',
};

/** Permanent relations with storage (unlogged ones are emptied after a crash by design). */
export async function relationFiles(db: Queryable): Promise<RelationFile[]> {
  const r = await db.query<{ oid: number; name: string; kind: string; path: string }>(
    `SELECT c.oid::int8 AS oid, c.relname AS name, c.relkind AS kind, pg_relation_filepath(c.oid) AS path
       FROM pg_class c
      WHERE c.relpersistence = 'p' AND pg_relation_filepath(c.oid) IS NOT NULL`,
  );
  return r.rows.map((x) => ({ oid: Number(x.oid), name: x.name, kind: x.kind, path: x.path }));
}

/** Records the relations' file sizes; call after PGlite has closed (everything flushed). */
export function recordRelationSizes(dir: string, relations: readonly RelationFile[]): void {
  const recorded: Recorded[] = [];
  for (const r of relations) {
    const bytes = fileBytes(dir, r.path);
    if (bytes !== null) recorded.push({ ...r, bytes });
  }
  const body = JSON.stringify({ format: 1, recorded_at: new Date().toISOString(), relations: recorded });
  const tmp = join(dir, `${INTEGRITY_FILE}.tmp`);
  writeFileSync(tmp, body);
  renameSync(tmp, join(dir, INTEGRITY_FILE));
}

/**
 * Compares the files with the last clean close; throws DatabaseDamagedError naming what is
 * short or missing. A folder without a record (new, or written by an older version) passes and
 * gets one at its next close.
 */
export async function checkRelationSizes(dir: string, db: Queryable): Promise<void> {
  const recorded = readRecord(dir);
  if (recorded === null) return;
  const now = new Map((await relationFiles(db)).map((r) => [r.oid, r]));
  const problems: string[] = [];
  for (const was of recorded) {
    const is = now.get(was.oid);
    const what = `${KINDS[was.kind] ?? 'relation'} ${was.name} (${was.path})`;
    if (!is) {
      problems.push(`${what} is gone from the catalog`);
      continue;
    }
    if (is.path !== was.path) continue; // rewritten into a new file by PostgreSQL
    const bytes = fileBytes(dir, was.path);
    if (bytes === null) problems.push(`${what} has no file`);
    else if (bytes < was.bytes)
      problems.push(`${what} is ${bytes} bytes, ${was.bytes} at the last clean close`);
  }
  if (problems.length === 0) return;
  const shown =
    problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
  throw new DatabaseDamagedError(
    `the embedded database in ${dir} is damaged, files were cut short or removed while it was closed: ${shown}. Nothing was read or written; restore the folder from a backup (or, to start over, move it away and let the next run create a new one)`,
  );
}

function readRecord(dir: string): Recorded[] | null {
  let text: string;
  try {
    text = readFileSync(join(dir, INTEGRITY_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const v = JSON.parse(text) as { format?: number; relations?: Recorded[] };
    if (v.format === 1 && Array.isArray(v.relations)) return v.relations;
  } catch {
    /* reported below */
  }
  throw new DatabaseDamagedError(
    `the embedded database in ${dir} is damaged: its integrity record ${INTEGRITY_FILE} is unreadable. Restore the folder from a backup (or delete that file to accept the database as it is)`,
  );
}

/** Bytes of a relation's main fork: its file plus the 1 GiB segments `.1`, `.2`, ... */
function fileBytes(dir: string, path: string): number | null {
  let total = 0;
  for (let seg = 0; ; seg++) {
    try {
      total += statSync(join(dir, seg === 0 ? path : `${path}.${seg}`)).size;
    } catch {
      return seg === 0 ? null : total;
    }
  }
}
