/**
 * URLs for log lines without their secrets. Shared by everything that prints a configured URL
 * (DATABASE_URL in data/, R_IRT_BASE_URL in calibrators/): it sits in contract/, the layer both
 * import, and has no dependencies.
 *
 * Why not simply `new URL(raw)` and blank the password: the settings that reach us are often not
 * valid URLs. A password with an unencoded `/`, `?` or `#` ends the authority inside the password,
 * so a parser takes part of the password for the host, the port or the path (and the driver then
 * looks that part up in DNS and prints it in its error). The only reliable delimiter between the
 * user information and the host is the LAST `@` of the whole string: everything before it is
 * treated as secret, whatever a URL parser would make of it.
 */

/** Query parameters whose values are secrets (libpq's `password`, `sslpassword`, tokens, keys). */
const SECRET_PARAM = /pass|secret|token|key|auth|sig|credential/i;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * The URL for a log line: never any user information (user name or password), secret-looking
 * query values as `***`, no fragment. A string that does not parse as a URL is shown by its
 * scheme and its host only: `postgresql://***@db.internal…`. Not a URL at all: `<not a URL>`.
 */
export function redactUrl(raw: string): string {
  const s = raw.trim();
  const m = SCHEME.exec(s);
  if (!m) return '<not a URL>';
  const scheme = m[1];
  const rest = s.slice(m[0].length);
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? '***@' : '';
  const afterUser = rest.slice(at + 1);
  if (isWellFormed(s)) {
    // The host, path and query as written after the last `@`, without the fragment.
    const [beforeFragment] = afterUser.split('#', 1);
    const q = beforeFragment.indexOf('?');
    if (q < 0) return `${scheme}://${user}${beforeFragment}`;
    return `${scheme}://${user}${beforeFragment.slice(0, q)}${redactQuery(beforeFragment.slice(q + 1))}`;
  }
  // The host position only, and only when it is shaped like a host: anything else may be a
  // mistyped password. Without an `@`, a password cut short at `/` sits where the port is
  // (`user:pass/…`), so the port is never shown then.
  const hostPort = afterUser.split(/[/?#\\]/, 1)[0];
  if (hostPort && !HOST_PORT.test(hostPort)) return `${scheme}://${user}${HOST_HIDDEN}…`;
  return `${scheme}://${user}${at >= 0 ? hostPort : hostPort.split(':', 1)[0]}…`;
}

const HOST_PORT = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/i;
const HOST_HIDDEN = '<host hidden: not a host[:port]>';

/**
 * True when `raw` is a URL whose user information, host and path a parser reads the way they
 * were meant: it parses, and no `@` follows the authority (an `@` in the path, query or fragment
 * means an unencoded `/`, `?` or `#` in the user name or password cut the authority short).
 */
export function isWellFormed(raw: string): boolean {
  const s = raw.trim();
  const m = SCHEME.exec(s);
  if (!m) return false;
  try {
    new URL(s);
  } catch {
    return false;
  }
  const rest = s.slice(m[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  return authorityEnd < 0 || !rest.slice(authorityEnd).includes('@');
}

/** What to tell someone whose URL does not parse: the usual cause and the fix. */
export const PERCENT_ENCODE_HINT =
  "percent-encode '@', '/', '?', '#', ':' and '%' in the user name and password (e.g. '/' as %2F, '@' as %40)";

/** `a=1&password=x` -> `?a=1&password=***`, as written (names decoded only to be matched). */
function redactQuery(query: string): string {
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return part;
    let name = part.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // An undecodable name is matched as written.
    }
    return SECRET_PARAM.test(name) ? `${part.slice(0, eq)}=***` : part;
  });
  return `?${parts.join('&')}`;
}
