/**
 * Time limits of the PostgreSQL connection (see pg-db.ts), kept apart from the driver so the
 * configuration can name them without loading `pg`.
 */
export interface PgTimeouts {
  /** Time limit of connecting (TCP, TLS, startup, authentication), in seconds: MIRT_DB_CONNECT_TIMEOUT_SECS. */
  readonly connectTimeoutSecs: number;
  /** Time limit of one statement (a whole COPY stream included), in seconds: MIRT_DB_STATEMENT_TIMEOUT_SECS. */
  readonly statementTimeoutSecs: number;
}

/**
 * 30 s to connect is far beyond a healthy handshake, even across regions. 600 s for a statement
 * is about 15 times the largest measured (COPY of 50M answers ~40 s; a 1M-row upsert ~7 s) and
 * well inside the hour a CronJob is usually given.
 */
export const DEFAULT_PG_TIMEOUTS: PgTimeouts = { connectTimeoutSecs: 30, statementTimeoutSecs: 600 };

/** PostgreSQL did not answer in time: the connection is closed and the run must stop. */
export class PgTimeoutError extends Error {
  override name = 'PgTimeoutError';
}
