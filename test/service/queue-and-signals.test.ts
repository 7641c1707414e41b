/**
 * Issue 13 #6, #7, #12 and issue 9 #21 on real servers: a busy service queues calibrations
 * (bounded line, bounded wait, body read before a slot), an abandoned request is a 499, metrics
 * scrape without the token on their own port with the standard process metric names, and a
 * second SIGTERM ends a spawned `serve` process at once while a calibration is in flight.
 *
 * The "calibration in flight" is a real one that cannot finish soon: a 3PL asked to converge to
 * tol 1e-300 within 100000 cycles. The tests end it by hanging up or by killing the service.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { after, describe, test } from 'node:test';
import { auth, lsat7, postJson, type RunningService, simulate, startService, TOKEN } from './helpers.js';

const CLI = new URL('../../src/job/cli.ts', import.meta.url).pathname;
const endless = () => ({
  observations: simulate(2000, 20, 10),
  model: '3PL',
  tol: 1e-300,
  max_cycles: 100000,
});

/** Polls `check` every 50 ms until it holds; fails after `ms`. */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function health(url: string): Promise<Record<string, number>> {
  return (await (await fetch(`${url}/health`)).json()) as Record<string, number>;
}

/** Starts the endless calibration; resolves the fetch's outcome (status or error name) when it ends. */
function startEndless(url: string) {
  const hangUp = new AbortController();
  const done = fetch(`${url}/calibrate`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(endless()),
    signal: hangUp.signal,
  }).then(
    (r) => String(r.status),
    (e: Error) => e.name,
  );
  return { hangUp, done };
}

describe('6. a busy service queues calibration requests', () => {
  let svc: RunningService;
  after(() => svc?.close());

  test('a request waits for the slot, one beyond the line gets 503 with Retry-After', async () => {
    svc = await startService({ maxConcurrentCalibrations: 1, queueLength: 1, queueWaitMs: 60_000 });
    const blocker = startEndless(svc.url);
    await until('the blocker to compute', async () => (await health(svc.url)).calibration_workers === 1);
    const waiting = postJson(`${svc.url}/calibrate`, { observations: lsat7(200) });
    await until('the second request to queue', async () => (await health(svc.url)).calibrations_queued === 1);
    const refused = await postJson(`${svc.url}/calibrate`, { observations: lsat7(200) });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.json.error, 'busy');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    blocker.hangUp.abort();
    const res = await waiting;
    assert.equal(res.status, 200, res.text);
    await svc.close();
  });

  test('past the longest wait: 503 busy', async () => {
    svc = await startService({ maxConcurrentCalibrations: 1, queueLength: 4, queueWaitMs: 300 });
    const blocker = startEndless(svc.url);
    await until('the blocker to compute', async () => (await health(svc.url)).calibration_workers === 1);
    const res = await postJson(`${svc.url}/calibrate`, { observations: lsat7(200) });
    assert.equal(res.status, 503, res.text);
    assert.match(res.json.message, /no calibration slot freed within/);
    blocker.hangUp.abort();
    await blocker.done;
    await svc.close();
  });

  test('a slow uploader holds no slot', async () => {
    svc = await startService({ maxConcurrentCalibrations: 1, queueLength: 1, queueWaitMs: 60_000 });
    const { port } = new URL(svc.url);
    const slow = request({
      host: '127.0.0.1',
      port: Number(port),
      path: '/calibrate',
      method: 'POST',
      headers: { ...auth, 'content-length': '100000' },
    });
    slow.on('error', () => {});
    slow.write('{"observations": [');
    await until('the upload to start', async () => {
      const m = await (
        await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).text();
      return /mirt_http_requests_in_flight\{route="\/calibrate"\} 1/.test(m);
    });
    const res = await postJson(`${svc.url}/calibrate`, { observations: lsat7(200) });
    assert.equal(res.status, 200, res.text);
    slow.destroy();
    await svc.close();
  });
});

describe('7. an abandoned request is logged and counted as 499', () => {
  test('the caller hangs up during a calibration', async () => {
    const svc = await startService({ maxConcurrentCalibrations: 1 });
    try {
      const blocker = startEndless(svc.url);
      await until(
        'the calibration to compute',
        async () => (await health(svc.url)).calibration_workers === 1,
      );
      blocker.hangUp.abort();
      assert.equal(await blocker.done, 'AbortError');
      await until('the worker to stop', async () => (await health(svc.url)).calibration_workers === 0);
      const line = svc.logs.map((l) => JSON.parse(l)).find((l) => l.route === '/calibrate');
      assert.equal(line?.status, 499, JSON.stringify(line));
      assert.equal(line?.aborted, true);
      const m = await (
        await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).text();
      assert.match(m, /mirt_http_requests_total\{method="POST",route="\/calibrate",status="499"\} 1/);
      assert.match(m, /mirt_calibrations_total\{model="unknown",outcome="abandoned"\} 1/);
    } finally {
      await svc.close();
    }
  });
});

/** `mirt-calibrate serve` as its own process; resolves once it has printed where it listens. */
async function spawnServe(env: Record<string, string>, args: string[] = []) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--host', '127.0.0.1', '--port', '0', ...args],
    { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (b) => {
    err += String(b);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(
    'the service to listen',
    () => /listening on http:\/\/[\d.]+:\d+/.test(err) || child.exitCode !== null,
  );
  const port = /listening on http:\/\/[\d.]+:(\d+)/.exec(err)?.[1];
  const metricsPort = /metrics without the token on http:\/\/[\d.]+:(\d+)/.exec(err)?.[1];
  return { child, url: `http://127.0.0.1:${port}`, metricsPort, exited, stderr: () => err };
}

describe('12. metrics scrape without the token on their own port', () => {
  test('standard Node process metric names; the service port still wants the token', async () => {
    const s = await spawnServe({ R_IRT_INTERNAL_TOKEN: TOKEN, MIRT_SERVICE_METRICS_PORT: '0' });
    try {
      assert.ok(s.metricsPort, s.stderr());
      const res = await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      for (const name of [
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ])
        assert.match(text, new RegExp(`^${name}`, 'm'), name);
      assert.match(text, /^# TYPE mirt_http_requests_total counter/m);
      assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${s.metricsPort}/health`)).status, 404);
    } finally {
      s.child.kill('SIGKILL');
      await s.exited;
    }
  });
});

describe('issue 9 #21: a second SIGTERM exits at once', () => {
  test('with a calibration in flight, the process ends and the calibration is cut off', async () => {
    const s = await spawnServe({ R_IRT_INTERNAL_TOKEN: TOKEN, MIRT_SERVICE_MAX_CONCURRENT: '1' });
    try {
      const blocker = startEndless(s.url);
      await until('the calibration to compute', async () => (await health(s.url)).calibration_workers === 1);
      s.child.kill('SIGTERM');
      await until('the first signal to be taken', () => /SIGTERM received: no new requests/.test(s.stderr()));
      s.child.kill('SIGTERM');
      // Before the fix the process lived on until the calibration ended (here: never, short of
      // the 300 s time limit).
      const code = await Promise.race([
        s.exited,
        new Promise<string>((r) => setTimeout(() => r('still running after 20 s'), 20_000)),
      ]);
      assert.equal(code, 1, s.stderr());
      assert.notEqual(await blocker.done, '200', 'the calibration did not finish');
      assert.match(s.stderr(), /SIGTERM received again: exiting without waiting/);
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});
