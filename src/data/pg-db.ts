/**
 * The `pg` implementation of Db: one connection for the whole run (the advisory lock is a
 * session lock, so it must live on the connection that does the work). Bulk reads are
 * COPY (SELECT ...) TO STDOUT parsed by hand; bulk writes are COPY ... FROM STDIN.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { CopyTextParser, copyTextValue, type Field, type FieldKind } from './copy-text.js';
import { type BulkColumn, type Db, ident, type SqlValue, settingName, type Tx } from './db.js';
import { normaliseDatabaseUrl, redactUrl } from './url.js';

export async function openPgDb(databaseUrl: string, applicationName = 'mirt-calibrate'): Promise<Db> {
  const connectionString = normaliseDatabaseUrl(databaseUrl);
  const client = new pg.Client({ connectionString, application_name: applicationName });
  // A server-side disconnect is reported as an 'error' event; without a listener Node would
  // crash the process instead of failing the pending query.
  client.on('error', () => {});
  await client.connect();
  return new PgDb(client, describeUrl(connectionString));
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgresql://${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return redactUrl(url);
  }
}

class PgDb implements Db {
  readonly kind = 'pg' as const;
  constructor(
    private readonly client: pg.Client,
    private readonly where: string,
  ) {}

  describe(): string {
    return this.where;
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const r = await this.client.query(sql, params as unknown[]);
    return r.rows as T[];
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    let result: T;
    try {
      result = await fn({
        query: (sql, params) => this.query(sql, params),
        bulkInsert: (table, columns) => this.copyIn(table, columns),
      });
    } catch (e) {
      // The connection may be gone (that is one of the failures we must survive): the server
      // then rolls back by itself, so a failing ROLLBACK is not the error to report.
      await this.client.query('ROLLBACK').catch(() => {});
      throw e;
    }
    await this.client.query('COMMIT');
    return result;
  }

  async streamRows(
    select: string,
    columns: readonly FieldKind[] | number,
    settings: Readonly<Record<string, string>>,
    onRow: (fields: Field[]) => void,
  ): Promise<number> {
    await this.client.query('BEGIN READ ONLY');
    try {
      for (const [k, v] of Object.entries(settings)) {
        await this.client.query('SELECT set_config($1, $2, true)', [settingName(k), v]);
      }
      const parser = new CopyTextParser(columns, onRow);
      const stream = this.client.query(copyTo(`COPY (${select}) TO STDOUT`));
      for await (const chunk of stream) parser.push(chunk as Buffer);
      parser.end();
      await this.client.query('COMMIT');
      return parser.rows;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  private async copyIn(table: string, columns: readonly BulkColumn[]): Promise<void> {
    const n = checkColumns(columns);
    if (n === 0) return;
    const names = columns.map((c) => ident(c.name)).join(', ');
    const sink = this.client.query(copyFrom(`COPY ${ident(table)} (${names}) FROM STDIN`));
    await pipeline(Readable.from(copyLines(columns, n)), sink);
  }

  async tryLock(key: bigint): Promise<boolean> {
    const r = await this.client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key.toString()]);
    return r.rows[0].ok === true;
  }

  async unlock(key: bigint): Promise<void> {
    await this.client.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

/** Rows in COPY text format, grouped into ~1 MB strings so the stream is not fed row by row. */
function* copyLines(columns: readonly BulkColumn[], n: number): Generator<string> {
  let chunk = '';
  const last = columns.length - 1;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c <= last; c++) {
      chunk += copyTextValue(columns[c].values[i]);
      chunk += c === last ? '\n' : '\t';
    }
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

export function checkColumns(columns: readonly BulkColumn[]): number {
  if (columns.length === 0) throw new Error('bulk insert needs at least one column');
  const n = columns[0].values.length;
  for (const c of columns) {
    if (c.values.length !== n)
      throw new Error(`bulk insert: column ${c.name} has ${c.values.length} values, expected ${n}`);
  }
  return n;
}
