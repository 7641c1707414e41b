/** Opens the database the configuration names: pg for a DATABASE_URL, else embedded PGlite. */
import type { Db } from './db.js';
import { openPgDb } from './pg-db.js';
import { DEFAULT_PG_TIMEOUTS, type PgTimeouts } from './pg-timeouts.js';
import { openPgliteDb } from './pglite-db.js';

export function openDatabase(opts: {
  databaseUrl: string | null;
  dataDir: string;
  /** Connect and statement time limits on PostgreSQL (the embedded database runs in-process). */
  dbTimeouts?: PgTimeouts;
}): Promise<Db> {
  return opts.databaseUrl
    ? openPgDb(opts.databaseUrl, opts.dbTimeouts ?? DEFAULT_PG_TIMEOUTS)
    : openPgliteDb(opts.dataDir);
}

/** The advisory lock key of the job: one constant, so every run of any version competes for it. */
export const JOB_LOCK_KEY = 0x6d6972745f63616cn; // "mirt_cal"
