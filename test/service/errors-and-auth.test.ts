/** Auth, limits and error replies on a real server: 401, 413, 400 one field at a time, 503, 500, 404. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { LOCAL_CALIBRATOR_MODULE } from '../../src/service/calibration-runner.js';
import { auth, lsat7, postJson, type RunningService, startService, TOKEN, waitUntil } from './helpers.js';

let svc: RunningService;
before(async () => {
  svc = await startService();
});
after(() => svc.close());

const small = () => lsat7(50);

describe('auth', () => {
  test('401 without a token, with a wrong one, in either header', async () => {
    const body = { observations: small() };
    const cases: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', authorization: 'Bearer wrong' },
      { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}x` },
      { 'content-type': 'application/json', authorization: TOKEN },
      { 'content-type': 'application/json', 'x-internal-token': 'wrong' },
    ];
    for (const headers of cases) {
      for (const path of ['/calibrate', '/irt/calibrate', '/irt/score', '/metrics']) {
        const res = await postJson(`${svc.url}${path}`, body, headers);
        assert.equal(res.status, 401, `${path} ${JSON.stringify(Object.keys(headers))}`);
        assert.equal(res.json.error, 'unauthorized');
        assert.equal(res.headers.get('www-authenticate'), 'Bearer');
      }
    }
  });

  test('X-Internal-Token is accepted as well as Bearer', async () => {
    const res = await postJson(
      `${svc.url}/calibrate`,
      { observations: small() },
      { 'content-type': 'application/json', 'x-internal-token': TOKEN },
    );
    assert.equal(res.status, 200, res.text);
  });

  test('health is open; metrics needs the token', async () => {
    for (const path of ['/health', '/healthz']) {
      const res = await fetch(`${svc.url}${path}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.status, 'ok');
      assert.match(String(body.version), /^\d+\.\d+\.\d+/);
      assert.equal(typeof body.uptime_s, 'number');
    }
    assert.equal((await fetch(`${svc.url}/metrics`)).status, 401);
    assert.equal(
      (await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
      200,
    );
  });
});

describe('400: the reply names the bad field', () => {
  const cases: [string, string | unknown, string][] = [
    ['malformed JSON', '{"observations": [', 'body'],
    ['not an object', '[1,2,3]', 'body'],
    ['missing observations', { model: '2PL' }, 'observations'],
    ['observations not an array', { observations: 'x' }, 'observations'],
    ['empty observations', { observations: [] }, 'observations'],
    ['observation not an object', { observations: [1] }, 'observations[0]'],
    [
      // One bad row among good ones is dropped and counted (test/service/r-callers.test.ts);
      // a request whose every row is bad names the first bad field.
      'missing user_id on every row',
      {
        observations: [
          { item_id: 'i', is_correct: 1 },
          { item_id: 'i', is_correct: 0 },
        ],
      },
      'observations[0].user_id',
    ],
    [
      'empty item_id',
      { observations: [{ user_id: 'a', item_id: '', is_correct: 1 }] },
      'observations[0].item_id',
    ],
    [
      'is_correct of a wrong type',
      { observations: [{ user_id: 'a', item_id: 'i', is_correct: 'yes' }] },
      'observations[0].is_correct',
    ],
    [
      'is_correct 2',
      { observations: [{ user_id: 'a', item_id: 'i', is_correct: 2 }] },
      'observations[0].is_correct',
    ],
    ['missing is_correct', { observations: [{ user_id: 'a', item_id: 'i' }] }, 'observations[0].is_correct'],
    ['unknown model', { observations: lsat7(50), model: '5PL' }, 'model'],
    ['model of a wrong type', { observations: lsat7(50), model: 2 }, 'model'],
    ['bad quadpts', { observations: lsat7(50), quadpts: 1.5 }, 'quadpts'],
    ['unknown score method', { observations: lsat7(50), score_method: 'XYZ' }, 'score_method'],
    ['bad c prior', { observations: lsat7(50), model: '3PL', c_prior: 'beta:0' }, 'c_prior'],
    [
      'only null answers',
      { observations: [{ user_id: 'a', item_id: 'i', is_correct: null }] },
      'observations[0].is_correct',
    ],
    ['a misspelled option', { observations: lsat7(50), modle: '3PL' }, 'modle'],
    ['both forms', { observations: lsat7(5), responses: [[1]] }, 'body'],
    ['matrix rows of unequal length', { responses: [[1, 0], [1]] }, 'responses[1]'],
    ['matrix cell of a wrong type', { responses: [[1, 'x']] }, 'responses[0][1]'],
    ['matrix ids of the wrong length', { responses: [[1, 0]], item_ids: ['a'] }, 'item_ids'],
    [
      'duplicate user ids',
      {
        responses: [
          [1, 0],
          [0, 1],
        ],
        user_ids: ['u', 'u'],
      },
      'user_ids[1]',
    ],
    [
      'anchor with a negative slope',
      { observations: lsat7(50), anchors: [{ item_id: 'Item.1', params: { a: -1, b: 0 } }] },
      'anchors[0].params.a',
    ],
    [
      'anchor the model cannot take (Rasch needs a = 1)',
      { observations: lsat7(), model: 'Rasch', anchors: { 'Item.1': { a: 1.5, b: 0 } } },
      'anchors',
    ],
  ];
  for (const [name, body, field] of cases) {
    test(name, async () => {
      const res = await postJson(`${svc.url}/calibrate`, body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error, 'bad_request');
      assert.equal(res.json.field, field, res.text);
      assert.equal(typeof res.json.message, 'string');
    });
  }

  test('empty body, and content types', async () => {
    const empty = await postJson(`${svc.url}/calibrate`, '');
    assert.equal(empty.status, 400, empty.text);
    assert.equal(empty.json.field, 'body');
    const form = await postJson(`${svc.url}/calibrate`, 'observations=1', {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(form.status, 415, form.text);
    // JSON sent as text/plain (R's httr without a content type) is read as JSON.
    const plain = await postJson(`${svc.url}/calibrate`, JSON.stringify({ observations: small() }), {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'text/plain',
    });
    assert.equal(plain.status, 200, plain.text);
  });

  test('an unknown route is a JSON 404', async () => {
    const res = await postJson(`${svc.url}/nope`, {});
    assert.equal(res.status, 404);
    assert.equal(res.json.error, 'not_found');
  });
});

describe('limits', () => {
  test('413 beyond the body limit, and the service goes on', async () => {
    const tiny = await startService({ bodyLimitBytes: 2048 });
    try {
      const res = await postJson(`${tiny.url}/calibrate`, { observations: lsat7(100) });
      assert.equal(res.status, 413);
      assert.equal(res.json.error, 'payload_too_large');
      const score = await postJson(`${tiny.url}/irt/score`, { item_params: [], observations: lsat7(100) });
      assert.equal(score.status, 400, 'the score limit is its own (16 MiB default)');
      const ok = await postJson(`${tiny.url}/calibrate`, { observations: lsat7(3) });
      assert.notEqual(ok.status, 413);
      assert.equal((await fetch(`${tiny.url}/health`)).status, 200);
    } finally {
      await tiny.close();
    }
  });

  test('503 with Retry-After when the service is saturated (no queue), and it comes back', async () => {
    const one = await startService({ maxConcurrentCalibrations: 1, retryAfterSecs: 7 });
    try {
      // A caller that sends its headers and then stalls holds no slot (issue 13: the body is read
      // first), but it is admitted: with one slot and no queue, nothing else is.
      const port = Number(new URL(one.url).port);
      const held = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/calibrate',
        headers: { ...auth, 'content-length': '1000000' },
      });
      held.on('error', () => {});
      held.write('{"observations":[');
      await waitUntil('the stalled upload to be admitted', async () => {
        const m = await (await fetch(`${one.url}/metrics`, { headers: auth })).text();
        return /mirt_http_requests_in_flight\{route="\/calibrate"\} 1/.test(m);
      });
      const h = (await (await fetch(`${one.url}/health`)).json()) as Record<string, number>;
      assert.equal(h.calibration_slots_in_use, 0, 'an upload holds no slot');
      assert.equal(h.calibrations_in_flight, 1, 'but it is admitted');
      const busy = await postJson(`${one.url}/calibrate`, { observations: small() });
      assert.equal(busy.status, 503, busy.text);
      assert.equal(busy.headers.get('retry-after'), '7');
      assert.equal(busy.json.error, 'busy');
      const busy2 = await postJson(`${one.url}/irt/calibrate`, { observations: small() });
      assert.equal(busy2.status, 503);
      // Score requests are not calibrations: they still go through.
      const score = await postJson(`${one.url}/irt/score`, {
        item_params: [{ item_id: 'Item.1', params: { a: 1, b: 0 } }],
        observations: [{ user_id: 'u', item_id: 'Item.1', is_correct: 1 }],
      });
      assert.equal(score.status, 200, score.text);
      held.destroy();
      await waitUntil('the stalled upload to go', async () => {
        const m = await (await fetch(`${one.url}/metrics`, { headers: auth })).text();
        return /mirt_http_requests_in_flight\{route="\/calibrate"\} 0/.test(m);
      });
      const ok = await postJson(`${one.url}/calibrate`, { observations: small() });
      assert.equal(ok.status, 200, ok.text);
    } finally {
      await one.close();
    }
  });

  test('a calibration past the time limit is stopped: 503 timeout', async () => {
    const quick = await startService({ calibrationTimeLimitMs: 1 });
    try {
      const res = await postJson(`${quick.url}/calibrate`, { observations: lsat7() });
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.error, 'timeout');
      assert.equal((await fetch(`${quick.url}/health`)).status, 200);
    } finally {
      await quick.close();
    }
  });

  test('a 500 carries a request id, never a stack trace', async () => {
    const broken = await startService({
      calibrator: { moduleUrl: LOCAL_CALIBRATOR_MODULE, exportName: 'NoSuchCalibrator' },
    });
    try {
      const res = await postJson(`${broken.url}/calibrate`, { observations: small() });
      assert.equal(res.status, 500);
      assert.equal(res.json.error, 'internal_error');
      assert.match(res.json.request_id, /^[0-9a-f-]{36}$/);
      assert.doesNotMatch(res.text, /NoSuchCalibrator|\.ts|at |stack/);
      // The detail is in the server's log, under the same request id.
      assert.ok(broken.logs.some((l) => l.includes(res.json.request_id) && l.includes('NoSuchCalibrator')));
    } finally {
      await broken.close();
    }
  });
});

describe('logs', () => {
  test('one JSON line per request, without the token or the payload', async () => {
    const before = svc.logs.length;
    await postJson(`${svc.url}/calibrate`, { observations: small() });
    await postJson(
      `${svc.url}/calibrate`,
      { observations: small() },
      { 'content-type': 'application/json', authorization: 'Bearer leaked-guess' },
    );
    await fetch(`${svc.url}/health?token=${TOKEN}`);
    const lines = svc.logs.slice(before).map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === 'request');
    assert.equal(requests.length, 3);
    assert.deepEqual(
      requests.map((l) => [l.route, l.status]),
      [
        ['/calibrate', 200],
        ['/calibrate', 401],
        ['/health', 200],
      ],
    );
    const all = svc.logs.join('\n');
    assert.ok(!all.includes(TOKEN), 'token in the log');
    assert.ok(!all.includes('leaked-guess'), 'presented token in the log');
    assert.ok(!all.includes('p0001'), 'payload in the log');
  });
});
