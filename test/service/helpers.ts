/** A real service on 127.0.0.1 and a random port, with its log lines captured. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import type { Observation } from '../../src/contract/types.js';
import { scoreAbilities } from '../../src/engine/scoring.js';
import { buildServer, type CalibrationService, type ServerOptions } from '../../src/service/server.js';
import { PG_ADMIN_URL } from '../helpers/backends.js';
import { referenceDir } from '../helpers/reference.js';

export const TOKEN = 'test-token-9f8e7d6c5b4a';

export interface RunningService extends CalibrationService {
  readonly url: string;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startService(options: Partial<ServerOptions> = {}): Promise<RunningService> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(line);
      cb();
    },
  });
  const svc = buildServer({
    token: TOKEN,
    score: scoreAbilities,
    processMetrics: false,
    log: { stream },
    ...options,
  });
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = svc.app.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return { ...svc, url: `http://127.0.0.1:${addr.port}`, logs, close: () => svc.app.close() };
}

/**
 * The longest any test waits for something it polls for (a slot taken, a port bound): past it,
 * the test fails naming what never happened, instead of hanging the suite.
 */
export const POLL_DEADLINE_MS = 60_000;

/** Polls `cond` (yielding to I/O between tries) until it holds; throws past the deadline. */
export async function waitUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  deadlineMs = POLL_DEADLINE_MS,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up after ${deadlineMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

export const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

export async function postJson(url: string, body: unknown, headers: Record<string, string> = auth) {
  // Raw bytes go as they are (garbage tests); anything else is JSON-encoded.
  const raw: string | Uint8Array<ArrayBuffer> =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? new Uint8Array(body)
        : JSON.stringify(body);
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response bodies
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: left null */
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** LSAT7 (1000 persons x 5 items) from the vendored reference data, as contract observations. */
export function lsat7(limitUsers = Number.POSITIVE_INFINITY): Observation[] {
  const lines = readFileSync(path.join(referenceDir, 'datasets', 'LSAT7.long.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const out: Observation[] = [];
  const users = new Set<string>();
  for (const l of lines) {
    const [user_id, item_id, c] = l.split(',');
    if (!users.has(user_id)) {
      if (users.size >= limitUsers) break;
      users.add(user_id);
    }
    out.push({ user_id, item_id, is_correct: c === '1' ? 1 : 0 });
  }
  return out;
}

/** Deterministic simulated 2PL answers (sparse: each user answers `perUser` of `nItems`). */
export function simulate(nUsers: number, nItems: number, perUser: number, seed = 7): Observation[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const a = Array.from({ length: nItems }, () => 0.6 + rand());
  const b = Array.from({ length: nItems }, () => -2 + 4 * rand());
  const out: Observation[] = [];
  for (let u = 0; u < nUsers; u++) {
    const theta = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    const start = Math.floor(rand() * nItems);
    for (let k = 0; k < perUser; k++) {
      const j = (start + k * 7) % nItems;
      const p = 1 / (1 + Math.exp(-a[j] * (theta - b[j])));
      out.push({ user_id: `u${u}`, item_id: `i${j}`, is_correct: rand() < p ? 1 : 0 });
    }
  }
  return out;
}

/** The URL of database `db` on the test PostgreSQL server (MIRT_TEST_PG_URL with another path). */
export function pgDatabaseUrl(db: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${db}`;
  return u.href;
}

/** Runs `fn` on its own connection to `url` (default: the server's admin database). */
export async function withPg<T>(fn: (c: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The legacy `responses` table in database `url`, holding LSAT7's answers, all a day old (inside the lookback). */
export async function seedLsat7Responses(url: string): Promise<void> {
  const obs = lsat7();
  const at = new Date(Date.now() - 86_400_000).toISOString();
  await withPg(async (c) => {
    await c.query(
      'CREATE TABLE responses (user_id text, item_id text, is_correct boolean, responded_at timestamptz)',
    );
    await c.query(
      'INSERT INTO responses SELECT u, i, c, $4::timestamptz FROM unnest($1::text[], $2::text[], $3::boolean[]) AS t(u, i, c)',
      [obs.map((o) => o.user_id), obs.map((o) => o.item_id), obs.map((o) => o.is_correct === 1), at],
    );
  }, url);
}
