/**
 * Token check for the internal API: `Authorization: Bearer <token>` or `X-Internal-Token: <token>`
 * (the R Plumber service accepted both). Both sides are hashed to SHA-256 first so that
 * timingSafeEqual compares equal-length buffers and the comparison time depends neither on
 * where the strings differ nor on the expected token's length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The presented token, or null. Header values arrive lower-cased by name from Node. */
export function presentedToken(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  const internal = headers['x-internal-token'];
  if (typeof internal === 'string' && internal.length > 0) return internal.trim();
  return null;
}

/** A checker bound to the expected token (hashed once). */
export function tokenChecker(expected: string): (presented: string | null) => boolean {
  if (expected.length === 0) throw new Error('the internal token must not be empty');
  const want = digest(expected);
  return (presented) => {
    // Hash even when nothing was presented, so a missing token costs the same as a wrong one.
    const got = digest(presented ?? '');
    return timingSafeEqual(got, want) && presented !== null;
  };
}
