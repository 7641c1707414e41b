/**
 * No part of a DATABASE_URL password is ever printed, whatever its shape: the built bin with passwords that break URL parsing in every known way. Each password
 * is made of distinctive pieces split by the characters that break it; no piece may appear in
 * any line the job prints, on stdout or stderr.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { redactUrl } from '../../src/contract/redact.js';
import { repoRoot } from '../helpers/reference.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const BIN = join(repoRoot, pkg.bin['mirt-calibrate']);

function runCli(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const clean = { ...process.env };
  for (const k of Object.keys(clean))
    if (/^(MIRT_|IRT_|R_IRT_|DATABASE_URL$|DRY_RUN$)/.test(k)) delete clean[k];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN], { env: { ...clean, ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

// Port 1 on loopback refuses at once, so a URL that does parse fails fast at connect.
const HOST = '127.0.0.1:1';
const PIECES = ['Qx7kLm', 'Zr9mTp', 'Wv3tHs', '48213'];
const [A, B, C, N] = PIECES;

/** [password as written in the URL (unencoded), what it does to a URL parser]. */
const CASES: [string, string][] = [
  [`${A}/${B}`, 'a "/" ends the authority inside the password: not a valid URL'],
  [`${A}@${B}/${C}`, 'an "@" then a "/": the part after the "@" becomes the host (looked up in DNS)'],
  [`${N}/${B}`, 'digits then "/": the user name becomes the host and the digits its port'],
  [`${A}#${B}`, 'a "#" starts a fragment inside the password'],
  [`${A}?${B}`, 'a "?" starts a query inside the password'],
  [`${A}@${B}`, 'an "@" alone: parsers take the last "@", the URL is valid'],
  [`${A}:${B}`, 'a ":" in the password: valid'],
  [`${A}%${B}`, 'a "%" that is no escape'],
  [`${A}\\${B}`, 'a backslash'],
  [`${A} ${B}`, 'a space'],
  [`${A}[${B}]`, 'brackets (IPv6 syntax)'],
];

describe('DATABASE_URL secrets', () => {
  it('no piece of the password in any printed line, for every shape and scheme', async () => {
    const runs = CASES.flatMap(([password, what]) =>
      ['postgresql', 'postgresql+psycopg2'].map(async (scheme) => {
        const r = await runCli({ DATABASE_URL: `${scheme}://rt:${password}@${HOST}/platform` });
        return { what: `${scheme}, ${what}`, ...r };
      }),
    );
    for (const r of await Promise.all(runs)) {
      assert.notEqual(r.code, 0, `${r.what}: ${r.out}`);
      const lines = r.out.trim().split('\n');
      assert.equal(lines.length, 1, `${r.what}: ${r.out}`);
      // configuration errors are usage errors (no time stamp); the others are stamped
      assert.match(lines[0], /^(\d{4}-\d\d-\d\dT[\d:.]+Z )?\[ERROR\] /, r.what);
      for (const piece of PIECES)
        assert.ok(!r.out.includes(piece), `${r.what}: "${piece}" printed: ${r.out}`);
    }
  });

  it('an unparsable URL is named by its scheme and host, with the hint to percent-encode', async () => {
    const r = await runCli({ DATABASE_URL: `postgresql://rt:${A}/${B}@db.internal:5432/platform` });
    assert.equal(r.code, 2);
    assert.equal(
      r.out,
      `[ERROR] invalid configuration: DATABASE_URL: bad DATABASE_URL "postgresql://***@db.internal:5432…": not a valid URL; percent-encode '@', '/', '?', '#', ':' and '%' in the user name and password (e.g. '/' as %2F, '@' as %40)\n`,
    );
  });
});

describe('redactUrl', () => {
  it('never returns user information, secret query values or fragments', () => {
    const cases: [string, string][] = [
      ['postgresql+psycopg2://app:s3cret@db:5432/x', 'postgresql+psycopg2://***@db:5432/x'],
      ['postgresql://app@db/x', 'postgresql://***@db/x'],
      ['postgresql://db/x?user=a&password=s3cret', 'postgresql://db/x?user=a&password=***'],
      [
        'postgresql://db/x?sslmode=require&sslpassword=s3cret',
        'postgresql://db/x?sslmode=require&sslpassword=***',
      ],
      ['postgresql:///db?host=/run/postgresql', 'postgresql:///db?host=/run/postgresql'],
      ['http://u:s3cret@svc:8000/irt?token=s3cret#s3cret', 'http://***@svc:8000/irt?token=***'],
      ['https://svc:8000/calibrate', 'https://svc:8000/calibrate'],
      // Unparsable: scheme and host only.
      ['postgresql://rt:s3/cret@db.internal:5432/x', 'postgresql://***@db.internal:5432…'],
      ['postgresql://rt:s3@cr/et@db:5432/x', 'postgresql://***@db:5432…'],
      ['postgresql://rt:s3cret/x', 'postgresql://<host hidden: not a host[:port]>…'],
      ['postgresql://app:s3cret@', 'postgresql://***@…'],
      ['app:s3cret@db/x', '<not a URL>'],
      ['', '<not a URL>'],
    ];
    for (const [raw, want] of cases) assert.equal(redactUrl(raw), want, raw);
  });
});
