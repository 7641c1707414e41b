/**
 * DATABASE_URL handling. Existing deployments set SQLAlchemy-style URLs
 * (`postgresql+psycopg2://...`); `pg` only understands `postgresql://` / `postgres://`, so the
 * driver suffix is dropped. The password never reaches a log line: use `redactUrl`.
 */

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
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError(`bad DATABASE_URL "${redactUrl(s)}": not a valid URL`);
  }
  // A socket-only URL (postgresql:///db?host=/run/postgresql) has no hostname: allow it when a host is given as a query parameter.
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new DatabaseUrlError(`bad DATABASE_URL "${redactUrl(s)}": no host`);
  }
  return url;
}

/** The URL with any password replaced by `***` (also for strings that are not valid URLs). */
export function redactUrl(raw: string): string {
  return raw
    .replace(/^([a-z0-9+.-]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&]*/i, '$1***');
}
