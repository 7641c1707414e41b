/**
 * Keeps the remote client's secrets (R_IRT_INTERNAL_TOKEN, a password in R_IRT_BASE_URL) out of
 * everything it prints, whatever shape a service echoes them in.
 *
 * A service's error body is quoted in the job's log (cut short). A secret can come back in it
 * as is, JSON-escaped (`\"`, `\\`, `\/`, `\u00e9`), percent-encoded, in base64 or base64url
 * (an echoed `Authorization: Basic` header holds `user:password` in base64, so the secret sits at
 * any byte alignment inside it), in hex, or cut off. So:
 * 1. every encoded form of each secret is replaced by `<redacted>`, base64 at its three
 *    alignments (only the characters that depend on the secret's bytes alone are matched);
 * 2. any run of at least FRAGMENT characters of a secret (an echo cut off, or the secret split
 *    by the excerpt) is replaced too;
 * 3. the text is then decoded as JSON escapes, percent-encoding and base64 runs: if a secret
 *    still shows in any of those readings, the whole text is withheld.
 */

/** Shortest run of a secret's characters that counts as a piece of it. */
const FRAGMENT = 8;
/**
 * Secrets shorter than this are matched only as they are and as a whole word: replacing every
 * `ab` in a message would make it unreadable, and encodings of so few bytes match by chance.
 */
const SHORT = 8;
const MARK = '<redacted>';
export const WITHHELD = '<withheld: it quotes a secret>';

function base64Cores(bytes: Buffer): string[] {
  // Encoding the secret after k filler bytes shifts it by k; the first characters mix filler
  // bits, the last ones the bytes that follow: keep only the characters fixed by the secret.
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    if (end - start >= 4) out.push(enc.slice(start, end));
  }
  return out;
}

function percentEncoded(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s; // a lone surrogate: no percent-encoded form exists
  }
}

/** The shapes a secret can take in a response body, longest first. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set<string>([
    secret,
    json,
    json.replaceAll('/', '\\/'),
    // Every non-ASCII character as \uXXXX (what many JSON encoders emit).
    json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    percentEncoded(secret),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ]);
  for (const core of base64Cores(bytes)) {
    forms.add(core);
    forms.add(core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
}

/** Readings of a text in which an encoded secret would appear plainly. */
function decodedViews(text: string): string[] {
  const views: string[] = [];
  views.push(
    text.replace(/\\u([0-9a-fA-F]{4})|\\(["\\/bfnrt])/g, (_m, hex: string | undefined, ch: string) =>
      hex ? String.fromCharCode(Number.parseInt(hex, 16)) : ch,
    ),
  );
  views.push(
    text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString()),
  );
  views.push(text.replace(/\+/g, ' '));
  // Line-wrapped base64 (MIME wraps at 76 characters): the runs read again without whitespace.
  const joined = text.replace(/\s+/g, '');
  for (const run of [
    ...(text.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []),
    ...(joined.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []),
  ]) {
    const b64 = run.replaceAll('-', '+').replaceAll('_', '/');
    for (let k = 0; k < 4; k++) views.push(Buffer.from(b64.slice(k), 'base64').toString('utf8'));
  }
  return views;
}

export class SecretRedactor {
  private readonly secrets: string[];
  private readonly forms: string[];

  private readonly short: RegExp[];

  constructor(secrets: readonly (string | null | undefined)[]) {
    const all = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length > 0))];
    this.secrets = all.filter((s) => s.length >= SHORT);
    this.forms = this.secrets.flatMap(secretForms).sort((a, b) => b.length - a.length);
    this.short = all
      .filter((s) => s.length < SHORT)
      .map(
        (s) =>
          new RegExp(`(?<![A-Za-z0-9])${s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'),
      );
  }

  /** The longest encoded form: a window this much longer than an excerpt holds any secret in it whole. */
  get longestForm(): number {
    return this.forms.reduce((m, f) => Math.max(m, f.length), 0);
  }

  redact(text: string): string {
    let out = text;
    for (const re of this.short) out = out.replace(re, MARK);
    if (this.secrets.length === 0 || out.length === 0) return out;
    for (const f of this.forms) {
      // Hex is matched whatever its case.
      out = /^[0-9a-f]+$/i.test(f) && f.length >= FRAGMENT ? replaceNoCase(out, f) : out.split(f).join(MARK);
    }
    for (const s of this.secrets) out = redactFragments(out, s);
    for (const view of decodedViews(out)) {
      for (const s of this.secrets) if (view.includes(s) || hasFragment(view, s)) return WITHHELD;
    }
    return out;
  }
}

function replaceNoCase(text: string, hex: string): string {
  const lower = text.toLowerCase();
  const want = hex.toLowerCase();
  let out = '';
  let from = 0;
  for (let i = lower.indexOf(want); i >= 0; i = lower.indexOf(want, from)) {
    out += text.slice(from, i) + MARK;
    from = i + want.length;
  }
  return out + text.slice(from);
}

/** Replaces every run of at least FRAGMENT characters that also occurs in `secret`. */
function redactFragments(text: string, secret: string): string {
  if (secret.length < FRAGMENT) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    let len = 0;
    // Longest run starting at i that is a substring of the secret.
    while (i + len < text.length && secret.includes(text.slice(i, i + len + 1))) len++;
    if (len >= FRAGMENT) {
      out += MARK;
      i += len;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/** True when `view` holds a run of FRAGMENT characters of `secret` (decoded readings). */
function hasFragment(view: string, secret: string): boolean {
  for (let k = 0; k + FRAGMENT <= secret.length; k++) {
    if (view.includes(secret.slice(k, k + FRAGMENT))) return true;
  }
  return false;
}
