/**
 * The embedded PGlite implementation of Db, in a data folder owned through a lockfile.
 * Bulk reads: COPY TO PGlite's /dev/blob, parsed like the pg COPY stream. Bulk writes: unnest
 * batches (PGlite takes plain arrays as parameters, not typed arrays, so values are copied per
 * batch).
 */
import { PGlite } from '@electric-sql/pglite';
import { CopyTextParser, type Field, type FieldKind } from './copy-text.js';
import { type BulkColumn, type Db, ident, type SqlValue, settingName, type Tx } from './db.js';
import { acquireFolderLock, type LockHolder } from './lockfile.js';
import { checkColumns } from './pg-db.js';

/** Another process owns the data folder. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(`data folder ${dataDir} is in use by process ${holder.pid} (since ${holder.since})`);
  }
}

const SLICE_BYTES = 4 << 20;
const WRITE_BATCH = 50_000;

export async function openPgliteDb(dataDir: string): Promise<Db> {
  const lock = acquireFolderLock(dataDir);
  if ('held' in lock) throw new DataDirLockedError(dataDir, lock.held);
  try {
    const pglite = await PGlite.create(dataDir);
    return new PgliteDb(pglite, dataDir, lock.release);
  } catch (e) {
    lock.release();
    throw e;
  }
}

type PgliteQueryable = Pick<PGlite, 'query'>;

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly pg: PGlite,
    private readonly dataDir: string,
    private readonly releaseLock: () => void,
  ) {}

  describe(): string {
    return `embedded PGlite in ${this.dataDir}`;
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const r = await this.pg.query<T>(sql, params as unknown[]);
    return r.rows;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.pg.transaction((t) =>
      fn({
        query: async <R>(sql: string, params: readonly SqlValue[] = []) =>
          (await t.query<R>(sql, params as unknown[])).rows,
        bulkInsert: (table, columns) => unnestInsert(t, table, columns),
      }),
    );
  }

  streamRows(
    select: string,
    columns: readonly FieldKind[] | number,
    settings: Readonly<Record<string, string>>,
    onRow: (fields: Field[]) => void,
  ): Promise<number> {
    return this.pg.transaction(async (t) => {
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
        parser.push(Buffer.from(bytes.buffer, bytes.byteOffset + s, Math.min(SLICE_BYTES, bytes.length - s)));
      }
      parser.end();
      return parser.rows;
    });
  }

  async tryLock(key: bigint): Promise<boolean> {
    const r = await this.pg.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      key.toString(),
    ]);
    return r.rows[0].ok === true;
  }

  async unlock(key: bigint): Promise<void> {
    await this.pg.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
  }

  async close(): Promise<void> {
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      this.releaseLock();
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
