/**
 * Opens the database the configuration names: pg for a DATABASE_URL, else embedded PGlite. Each
 * driver is loaded only when it is used: PGlite (27 MB, an optional dependency) never loads
 * with a DATABASE_URL, and may be absent from an installation that always has one.
 */
import type { Db } from './db.js';
import { DEFAULT_PG_TIMEOUTS, type PgTimeouts } from './pg-timeouts.js';

export async function openDatabase(opts: {
  databaseUrl: string | null;
  dataDir: string;
  /** Connect and statement time limits on PostgreSQL (the embedded database runs in-process). */
  dbTimeouts?: PgTimeouts;
}): Promise<Db> {
  if (opts.databaseUrl) {
    const { openPgDb } = await import('./pg-db.js');
    return openPgDb(opts.databaseUrl, opts.dbTimeouts ?? DEFAULT_PG_TIMEOUTS);
  }
  let embedded: typeof import('./pglite-db.js');
  try {
    embedded = await import('./pglite-db.js');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('@electric-sql/pglite')) {
      throw new Error(
        'no DATABASE_URL is set and the embedded database (the optional dependency @electric-sql/pglite) ' +
          'is not installed: set DATABASE_URL, or install it (npm install @electric-sql/pglite)',
      );
    }
    throw e;
  }
  return embedded.openPgliteDb(opts.dataDir);
}

/** The advisory lock key of the job: one constant, so every run of any version competes for it. */
export const JOB_LOCK_KEY = 0x6d6972745f63616cn; // "mirt_cal"
