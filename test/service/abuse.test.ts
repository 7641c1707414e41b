/**
 * Abuse on loopback: 50 MB of garbage, deeply nested JSON, a flood of small requests, more
 * calibrations than slots. After each, the service is still up and answers health.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { auth, lsat7, postJson, type RunningService, startService, TOKEN, waitUntil } from './helpers.js';

let svc: RunningService;
before(async () => {
  svc = await startService({ maxConcurrentCalibrations: 2 });
});
after(() => svc.close());

async function healthy(): Promise<void> {
  const res = await fetch(`${svc.url}/health`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { status: string }).status, 'ok');
}

const MB = 1024 * 1024;

describe('abuse', () => {
  test('50 MB of random bytes and 50 MB of non-JSON text', async () => {
    const bytes = await postJson(`${svc.url}/calibrate`, randomBytes(50 * MB));
    assert.equal(bytes.status, 400, bytes.text);
    assert.equal(bytes.json.field, 'body');
    const text = await postJson(`${svc.url}/irt/calibrate`, 'garbage '.repeat((50 * MB) / 8));
    assert.equal(text.status, 400);
    // /irt/score has its own, smaller limit.
    const score = await postJson(`${svc.url}/irt/score`, 'x'.repeat(50 * MB));
    assert.equal(score.status, 413);
    await healthy();
  });

  test('deeply nested JSON is refused before it is parsed', async () => {
    const depth = 5_000_000;
    const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const a = await postJson(`${svc.url}/calibrate`, arrays);
    assert.equal(a.status, 400, a.text);
    assert.match(a.json.message, /nests deeper than 32 levels/);
    const objects = `{"observations":${'{"a":'.repeat(1_000_000)}1${'}'.repeat(1_000_000)}}`;
    const b = await postJson(`${svc.url}/calibrate`, objects);
    assert.equal(b.status, 400);
    const c = await postJson(`${svc.url}/irt/score`, `${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}`);
    assert.equal(c.status, 400, c.text);
    assert.match(c.json.message, /nests deeper/);
    // Brackets inside strings do not count.
    const ids = lsat7(50).map((o) => ({ ...o, user_id: `[[[[${o.user_id}{{{{` }));
    const d = await postJson(`${svc.url}/calibrate`, { observations: ids });
    assert.equal(d.status, 200, d.text);
    await healthy();
  });

  test('a flood of small requests on keep-alive connections (bounded loop)', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const port = Number(new URL(svc.url).port);
    const kinds = [
      { method: 'GET', path: '/health', headers: {}, body: '', status: 200 },
      {
        method: 'POST',
        path: '/calibrate',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        status: 401,
      },
      { method: 'POST', path: '/irt/score', headers: auth, body: '{"item_params":[]}', status: 400 },
      { method: 'POST', path: '/calibrate', headers: auth, body: '{"observations":[]}', status: 400 },
      {
        method: 'GET',
        path: '/nowhere',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: '',
        status: 404,
      },
    ];
    const one = (k: (typeof kinds)[number]) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, agent, method: k.method, path: k.path, headers: k.headers },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(k.body);
      });
    const total = 5_000;
    const counts = new Map<number, number>();
    let next = 0;
    const workers = Array.from({ length: 32 }, async () => {
      while (next < total) {
        const k = kinds[next++ % kinds.length];
        const status = await one(k);
        // Calibration bodies that fail validation still take a slot for a moment: 503 is fair.
        assert.ok(status === k.status || status === 503, `${k.path}: ${status}`);
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
    });
    await Promise.all(workers);
    agent.destroy();
    assert.equal(
      [...counts.values()].reduce((a, b) => a + b, 0),
      total,
    );
    assert.equal(counts.get(200), total / kinds.length);
    await healthy();
    const h = (await (await fetch(`${svc.url}/health`)).json()) as { calibrations_in_flight: number };
    assert.equal(h.calibrations_in_flight, 0, 'every slot came back');
  });

  test('many calibrations at once: the bound holds (503s), the rest succeed', async () => {
    // Two calibrations hold both slots (a slot is taken before the body is read: their bodies
    // arrive in two halves), six more arrive meanwhile: exactly those six are refused.
    const body = JSON.stringify({ observations: lsat7(200) });
    const half = Math.floor(body.length / 2);
    const port = Number(new URL(svc.url).port);
    const held = [0, 1].map(() => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/calibrate',
        headers: { ...auth, 'content-length': String(Buffer.byteLength(body)) },
      });
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
        });
        req.on('error', reject);
      });
      req.write(body.slice(0, half));
      return { req, answer };
    });
    await waitUntil('both slots to be taken', async () => {
      const h = (await (await fetch(`${svc.url}/health`)).json()) as { calibrations_in_flight: number };
      return h.calibrations_in_flight === 2;
    });
    const refused = await Promise.all(
      Array.from({ length: 6 }, () => postJson(`${svc.url}/calibrate`, body)),
    );
    assert.deepEqual(
      refused.map((r) => r.status),
      [503, 503, 503, 503, 503, 503],
    );
    for (const r of refused) assert.ok(Number(r.headers.get('retry-after')) > 0);
    for (const h of held) h.req.end(body.slice(half));
    const served = await Promise.all(held.map((h) => h.answer));
    assert.deepEqual(
      served.map((r) => r.status),
      [200, 200],
      served.map((r) => r.text.slice(0, 200)).join('; '),
    );
    await healthy();
  });
});
