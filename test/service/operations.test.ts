/** Operations: metrics, health during a calibration, /irt/score, the serve command's start and graceful stop. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/service/serve-command.js';
import {
  auth,
  lsat7,
  POLL_DEADLINE_MS,
  postJson,
  type RunningService,
  simulate,
  startService,
  TOKEN,
  waitUntil,
} from './helpers.js';

let svc: RunningService;
before(async () => {
  svc = await startService({ processMetrics: true });
});
after(() => svc.close());

async function health(
  url: string,
): Promise<{ calibrations_in_flight: number; calibration_workers: number; status: string }> {
  return (await (await fetch(`${url}/health`)).json()) as never;
}

describe('metrics', () => {
  test('requests by route and status, durations, calibrations, observations, in-flight', async () => {
    const cal = await postJson(`${svc.url}/calibrate`, { observations: lsat7(100) });
    const nObs = cal.json.fit_meta.model_spec.n_obs;
    await postJson(`${svc.url}/irt/calibrate`, { observations: [] });
    await fetch(`${svc.url}/healthz`);
    const res = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /mirt_http_requests_total\{method="POST",route="\/calibrate",status="200"\} 1/);
    assert.match(text, /mirt_http_requests_total\{method="POST",route="\/irt\/calibrate",status="400"\} 1/);
    assert.match(text, /mirt_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
    assert.match(
      text,
      /mirt_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/calibrate",status="200"\} 1/,
    );
    assert.match(text, /mirt_calibrations_total\{model="2PL",outcome="ok"\} 1/);
    assert.match(text, /mirt_calibrations_total\{model="unknown",outcome="bad_request"\} 1/);
    assert.match(text, new RegExp(`mirt_observations_processed_total\\{route="/calibrate"\\} ${nObs}\n`));
    assert.match(text, /mirt_calibrations_in_flight 0/);
    assert.match(text, /mirt_calibration_workers 0/);
    assert.match(text, /mirt_http_requests_in_flight\{route="\/metrics"\} 1/);
    assert.match(text, /mirt_process_resident_memory_bytes/);
  });
});

describe('the event loop stays free while a calibration computes', () => {
  test('health and metrics answer while the worker fits the model', async () => {
    const body = { observations: simulate(20000, 60, 10) };
    const calibration = postJson(`${svc.url}/calibrate`, body);
    let seenWhileWorking = 0;
    let settled = false;
    void calibration.finally(() => {
      settled = true;
    });
    const end = Date.now() + POLL_DEADLINE_MS;
    while (!settled) {
      assert.ok(Date.now() < end, `the calibration did not finish within ${POLL_DEADLINE_MS / 1000} s`);
      const h = await health(svc.url);
      if (h.calibration_workers === 1) {
        seenWhileWorking++;
        const m = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(m.status, 200);
        assert.match(await m.text(), /mirt_calibration_workers [01]\n/);
      }
    }
    const res = await calibration;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.abilities.length, 20000);
    assert.ok(seenWhileWorking > 0, 'no health answer came back while the worker was computing');
  });
});

describe('a caller that hangs up', () => {
  test('stops its calibration: the worker is terminated and the slot comes back', async () => {
    const body = JSON.stringify({ observations: simulate(20000, 60, 10) });
    const ac = new AbortController();
    const pending = fetch(`${svc.url}/calibrate`, {
      method: 'POST',
      headers: auth,
      body,
      signal: ac.signal,
    }).catch((e) => e);
    await waitUntil(
      'the calibration worker to start',
      async () => (await health(svc.url)).calibration_workers === 1,
    );
    ac.abort();
    await pending;
    await waitUntil('the worker to stop and the slot to come back', async () => {
      const h = await health(svc.url);
      return h.calibration_workers === 0 && h.calibrations_in_flight === 0;
    });
    const text = await (
      await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text();
    assert.match(text, /mirt_calibrations_total\{model="unknown",outcome="abandoned"\} 1/);
  });
});

describe('POST /irt/score', () => {
  const items = [
    { item_id: 'q1', params: { a: 1.2, b: -0.5 } },
    { item_id: 'q2', params: { a: 0.8, b: 0.3 } },
    { item_id: 'q3', params: { a: 1.5, b: 1.0, c: 0.2 } },
  ];
  const obs = [
    { user_id: 'alice', item_id: 'q1', is_correct: 1 },
    { user_id: 'alice', item_id: 'q2', is_correct: 0 },
    { user_id: 'alice', item_id: 'q3', is_correct: true },
    { user_id: 'bob', item_id: 'q1', is_correct: 0 },
    { user_id: 'bob', item_id: 'q2', is_correct: false },
    { user_id: 'carol', item_id: 'q9', is_correct: 1 },
  ];

  test('EAP theta and SE for several users; unknown items skipped and reported', async () => {
    const res = await postJson(`${svc.url}/irt/score`, { item_params: items, observations: obs });
    assert.equal(res.status, 200, res.text);
    const [alice, bob] = res.json.abilities;
    assert.equal(alice.user_id, 'alice');
    assert.equal(alice.method, 'EAP');
    assert.ok(alice.theta > bob.theta);
    assert.ok(alice.se > 0 && alice.se < 1);
    assert.equal(bob.pattern, 'all_wrong');
    assert.deepEqual(res.json.unscored, ['carol']);
    assert.equal(res.json.skipped.unknown_item, 1);
  });

  test('scores agree with the item parameters /calibrate returned (same EAP)', async () => {
    const cal = await postJson(`${svc.url}/calibrate`, { observations: lsat7(1000), score_method: 'EAP' });
    const fitted = cal.json.fit_meta.model_spec.latent;
    const sub = lsat7(20);
    const res = await postJson(`${svc.url}/irt/score`, {
      item_params: cal.json.item_params,
      observations: sub,
      latent: fitted,
    });
    assert.equal(res.status, 200, res.text);
    for (const a of res.json.abilities) {
      const ref = cal.json.abilities.find((x: { user_id: string }) => x.user_id === a.user_id);
      assert.ok(Math.abs(a.theta - ref.theta) < 1e-9, `${a.user_id} ${a.theta} vs ${ref.theta}`);
      assert.ok(Math.abs(a.se - ref.se) < 1e-9);
    }
  });

  test('MAP and ML on request; ML has no finite estimate on all-wrong answers', async () => {
    for (const method of ['MAP', 'ml']) {
      const res = await postJson(`${svc.url}/irt/score`, { item_params: items, observations: obs, method });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.abilities[0].method, method.toUpperCase());
      assert.ok(Number.isFinite(res.json.abilities[0].theta));
    }
  });

  test('400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ observations: obs }, 'item_params'],
      [{ item_params: [], observations: obs }, 'item_params'],
      [
        { item_params: [{ item_id: 'q1', params: { a: 'x', b: 0 } }], observations: obs },
        'item_params[0].params.a',
      ],
      [
        { item_params: [{ item_id: 'q1', params: { a: 1, b: 0, c: 1.5 } }], observations: obs },
        'item_params[0].params.c',
      ],
      [{ item_params: [items[0], items[0]], observations: obs }, 'item_params[1].item_id'],
      [{ item_params: items, observations: [] }, 'observations'],
      [{ item_params: items, observations: obs, method: 'BAYES' }, 'method'],
      [{ item_params: items, observations: obs, latent: { mean: 0, variance: 0 } }, 'latent.variance'],
      ['{oops', 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await postJson(`${svc.url}/irt/score`, body, auth);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.field, field, res.text);
    }
  });
});

describe('mirt-calibrate serve', () => {
  test('refuses to start without a token, and says so', async () => {
    const lines: string[] = [];
    const code = await main(['--port', '0', '--host', '127.0.0.1'], {
      env: {},
      err: (l) => lines.push(l),
      log: false,
    });
    assert.equal(code, 2);
    assert.match(
      lines.join('\n'),
      /R_IRT_INTERNAL_TOKEN is not set: refusing to serve without authentication.*--insecure-no-auth/,
    );
  });

  test('bad flags are a usage error', async () => {
    const lines: string[] = [];
    assert.equal(
      await main(['--port', 'x'], {
        env: { R_IRT_INTERNAL_TOKEN: TOKEN },
        err: (l) => lines.push(l),
        log: false,
      }),
      2,
    );
    assert.equal(
      await main(['--bogus'], {
        env: { R_IRT_INTERNAL_TOKEN: TOKEN },
        err: (l) => lines.push(l),
        log: false,
      }),
      2,
    );
  });

  test('--insecure-no-auth serves without a token and warns', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let url = '';
    const done = main(['--port', '0', '--host', '127.0.0.1', '--insecure-no-auth'], {
      env: {},
      err: (l) => lines.push(l),
      log: false,
      signal: stop.signal,
      onListening: (a) => {
        url = `http://127.0.0.1:${a.port}`;
      },
    });
    await waitUntil('the service to listen', () => url !== '');
    const res = await postJson(
      `${url}/calibrate`,
      { observations: lsat7(50) },
      { 'content-type': 'application/json' },
    );
    assert.equal(res.status, 200, res.text);
    stop.abort();
    assert.equal(await done, 0);
    assert.match(lines.join('\n'), /\[WARN\] serving WITHOUT authentication/);
  });

  test('PORT/PLUMBER_PORT; a stop finishes the calibration in flight, then exits 0', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let url = '';
    const done = main(['--host', '127.0.0.1'], {
      env: { R_IRT_INTERNAL_TOKEN: TOKEN, PLUMBER_PORT: '0' },
      err: (l) => lines.push(l),
      log: false,
      signal: stop.signal,
      onListening: (a) => {
        url = `http://127.0.0.1:${a.port}`;
      },
    });
    await waitUntil('the service to listen', () => url !== '');
    const calibration = postJson(`${url}/calibrate`, { observations: simulate(5000, 40, 10) });
    await waitUntil(
      'the calibration worker to start',
      async () => (await health(url)).calibration_workers === 1,
    );
    stop.abort();
    const res = await calibration;
    assert.equal(res.status, 200, 'the calibration in flight finished');
    assert.equal(res.json.abilities.length, 5000);
    assert.equal(await done, 0);
    await assert.rejects(fetch(`${url}/health`), 'no longer listening');
    assert.match(lines.join('\n'), /finishing 1 calibration\(s\) in flight/);
    assert.match(lines.join('\n'), /service stopped/);
  });
});
