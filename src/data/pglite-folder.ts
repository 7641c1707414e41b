/**
 * What an embedded data folder holds, looked at before PGlite touches it. PGlite runs initdb on
 * any folder without PG_VERSION, even a non-empty one: a folder that had lost that one file was
 * initialised again and every table in it was gone, with the job reporting success. So only an
 * empty folder becomes a new database; anything else without PG_VERSION is refused.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isLockEntry } from './lockfile.js';

/** A folder that holds files but no embedded database. */
export class NotADatabaseFolderError extends Error {
  override name = 'NotADatabaseFolderError';
}

/**
 * 'new' for a folder holding nothing but our lock (and `lost+found`, which a freshly formatted
 * volume mounted there has); 'database' for one with PG_VERSION (whether the rest is sound is
 * for PostgreSQL's start and the integrity check to say). Throws for anything else.
 */
export function inspectDataFolder(dir: string): 'new' | 'database' {
  const entries = readdirSync(dir).filter((n) => !isLockEntry(n) && !(n === 'lost+found' && isDir(dir, n)));
  if (entries.length === 0) return 'new';
  if (entries.includes('PG_VERSION')) return 'database';
  const shown =
    entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, ... (${entries.length} entries)` : '');
  throw new NotADatabaseFolderError(
    `data folder ${dir} is not an embedded database (no PG_VERSION) but is not empty (${shown}); refusing to create a new database over it. If it was the job's database, it is damaged: restore it from a backup. Otherwise set MIRT_DATA_DIR to an empty or new folder`,
  );
}

function isDir(dir: string, name: string): boolean {
  try {
    return statSync(`${dir}/${name}`).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `dir` holds an embedded database already (a dry run must not create one to look). */
export function embeddedDatabaseExists(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}
