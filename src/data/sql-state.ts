/** The SQLSTATE of a database error (both drivers put it on `code`), or null for any other error. */
export function sqlState(e: unknown): string | null {
  const code = e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}
