/**
 * The `pg` implementation of Db: one connection for the whole run (the advisory lock is a
 * session lock, so it must live on the connection that does the work). Bulk reads are
 * COPY (SELECT ...) TO STDOUT read from the socket and parsed by hand (copy-out.ts); bulk writes
 * are COPY ... FROM STDIN.
 *
 * Nothing waits forever: connecting (TCP, TLS, startup, authentication) has a time limit, and
 * every statement (a COPY stream included) another. The statement limit is the session's
 * statement_timeout, so a live server cancels the statement itself (and says so, keeping the
 * connection usable for the unlock). A client-side timer, CLIENT_GRACE_MS later, is for a server
 * or network that stops answering: a half-open TCP connection never errors on its own. When it
 * fires the socket is destroyed, which fails anything pending at once; the Db then refuses
 * further work with the same error instead of queueing behind a dead connection.
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { checkColumns } from './bulk-columns.js';
import { CopyOutQuery } from './copy-out.js';
import { CopyTextParser, copyTextValue, type Field, type FieldKind } from './copy-text.js';
import { type BulkColumn, type Db, ident, type SqlValue, settingName, type Tx } from './db.js';
import { DEFAULT_PG_TIMEOUTS, PgTimeoutError, type PgTimeouts } from './pg-timeouts.js';
import { sqlState } from './sql-state.js';
import { normaliseDatabaseUrl, redactUrl } from './url.js';

/** How long after the server's own statement_timeout the client stops waiting for an answer. */
const CLIENT_GRACE_MS = 2000;

export async function openPgDb(
  databaseUrl: string,
  timeouts: PgTimeouts = DEFAULT_PG_TIMEOUTS,
  applicationName = 'mirt-calibrate',
): Promise<Db> {
  const connectionString = normaliseDatabaseUrl(databaseUrl);
  const statementMs = Math.round(timeouts.statementTimeoutSecs * 1000);
  const client = new pg.Client({
    connectionString,
    application_name: applicationName,
    statement_timeout: statementMs,
    keepAlive: true,
  });
  // A server-side disconnect is reported as an 'error' event; without a listener Node would
  // crash the process instead of failing the pending query.
  client.on('error', () => {});
  const where = describeUrl(connectionString);
  const connectMs = Math.round(timeouts.connectTimeoutSecs * 1000);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    destroySocket(client);
  }, connectMs);
  try {
    await client.connect();
  } catch (e) {
    if (!timedOut) throw e;
    throw new PgTimeoutError(
      `connecting to ${hostOf(where)}: no answer within ${timeouts.connectTimeoutSecs} s (MIRT_DB_CONNECT_TIMEOUT_SECS)`,
    );
  } finally {
    clearTimeout(timer);
  }
  return new PgDb(client, where, statementMs, timeouts.statementTimeoutSecs);
}

function destroySocket(client: pg.Client): void {
  // pg keeps its Connection (and the socket) on the client without typing it.
  const c = client as unknown as { connection?: { stream?: { destroy(): void } } };
  c.connection?.stream?.destroy();
}

function hostOf(where: string): string {
  try {
    return new URL(where).host || where;
  } catch {
    return where;
  }
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
  /** Set once a statement timed out: the socket is gone and every later call fails with it. */
  private dead: PgTimeoutError | null = null;

  constructor(
    private readonly client: pg.Client,
    private readonly where: string,
    private readonly statementMs: number,
    private readonly statementSecs: number,
  ) {}

  describe(): string {
    return this.where;
  }

  /** Runs one round trip (or one COPY stream) under the statement time limit. */
  private async timed<T>(run: () => Promise<T>): Promise<T> {
    if (this.dead) throw this.dead;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.dead = new PgTimeoutError(
          `no answer from PostgreSQL at ${hostOf(this.where)} within ${this.statementSecs} s (MIRT_DB_STATEMENT_TIMEOUT_SECS); the connection was closed`,
        );
        destroySocket(this.client);
        reject(this.dead);
      }, this.statementMs + CLIENT_GRACE_MS);
    });
    try {
      return await Promise.race([run(), limit]);
    } catch (e) {
      throw this.dead ?? namedTimeout(e, this.statementSecs);
    } finally {
      clearTimeout(timer);
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const r = await this.timed(() => this.client.query(sql, params as unknown[]));
    return r.rows as T[];
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.query('BEGIN');
    let result: T;
    try {
      result = await fn({
        query: (sql, params) => this.query(sql, params),
        bulkInsert: (table, columns) => this.copyIn(table, columns),
      });
    } catch (e) {
      // The connection may be gone (that is one of the failures we must survive): the server
      // then rolls back by itself, so a failing ROLLBACK is not the error to report.
      await this.query('ROLLBACK').catch(() => {});
      throw e;
    }
    await this.query('COMMIT');
    return result;
  }

  async streamRows(
    select: string,
    columns: readonly FieldKind[] | number,
    settings: Readonly<Record<string, string>>,
    onRow: (fields: Field[]) => void,
  ): Promise<number> {
    await this.query('BEGIN READ ONLY');
    try {
      for (const [k, v] of Object.entries(settings)) {
        await this.query('SELECT set_config($1, $2, true)', [settingName(k), v]);
      }
      const parser = new CopyTextParser(columns, onRow);
      const copy = new CopyOutQuery(`COPY (${select}) TO STDOUT`, parser);
      await this.timed(() => this.client.query(copy).done);
      await this.query('COMMIT');
      return parser.rows;
    } catch (e) {
      await this.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  private async copyIn(table: string, columns: readonly BulkColumn[]): Promise<void> {
    const n = checkColumns(columns);
    if (n === 0) return;
    const names = columns.map((c) => ident(c.name)).join(', ');
    await this.timed(() =>
      pipeline(
        Readable.from(copyLines(columns, n)),
        this.client.query(copyFrom(`COPY ${ident(table)} (${names}) FROM STDIN`)),
      ),
    );
  }

  async tryLock(key: bigint): Promise<boolean> {
    try {
      const rows = await this.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
        key.toString(),
      ]);
      return rows[0].ok === true;
    } catch (e) {
      throw new Error(`taking the job's advisory lock: ${(e as Error).message}`, { cause: e });
    }
  }

  async unlock(key: bigint): Promise<void> {
    await this.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
  }

  async close(): Promise<void> {
    // After a timeout the socket is destroyed already; a goodbye could only wait.
    if (this.dead) return;
    await this.client.end().catch(() => {});
  }
}

/** The server's own statement_timeout cancel (57014), with the setting that controls it named. */
function namedTimeout(e: unknown, secs: number): unknown {
  if (e instanceof Error && sqlState(e) === '57014' && /statement timeout/.test(e.message)) {
    e.message = `${e.message} after ${secs} s (MIRT_DB_STATEMENT_TIMEOUT_SECS)`;
  }
  return e;
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
