/** POST /calibrate and /irt/calibrate on a real server: the seed contract's shape, both forms, both paths. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { validateCalibrateResponse } from '../../src/contract/validate.js';
import { lsat7, postJson, type RunningService, startService } from './helpers.js';

let svc: RunningService;
before(async () => {
  svc = await startService();
});
after(() => svc.close());

/** The seed's request example: observations, model, optional timestamps. */
const seedRequest = () => ({
  observations: lsat7(300).map((o, k) => ({ ...o, responded_at: k % 2 ? null : '2026-11-20T10:00:00Z' })),
  model: '2PL',
});

describe('POST /calibrate', () => {
  test('the seed request gives a response of the seed shape', async () => {
    const req = seedRequest();
    const res = await postJson(`${svc.url}/calibrate`, req);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = res.json;
    const users = [...new Set(req.observations.map((o) => o.user_id))];
    validateCalibrateResponse(body, {
      itemIds: ['Item.1', 'Item.2', 'Item.3', 'Item.4', 'Item.5'],
      userIds: users,
    });
    assert.equal(body.item_params.length, 5);
    for (const it of body.item_params) {
      assert.deepEqual(Object.keys(it).slice(0, 4), ['item_id', 'model', 'params', 'version']);
      assert.equal(it.model, '2PL');
      assert.equal(typeof it.params.a, 'number');
      assert.equal(typeof it.params.b, 'number');
      assert.equal(it.params.c, undefined, 'c only for the 3PL');
    }
    assert.equal(body.abilities.length, 300);
    for (const a of body.abilities) {
      assert.deepEqual(Object.keys(a), ['user_id', 'theta', 'se', 'model', 'version']);
    }
    assert.equal(typeof body.fit_meta.run_id, 'string');
    assert.equal(body.fit_meta.model_spec.model, '2PL');
    assert.equal(body.fit_meta.model_spec.n_items, 5);
    assert.equal(body.fit_meta.model_spec.n_users, 300);
    for (const k of ['logLik', 'AIC', 'BIC']) assert.ok(Number.isFinite(body.fit_meta.metrics[k]), k);
  });

  test('/irt/calibrate is the same handler: same estimates', async () => {
    const req = { ...seedRequest(), version: 'v1', run_id: 'r1' };
    const a = await postJson(`${svc.url}/calibrate`, req);
    const b = await postJson(`${svc.url}/irt/calibrate`, req);
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(
      b.json.item_params.map((i: { params: unknown }) => i.params),
      a.json.item_params.map((i: { params: unknown }) => i.params),
    );
    assert.equal(b.json.fit_meta.run_id, 'r1');
    assert.equal(b.json.item_params[0].version, 'v1');
  });

  test('model names are case-insensitive, 3PL carries c', async () => {
    const res = await postJson(`${svc.url}/calibrate`, {
      observations: lsat7(),
      model: '3pl',
      max_cycles: 50,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.item_params[0].model, '3PL');
    assert.equal(typeof res.json.item_params[0].params.c, 'number');
  });

  test('the legacy matrix form (rows as arrays, rows as objects) gives the observations form estimates', async () => {
    // All of LSAT7: its first 200 persons are its lowest patterns, where Item.1's slope has no
    // finite estimate (the engine would rightly leave it out).
    const obs = lsat7();
    const users = [...new Set(obs.map((o) => o.user_id))];
    const items = ['Item.1', 'Item.2', 'Item.3', 'Item.4', 'Item.5'];
    const cell = new Map(obs.map((o) => [`${o.user_id}|${o.item_id}`, o.is_correct]));
    const rows = users.map((u) => items.map((i) => cell.get(`${u}|${i}`) ?? null));
    const common = { model: '2PL', version: 'v', run_id: 'r' };
    const ref = await postJson(`${svc.url}/calibrate`, { observations: obs, ...common });
    const arrays = await postJson(`${svc.url}/calibrate`, { responses: rows, user_ids: users, ...common });
    const objects = await postJson(`${svc.url}/irt/calibrate`, {
      responses: rows.map((r) => Object.fromEntries(items.map((i, j) => [i, r[j]]))),
      user_ids: users,
      ...common,
    });
    for (const res of [arrays, objects]) {
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.item_params, ref.json.item_params);
      assert.deepEqual(res.json.abilities, ref.json.abilities);
    }
    // Without ids: mirt's column names and R's row names.
    const bare = await postJson(`${svc.url}/calibrate`, { responses: rows });
    assert.equal(bare.status, 200, bare.text);
    assert.deepEqual(
      bare.json.item_params.map((i: { item_id: string }) => i.item_id),
      items,
    );
    assert.equal(bare.json.abilities[0].user_id, '1');
  });

  test('anchors fix their items (list or map form) and free the latent mean and variance', async () => {
    const anchors = [
      { item_id: 'Item.1', a: 1.1, b: -1.5 },
      { item_id: 'Item.3', params: { a: 1.6, b: -0.9 } },
    ];
    const res = await postJson(`${svc.url}/calibrate`, { observations: lsat7(), anchors, version: 'v' });
    assert.equal(res.status, 200, res.text);
    const byId = new Map(res.json.item_params.map((i: { item_id: string }) => [i.item_id, i]));
    const one = byId.get('Item.1') as { params: { a: number; b: number }; anchored?: boolean };
    assert.deepEqual([one.params.a, one.params.b, one.anchored], [1.1, -1.5, true]);
    assert.equal((byId.get('Item.2') as { anchored?: boolean }).anchored, undefined);
    const spec = res.json.fit_meta.model_spec.anchors;
    assert.deepEqual([spec.used, spec.unused], [2, []]);
    const latent = res.json.fit_meta.model_spec.latent;
    assert.ok(latent.mean !== 0 && latent.variance !== 1, JSON.stringify(latent));
    const map = await postJson(`${svc.url}/calibrate`, {
      observations: lsat7(),
      anchors: { 'Item.1': { a: 1.1, b: -1.5 }, 'Item.3': { a: 1.6, b: -0.9 } },
      version: 'v',
    });
    assert.deepEqual(map.json.item_params, res.json.item_params);
  });

  test('null answers are dropped and counted, not read as wrong', async () => {
    const obs = [...lsat7(), { user_id: 'p0001', item_id: 'Item.9', is_correct: null }];
    const res = await postJson(`${svc.url}/calibrate`, { observations: obs });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.fit_meta.metrics.hygiene.dropped.nullCorrect, 1);
    assert.equal(res.json.item_params.length, 5);
  });
});
