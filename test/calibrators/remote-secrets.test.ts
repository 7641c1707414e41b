/**
 * No secret of the remote settings is ever printed, whatever its shape: a bad R_IRT_BASE_URL
 * with credentials, and a service (a real loopback server) whose error bodies echo the token
 * as is, JSON-escaped, \u-escaped, percent-encoded, in base64 (alone, or inside a Basic header),
 * in hex, cut off, or across the excerpt's cut.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SecretRedactor, secretForms } from '../../src/calibrators/redact-secrets.js';
import { RemoteCalibrationError } from '../../src/calibrators/remote.js';
import { parseServiceUrl } from '../../src/calibrators/remote-url.js';
import type { CalibrationJob } from '../../src/calibrators/types.js';
import { responsesFromObservations } from '../../src/engine/responses.js';
import { ConfigError, loadConfig } from '../../src/job/config.js';
import { lsat7 } from '../service/helpers.js';
import { client, close, scripted } from './loopback.js';

const job: CalibrationJob = { model: '2PL', version: 'v-test', runId: 'run-test' };
const data = responsesFromObservations(lsat7(50));

/** A token with characters JSON escapes, non-ASCII, and the ones URLs and base64 care about. */
const TOKEN = 'tök/en"with\\odd+chars=9f8e7d6c5b4a3210';

/** Every string a leak could take: the secret, its encodings, and its 8-character pieces. */
function leaks(secret: string): string[] {
  const out = new Set(secretForms(secret));
  for (let k = 0; k + 8 <= secret.length; k++) out.add(secret.slice(k, k + 8));
  return [...out];
}

function assertNoLeak(text: string, secret: string) {
  // Also with the whitespace taken out: a line-wrapped encoding reads whole again.
  const joined = text.replace(/\s+/g, '');
  for (const form of leaks(secret))
    assert.ok(!text.includes(form) && !joined.includes(form), `${JSON.stringify(form)} printed in: ${text}`);
}

describe('R_IRT_BASE_URL with credentials is never echoed', () => {
  const cases: [string, string, RegExp][] = [
    // An unencoded / in the password: the parser would make "pw0rd" a port and the rest a path.
    [
      'http://rt:pw0rd/Secr3t@irt-service:8000',
      'pw0rd/Secr3t',
      /http:\/\/\*\*\*@irt-service:8000.*percent-encode/,
    ],
    [
      'https://rt:pa?ss#w0rd@irt.example:443/x',
      'pa?ss#w0rd',
      /https:\/\/\*\*\*@irt\.example:443.*percent-encode/,
    ],
    // Unparsable: a space in the host.
    [
      'http://rt:S3cretPassw0rd@irt service:8000',
      'S3cretPassw0rd',
      /not a valid URL \(http:\/\/\*\*\*@<host hidden/,
    ],
    // A forgotten @: the password lands in the host position, and is not shown there either.
    ['http://rt:S3cretPassw0rd/irt:8000', 'S3cretPassw0rd', /not a valid URL \(http:\/\/<host hidden/],
    [
      'ftp://rt:S3cretPassw0rd@irt:21',
      'S3cretPassw0rd',
      /expected an http:\/\/ or https:\/\/ URL, got ftp:\/\//,
    ],
    ['rt:S3cretPassw0rd@irt:8000', 'S3cretPassw0rd', /expected an http:\/\/ or https:\/\/ URL/],
  ];
  for (const [raw, secret, expected] of cases) {
    test(raw.replace(secret, '<secret>'), () => {
      let message = '';
      try {
        loadConfig([], { R_IRT_BASE_URL: raw });
        assert.fail('accepted');
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        message = e.message;
      }
      assert.match(message, /^R_IRT_BASE_URL: /);
      assert.match(message, expected);
      assertNoLeak(message, secret);
      assert.ok(!message.includes(secret.slice(0, 5)), message);
    });
  }

  test('a good URL with credentials parses; describe() shows origin and path only', () => {
    const u = parseServiceUrl('http://rt:p%40ss%2Fw0rd@irt:8000/prefix');
    assert.equal(decodeURIComponent(u.password), 'p@ss/w0rd');
    const { c } = client('http://rt:p%40ss%2Fw0rd@127.0.0.1:1/prefix');
    assert.equal(c.describe(), 'remote http://127.0.0.1:1/prefix/calibrate');
  });
});

describe('a service that echoes the token in its error body', () => {
  const basic = Buffer.from(`user:${TOKEN}`).toString('base64');
  const bodies: [string, string][] = [
    ['as is', `{"error":"bad token ${TOKEN}"}`],
    ['JSON-escaped', JSON.stringify({ error: 'bad token', got: TOKEN })],
    [
      '\\u-escaped and \\/',
      `{"got":"${JSON.stringify(TOKEN)
        .slice(1, -1)
        .replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .replaceAll('/', '\\/')}"}`,
    ],
    ['percent-encoded', `bad token in ?t=${encodeURIComponent(TOKEN)}&x=1`],
    ['base64', `token (base64): ${Buffer.from(TOKEN).toString('base64')}`],
    ['base64url', `token: ${Buffer.from(TOKEN).toString('base64url')}`],
    ['inside a Basic header', `you sent Authorization: Basic ${basic}`],
    [
      'in a line-wrapped base64 block',
      `dump:\n${Buffer.from(`Bearer ${TOKEN}`)
        .toString('base64')
        .replace(/(.{12})/g, '$1\n')}`,
    ],
    ['in hex', `raw ${Buffer.from(TOKEN).toString('hex').toUpperCase()}`],
    ['cut off', `{"error":"bad token ${TOKEN.slice(0, 14)}`],
    ['across the excerpt cut', `${'x'.repeat(190)}${TOKEN}`],
    [
      'as "Bearer <token>" in a header dump',
      `headers: {"authorization":"Bearer ${JSON.stringify(TOKEN).slice(1, -1)}"}`,
    ],
  ];
  for (const [name, body] of bodies) {
    test(name, async () => {
      const s = await scripted((_n, _req, res) =>
        res.writeHead(500, { 'content-type': 'text/plain' }).end(body),
      );
      try {
        const { c, lines } = client(s.url, { token: TOKEN, maxRetries: 1 });
        let message = '';
        await c.calibrate(data, job).catch((e: Error) => {
          assert.ok(e instanceof RemoteCalibrationError);
          message = e.message;
        });
        assert.match(message, /^HTTP 500 from \/calibrate: /);
        const printed = [message, ...lines].join('\n');
        assertNoLeak(printed, TOKEN);
        assert.equal(s.seen[0].auth, `Bearer ${TOKEN}`, 'the token itself was sent');
      } finally {
        await close(s.server);
      }
    });
  }

  test('the rest of the body is still quoted', async () => {
    const s = await scripted((_n, _req, res) =>
      res.writeHead(503).end(`overloaded; you sent ${JSON.stringify(TOKEN)}; try later`),
    );
    try {
      const { c } = client(s.url, { token: TOKEN, maxRetries: 1 });
      await assert.rejects(
        c.calibrate(data, job),
        /^RemoteCalibrationError: HTTP 503 from \/calibrate: overloaded; you sent "<redacted>"; try later$/,
      );
    } finally {
      await close(s.server);
    }
  });

  test('a password of the base URL echoed by the service is redacted too', async () => {
    const password = 'Pr1vate-Passw0rd-77';
    const s = await scripted((_n, _req, res) =>
      res
        .writeHead(401)
        .end(`bad credentials ${Buffer.from(`svc:${password}`).toString('base64')} / ${password}`),
    );
    try {
      const url = new URL(s.url);
      url.username = 'svc';
      url.password = password;
      const { c, lines } = client(url.href, { token: null, maxRetries: 1 });
      let message = '';
      await c.calibrate(data, job).catch((e: Error) => {
        message = e.message;
      });
      assert.match(message, /^HTTP 401/);
      assertNoLeak([message, ...lines].join('\n'), password);
    } finally {
      await close(s.server);
    }
  });
});

describe('SecretRedactor', () => {
  test('short secrets are redacted only as whole words; other text is kept', () => {
    const r = new SecretRedactor(['abc']);
    assert.equal(r.redact('abc and abcdef and x-abc.'), '<redacted> and abcdef and x-<redacted>.');
  });

  test('a text with no secret comes back unchanged', () => {
    const r = new SecretRedactor([TOKEN]);
    const text = 'HTTP 500: database exploded at 2026-12-01T12:00:00Z (request 0f3a9b2c-77aa-4d1e)';
    assert.equal(r.redact(text), text);
  });
});
