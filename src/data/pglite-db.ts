/**
 * The embedded PGlite implementation of Db, in a data folder owned through a lock inside it.
 * Bulk reads: COPY TO PGlite's /dev/blob, parsed like the pg COPY stream. Bulk writes: unnest
 * batches (PGlite takes plain arrays as parameters, not typed arrays, so values are copied per
 * batch).
 *
 * Opening, in this order: take the folder's lock (lockfile.ts; before anything looks at the
 * folder, so two runs never both decide to create a database in it), refuse a folder that holds
 * something other than a database (pglite-folder.ts), start PostgreSQL (its failures become one
 * line, pglite-errors.ts), then compare the relation files with the last clean close
 * (pglite-integrity.ts). Closing records them again.
 */
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { checkColumns } from './bulk-columns.js';
import { CopyTextParser, type Field, type FieldKind } from './copy-text.js';
import { type BulkColumn, type Db, ident, type SqlValue, settingName, type Tx } from './db.js';
import { acquireFolderLock, DataDirLockedError } from './lockfile.js';
import { crashFailure, isPgliteCrash, ServerLog, startFailure } from './pglite-errors.js';
import { inspectDataFolder } from './pglite-folder.js';
import {
  checkRelationSizes,
  type RelationFile,
  recordRelationSizes,
  relationFiles,
} from './pglite-integrity.js';

/**
 * The folder has been locked for longer than MIRT_LOCK_WARN_AGE_SECS: a live process holds it
 * (the lock proves that), but a run this long is most likely hung, and exiting 0 as for an
 * ordinary overlap would hide that every night.
 */
export class DataDirLockTooOldError extends Error {
  override name = 'DataDirLockTooOldError';
}

const LOCK_WARN_AGE_ENV = 'MIRT_LOCK_WARN_AGE_SECS';
const DEFAULT_LOCK_WARN_AGE_SECS = 6 * 3600;

const SLICE_BYTES = 4 << 20;
const WRITE_BATCH = 50_000;

export async function openPgliteDb(dataDir: string): Promise<Db> {
  const dir = resolve(dataDir);
  const warnAge = lockWarnAgeSecs(process.env.MIRT_LOCK_WARN_AGE_SECS);
  const lock = await acquireFolderLock(dir);
  if ('held' in lock) {
    if (warnAge > 0 && lock.ageSeconds !== null && lock.ageSeconds > warnAge) {
      throw new DataDirLockTooOldError(
        `${new DataDirLockedError(dir, lock.held).message} for ${formatAge(lock.ageSeconds)}, longer than ${LOCK_WARN_AGE_ENV}=${warnAge}: that run is probably hung. Stop it (its lock goes with the process), or raise ${LOCK_WARN_AGE_ENV} if runs really take this long`,
      );
    }
    throw new DataDirLockedError(dir, lock.held);
  }
  try {
    const state = inspectDataFolder(dir);
    const log = new ServerLog();
    let pglite: PGlite;
    try {
      pglite = await PGlite.create(dir, { onStderr: log.push });
    } catch (e) {
      throw startFailure(dir, e, log);
    }
    try {
      if (state === 'database') await checkRelationSizes(dir, pglite);
    } catch (e) {
      await pglite.close().catch(() => {});
      throw isPgliteCrash(e) ? crashFailure(dir, e, log) : e;
    }
    return new PgliteDb(pglite, dir, lock.release, log);
  } catch (e) {
    lock.release();
    throw e;
  }
}

function lockWarnAgeSecs(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LOCK_WARN_AGE_SECS;
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(v)) {
    throw new Error(
      `${LOCK_WARN_AGE_ENV} must be a whole number of seconds (0 = never), got ${JSON.stringify(raw)}`,
    );
  }
  return v;
}

function formatAge(s: number): string {
  return s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s)} s`;
}

type PgliteQueryable = Pick<PGlite, 'query'>;

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly pg: PGlite,
    private readonly dataDir: string,
    private readonly releaseLock: () => void,
    private readonly log: ServerLog,
  ) {}

  describe(): string {
    return `embedded PGlite in ${this.dataDir}`;
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.explained(async () => (await this.pg.query<T>(sql, params as unknown[])).rows);
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.explained(() =>
      this.pg.transaction((t) =>
        fn({
          query: async <R>(sql: string, params: readonly SqlValue[] = []) =>
            (await t.query<R>(sql, params as unknown[])).rows,
          bulkInsert: (table, columns) => unnestInsert(t, table, columns),
        }),
      ),
    );
  }

  streamRows(
    select: string,
    columns: readonly FieldKind[] | number,
    settings: Readonly<Record<string, string>>,
    onRow: (fields: Field[]) => void,
  ): Promise<number> {
    return this.explained(() =>
      this.pg.transaction(async (t) => {
        for (const [k, v] of Object.entries(settings)) {
          await t.query('SELECT set_config($1, $2, true)', [settingName(k), v]);
        }
        // Measured on 1M rows: COPY to PGlite's /dev/blob 0.55 s, a cursor fetched in 10k-200k
        // row batches 5-5.7 s. The blob holds the whole text output (~28 bytes a row) at once,
        // which is acceptable at the sizes the embedded database is meant for; it is parsed in
        // slices by the same COPY parser as the pg path.
        const r = await t.query(`COPY (${select}) TO '/dev/blob'`);
        const parser = new CopyTextParser(columns, onRow);
        // An empty result comes back without a blob.
        if (!r.blob) return 0;
        const bytes = new Uint8Array(await r.blob.arrayBuffer());
        for (let s = 0; s < bytes.length; s += SLICE_BYTES) {
          parser.push(
            Buffer.from(bytes.buffer, bytes.byteOffset + s, Math.min(SLICE_BYTES, bytes.length - s)),
          );
        }
        parser.end();
        return parser.rows;
      }),
    );
  }

  async tryLock(key: bigint): Promise<boolean> {
    const r = await this.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      key.toString(),
    ]);
    return r[0].ok === true;
  }

  async unlock(key: bigint): Promise<void> {
    await this.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
  }

  async close(): Promise<void> {
    try {
      if (this.pg.closed) return;
      // Listed while open, measured once closed (all pages written): the integrity record.
      let relations: RelationFile[] | null = null;
      try {
        relations = await relationFiles(this.pg);
      } catch {
        /* the instance stopped: keep the record of the last clean close */
      }
      await this.pg.close();
      if (relations) recordRelationSizes(this.dataDir, relations);
    } finally {
      this.releaseLock();
    }
  }

  /** SQL errors pass as they are (callers read their codes); crashes become one clear line. */
  private async explained<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw isPgliteCrash(e) ? crashFailure(this.dataDir, e, this.log) : e;
    }
  }
}

async function unnestInsert(
  t: PgliteQueryable,
  table: string,
  columns: readonly BulkColumn[],
): Promise<void> {
  const n = checkColumns(columns);
  const names = columns.map((c) => ident(c.name)).join(', ');
  const args = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const sql = `INSERT INTO ${ident(table)} (${names}) SELECT * FROM unnest(${args})`;
  for (let s = 0; s < n; s += WRITE_BATCH) {
    const e = Math.min(n, s + WRITE_BATCH);
    const params = columns.map((c) => {
      const out = new Array<string | number | null>(e - s);
      for (let i = s; i < e; i++) {
        const v = c.values[i];
        // NaN has no JSON/array-literal spelling that survives every type; the callers use null.
        out[i - s] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
      }
      return out;
    });
    await t.query(sql, params);
  }
}
