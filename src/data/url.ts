/**
 * DATABASE_URL handling. Existing deployments set SQLAlchemy-style URLs
 * (`postgresql+psycopg2://...`); `pg` only understands `postgresql://` / `postgres://`, so the
 * driver suffix is dropped. No part of the user name or password ever reaches a message: errors
 * show the URL through `redactUrl` (contract/redact.ts).
 */
import { isWellFormed, PERCENT_ENCODE_HINT, redactUrl } from '../contract/redact.js';

/** For callers that import it from here (pg-db.ts). */
export { redactUrl };

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

const SCHEME = /^(postgres(?:ql)?)(\+[a-z0-9_]+)?:\/\//i;

/** Returns a `postgresql://` connection string for `pg`, or throws with a one-line reason. */
export function normaliseDatabaseUrl(raw: string): string {
  const s = raw.trim();
  const m = SCHEME.exec(s);
  if (!m) {
    throw new DatabaseUrlError(
      `bad DATABASE_URL "${redactUrl(s)}": expected postgresql://, postgres:// or postgresql+psycopg2://user:pass@host:port/db`,
    );
  }
  const url = `postgresql://${s.slice(m[0].length)}`;
  // Refused rather than guessed: a password cut short by an unencoded '/' would otherwise make
  // its tail a host name that the driver looks up in DNS (and prints).
  if (!isWellFormed(url)) {
    throw new DatabaseUrlError(`bad DATABASE_URL "${redactUrl(s)}": not a valid URL; ${PERCENT_ENCODE_HINT}`);
  }
  const parsed = new URL(url);
  // A socket-only URL (postgresql:///db?host=/run/postgresql) has no hostname: allow it when a host is given as a query parameter.
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new DatabaseUrlError(`bad DATABASE_URL "${redactUrl(s)}": no host`);
  }
  return url;
}
