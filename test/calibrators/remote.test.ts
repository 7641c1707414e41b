/**
 * RemoteCalibrator against real listening sockets on 127.0.0.1: our own service, and small
 * node:http / node:net servers that stall, drop connections, answer 500 then 200, 404, 401,
 * or answer with something that breaks the contract. No mocked fetch.
 */
import assert from 'node:assert/strict';
import { constants as bufferConstants } from 'node:buffer';
import { connect, createServer as createNetServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import { DEFAULT_MAX_RESPONSE_BYTES, RemoteCalibrationError } from '../../src/calibrators/remote.js';
import type { CalibrationJob } from '../../src/calibrators/types.js';
import { optionDefaults } from '../../src/contract/options.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { type ResponseData, responsesFromObservations } from '../../src/engine/responses.js';
import { lsat7, type RunningService, startService, TOKEN } from '../service/helpers.js';
import { client, close, listen, ok, scripted } from './loopback.js';

const job: CalibrationJob = { model: '2PL', version: 'v-test', runId: 'run-test' };
const data = (): ResponseData => responsesFromObservations(lsat7(300));
let reference: CalibrateResponse;

before(async () => {
  // The service applies the unattended defaults (item priors): so does the reference run.
  reference = await new LocalCalibrator(undefined, optionDefaults('unattended')).calibrate(data(), job);
});

describe('against our service', () => {
  let svc: RunningService;
  before(async () => {
    svc = await startService();
  });
  after(() => svc.close());

  test('same parameters as the in-process run (1e-9), describe() names the URL without secrets', async () => {
    const { c, lines } = client(svc.url);
    const out = await c.calibrate(data(), job);
    assert.equal(c.kind, 'remote');
    assert.equal(c.describe(), `remote ${svc.url}/calibrate`);
    assert.equal(out.item_params.length, reference.item_params.length);
    out.item_params.forEach((it, j) => {
      const ref = reference.item_params[j];
      assert.equal(it.item_id, ref.item_id);
      assert.ok(Math.abs(it.params.a - ref.params.a) < 1e-9);
      assert.ok(Math.abs(it.params.b - ref.params.b) < 1e-9);
    });
    out.abilities.forEach((a, u) => {
      assert.ok(Math.abs(a.theta - reference.abilities[u].theta) < 1e-9);
    });
    assert.equal(out.fit_meta.run_id, 'run-test');
    assert.deepEqual(lines, []);
  });

  test('a wrong token: 401, not retried, the token never printed', async () => {
    const { c, lines } = client(svc.url, { token: 'not-the-token' });
    await assert.rejects(c.calibrate(data(), job), (err: Error) => {
      assert.ok(err instanceof RemoteCalibrationError);
      assert.match(err.message, /^HTTP 401 from \/calibrate/);
      return true;
    });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^\[WARN\] R IRT service call failed \(try 1\/3\): HTTP 401/);
    assert.ok(!lines.join('').includes('not-the-token'));
  });

  test('a path prefix in the base URL is kept; credentials in it are not shown', async () => {
    const { c } = client('http://user:secret@127.0.0.1:1/irt-proxy/');
    assert.equal(c.describe(), 'remote http://127.0.0.1:1/irt-proxy/calibrate');
  });
});

describe('retries, timeouts and dropped connections', () => {
  test('500 then 200: one [WARN], then the answer', async () => {
    const s = await scripted((n, _req, res) => {
      if (n === 1) res.writeHead(500, { 'content-type': 'text/plain' }).end('database exploded');
      else ok(res, reference);
    });
    try {
      const { c, lines } = client(s.url);
      const out = await c.calibrate(data(), job);
      assert.deepEqual(out, reference);
      assert.equal(lines.length, 1);
      assert.match(
        lines[0],
        /^\[WARN\] R IRT service call failed \(try 1\/3\): HTTP 500 from \/calibrate: database exploded; retrying in 0.01 s$/,
      );
      assert.equal(s.seen.length, 2);
      assert.equal(s.seen[0].auth, `Bearer ${TOKEN}`);
      const sent = JSON.parse(s.seen[0].body);
      assert.equal(sent.model, '2PL');
      assert.equal(sent.observations.length, data().nObs);
      assert.deepEqual(Object.keys(sent.observations[0]), ['user_id', 'item_id', 'is_correct']);
    } finally {
      await close(s.server);
    }
  });

  test('a service that stalls: each try times out, then it gives up', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const stall = createNetServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
      sock.resume(); // reads the request, never answers
    });
    const url = await listen(stall);
    try {
      const { c, lines } = client(url, { timeoutSecs: 0.2, maxRetries: 2 });
      await assert.rejects(
        c.calibrate(data(), job),
        /^RemoteCalibrationError: no complete answer within 0.2 s/,
      );
      assert.equal(lines.length, 2);
      assert.match(
        lines[0],
        /\(try 1\/2\): no complete answer within 0.2 s \(R_IRT_TIMEOUT_SECS\); retrying in 0.01 s$/,
      );
      assert.match(lines[1], /\(try 2\/2\): no complete answer within 0.2 s \(R_IRT_TIMEOUT_SECS\)$/);
    } finally {
      for (const s of sockets) s.destroy();
      await close(stall);
    }
  });

  test('dropped connections are retried until one answers; delays grow with the try number', async () => {
    let n = 0;
    const http = await scripted((_k, _req, res) => ok(res, reference));
    // A front that drops the first two connections outright and pipes the third to the real answer.
    const front = createNetServer((sock) => {
      sock.on('error', () => {});
      if (++n <= 2) {
        sock.once('data', () => sock.resetAndDestroy());
        return;
      }
      const port = Number(new URL(http.url).port);
      const up = connect(port, '127.0.0.1');
      up.on('error', () => {});
      sock.pipe(up).pipe(sock);
    });
    const url = await listen(front);
    try {
      const { c, lines } = client(url, { retryDelaySecs: 0.01 });
      const out = await c.calibrate(data(), job);
      assert.deepEqual(out.item_params, reference.item_params);
      assert.equal(lines.length, 2);
      assert.match(lines[0], /\(try 1\/3\): ECONNRESET.*retrying in 0.01 s$/);
      assert.match(lines[1], /\(try 2\/3\): ECONNRESET.*retrying in 0.02 s$/);
    } finally {
      await close(front);
      await close(http.server);
    }
  });

  test('a response cut short is retried', async () => {
    const s = await scripted((n, _req, res) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
        res.write('{"item_params":[');
        res.socket?.destroy();
      } else ok(res, reference);
    });
    try {
      const { c, lines } = client(s.url);
      const out = await c.calibrate(data(), job);
      assert.deepEqual(out, reference);
      assert.equal(lines.length, 1);
      assert.match(lines[0], /connection closed before the response was complete|ECONNRESET|interrupted/);
    } finally {
      await close(s.server);
    }
  });

  test('404 on /calibrate falls back to /irt/calibrate, and remembers it', async () => {
    const s = await scripted((_n, req, res) => {
      if (req.url === '/irt/calibrate') ok(res, reference);
      else res.writeHead(404).end('Not Found');
    });
    try {
      const { c, lines } = client(s.url);
      await c.calibrate(data(), job);
      await c.calibrate(data(), job);
      assert.deepEqual(
        s.seen.map((r) => r.path),
        ['/calibrate', '/irt/calibrate', '/irt/calibrate'],
      );
      assert.equal(c.describe(), `remote ${s.url}/irt/calibrate`);
      assert.equal(lines.filter((l) => l.startsWith('[WARN]')).length, 0);
    } finally {
      await close(s.server);
    }
  });
});

describe('the response is validated before it is returned', () => {
  const broken: [string, (r: CalibrateResponse) => unknown, RegExp][] = [
    [
      'a user that was not sent',
      (r) => ({ ...r, abilities: [{ ...r.abilities[0], user_id: 'zz' }] }),
      /abilities\[0\]\.user_id: user "zz" was not sent/,
    ],
    [
      'an item that was not sent',
      (r) => ({ ...r, item_params: [{ ...r.item_params[0], item_id: 'Item.99' }] }),
      /item_params\[0\]\.item_id: item "Item.99" was not sent/,
    ],
    [
      'a missing item id',
      (r) => ({ ...r, item_params: [{ ...r.item_params[0], item_id: undefined }] }),
      /item_params\[0\]\.item_id: must be a non-empty string/,
    ],
    [
      'a non-finite theta (NaN sent as null)',
      (r) => ({ ...r, abilities: [{ ...r.abilities[0], theta: null }] }),
      /abilities\[0\]\.theta: must be a finite number \(got null\)/,
    ],
    [
      'a string where b goes',
      (r) => ({ ...r, item_params: [{ ...r.item_params[0], params: { a: 1, b: 'NA' } }] }),
      /item_params\[0\]\.params\.b: must be a finite number/,
    ],
    ['no fit_meta', (r) => ({ ...r, fit_meta: undefined }), /fit_meta: must be an object/],
    [
      'a logLik of Inf',
      (r) => ({ ...r, fit_meta: { ...r.fit_meta, metrics: { ...r.fit_meta.metrics, logLik: 'Inf' } } }),
      /fit_meta\.metrics\.logLik/,
    ],
    ['not JSON at all', () => '<html>', /not valid JSON/],
  ];
  for (const [name, mutate, expected] of broken) {
    test(name, async () => {
      const s = await scripted((_n, _req, res) => {
        const body = mutate(structuredClone(reference));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(typeof body === 'string' ? body : JSON.stringify(body));
      });
      try {
        const { c, lines } = client(s.url, { maxRetries: 2 });
        await assert.rejects(c.calibrate(data(), job), (err: Error) => {
          assert.ok(err instanceof RemoteCalibrationError);
          assert.match(err.message, expected);
          return true;
        });
        assert.ok(lines.length >= 1);
      } finally {
        await close(s.server);
      }
    });
  }
});

describe('a response larger than can be read', () => {
  const MiB = 1024 * 1024;
  test('the default cap is what one string can hold (~512 MiB), not 1 GiB', () => {
    assert.ok(DEFAULT_MAX_RESPONSE_BYTES <= bufferConstants.MAX_STRING_LENGTH);
    assert.ok(DEFAULT_MAX_RESPONSE_BYTES >= 256 * MiB);
  });

  for (const declared of [true, false]) {
    test(`2 MiB against a 1 MiB cap (${declared ? 'content-length' : 'chunked'}): a clear error, not retried, no crash`, async () => {
      // A valid answer behind 2 MiB of leading spaces: only the size is wrong with it.
      const body = `${' '.repeat(2 * MiB)}${JSON.stringify(reference)}`;
      const s = await scripted((_n, _req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(declared ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
        });
        // Written in pieces, so that the cap is crossed mid-stream when no length is declared.
        for (let at = 0; at < body.length; at += 256 * 1024) res.write(body.slice(at, at + 256 * 1024));
        res.end();
      });
      try {
        const { c, lines } = client(s.url, { maxResponseBytes: MiB });
        await assert.rejects(c.calibrate(data(), job), (err: Error) => {
          assert.ok(err instanceof RemoteCalibrationError);
          assert.match(
            err.message,
            declared
              ? /^response from \/calibrate announces 2\.\d MiB, over the 1 MiB this process can read; calibrate fewer users per run \(MIRT_MAX_OBS\) or in-process \(unset R_IRT_BASE_URL\)$/
              : /^response from \/calibrate runs over the 1 MiB this process can read/,
          );
          return true;
        });
        assert.equal(lines.length, 1, 'not retried: the same answer would come back');
        assert.equal(s.seen.length, 1);
      } finally {
        await close(s.server);
      }
    });
  }

  test('the same answer under the cap is read', async () => {
    const s = await scripted((_n, _req, res) => ok(res, reference));
    try {
      const { c } = client(s.url, { maxResponseBytes: 4 * MiB });
      assert.deepEqual(await c.calibrate(data(), job), reference);
    } finally {
      await close(s.server);
    }
  });
});
