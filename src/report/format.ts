/** Number and text formatting shared by the report's sections. */

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** A finite number with fixed decimals, or an en dash. */
export function fmt(v: unknown, digits = 3): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const s = v.toFixed(digits);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

/** A count with thousands separators (1,000), or an en dash. */
export function count(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–';
}

/** Any value as text: '–' for nothing. */
export function show(v: unknown): string {
  return v === undefined || v === null ? '–' : String(v);
}

/** `n thing` / `n things`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** Item ids in natural order: q2 before q10. */
export const byId = new Intl.Collator('en', { numeric: true }).compare;

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

export function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
