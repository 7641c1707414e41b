/**
 * R_IRT_BASE_URL: parsed once, and described without its credentials, whatever its shape.
 *
 * A URL may carry `user:password@`. When the password holds an unencoded `/`, `?`, `#` or `\`,
 * the URL parser ends the host there: the password becomes a host, a port or a path, and a
 * message quoting the URL (or the host that was not found) would print it. So a bad URL is
 * reported by its scheme and the host after the last `@` only, with a hint to percent-encode;
 * and an `@` after the host part (where a URL has no business holding one) is refused the same
 * way, since it means exactly that kind of password.
 */

import { PERCENT_ENCODE_HINT, redactUrl } from '../contract/redact.js';

export class ServiceUrlError extends Error {
  override name = 'ServiceUrlError';
}

const SETTING = 'R_IRT_BASE_URL';
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** Where the authority (user:pass@host:port) ends for http(s) URLs (WHATWG reads `\\` as `/`). */
const AUTHORITY_END = /[/?#\\]/;

/** How the URL may be shown: contract/redact's form (never the user name or password). */
function describeRawUrl(raw: string): string {
  return SCHEME.test(raw.trim()) ? redactUrl(raw) : 'a value that does not start with http:// or https://';
}

/** Parses R_IRT_BASE_URL; errors name the setting and never quote its credentials. */
export function parseServiceUrl(raw: string): URL {
  const s = raw.trim();
  const m = SCHEME.exec(s);
  if (!m) throw new ServiceUrlError(`${SETTING}: expected an http:// or https:// URL (${describeRawUrl(s)})`);
  const scheme = m[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https')
    throw new ServiceUrlError(`${SETTING}: expected an http:// or https:// URL, got ${scheme}://`);
  const rest = s.slice(m[0].length);
  const end = rest.search(AUTHORITY_END);
  if (end >= 0 && rest.indexOf('@', end) >= 0) {
    throw new ServiceUrlError(
      `${SETTING}: an @ after the host part (${describeRawUrl(s)}): a password with an unencoded / ? # or \\ looks like this; ${PERCENT_ENCODE_HINT}`,
    );
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ServiceUrlError(`${SETTING}: not a valid URL (${describeRawUrl(s)}); ${PERCENT_ENCODE_HINT}`);
  }
  if (!url.hostname) throw new ServiceUrlError(`${SETTING}: no host (${describeRawUrl(s)})`);
  return url;
}

/** Origin and path of a parsed URL: what logs may show. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
