/** The contract's runtime validation as plain functions, plus the small service helpers it leans on. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calibrateRequestJson } from '../../src/calibrators/remote-request.js';
import { validateCalibrateRequest, validateCalibrateResponse } from '../../src/contract/validate.js';
import { responsesFromObservations } from '../../src/engine/responses.js';
import { presentedToken, tokenChecker } from '../../src/service/auth.js';
import { ConcurrencyGate } from '../../src/service/gate.js';
import { bytesNestDeeperThan, textNestsDeeperThan } from '../../src/service/json-depth.js';
import { calibrateInputToData } from '../../src/service/request-data.js';
import { fieldOf } from './field-of.js';

describe('validateCalibrateRequest', () => {
  test('observations form with defaults; numeric ids are read as strings', () => {
    const input = validateCalibrateRequest({
      observations: [{ user_id: 7, item_id: 'q', is_correct: true }],
    });
    assert.equal(input.form, 'observations');
    assert.equal(input.options.model, '2PL');
    // A bad row is dropped and counted when the data is built (request-data.ts); only a request
    // with no usable row left is refused, naming the first bad field.
    assert.equal(
      fieldOf(() =>
        calibrateInputToData(
          validateCalibrateRequest({ observations: [{ user_id: {}, item_id: 'q', is_correct: 1 }] }),
        ),
      ),
      'observations[0].user_id',
    );
  });

  test('matrix forms turn into the same compact data as observations', () => {
    const rows = [
      [1, 0, null],
      [0, 1, 1],
      [1, 1, 0],
    ];
    const arrays = calibrateInputToData(
      validateCalibrateRequest({ responses: rows, item_ids: ['a', 'b', 'c'], user_ids: ['x', 'y', 'z'] }),
    );
    const objects = calibrateInputToData(
      validateCalibrateRequest({
        responses: rows.map((r) =>
          Object.fromEntries(['a', 'b', 'c'].map((k, j) => [k, r[j]]).filter(([, v]) => v !== null)),
        ),
        user_ids: ['x', 'y', 'z'],
      }),
    );
    for (const { data: d } of [arrays, objects]) {
      assert.ok(d);
      assert.deepEqual(d.userIds, ['x', 'y', 'z']);
      assert.deepEqual(d.itemIds, ['a', 'b', 'c']);
      assert.equal(d.nObs, 8);
    }
    assert.equal(arrays.hygiene.dropped.nullCorrect, 1, 'null cells are counted as dropped');
    assert.equal(
      fieldOf(() => validateCalibrateRequest({ responses: [{ a: 1 }], item_ids: ['a'] })),
      'item_ids',
    );
    assert.equal(
      fieldOf(() => validateCalibrateRequest({ responses: [[1], { a: 1 }] })),
      'responses[1]',
    );
  });
});

describe('validateCalibrateResponse', () => {
  const good = () => ({
    item_params: [{ item_id: 'a', model: '2PL', params: { a: 1, b: 0 }, version: 'v' }],
    abilities: [{ user_id: 'x', theta: 0.1, se: null, model: '2PL', version: 'v' }],
    fit_meta: {
      run_id: 'r',
      model_spec: { model: '2PL', n_items: 1, n_users: 1 },
      metrics: { logLik: -1, AIC: 4 },
    },
  });
  const sent = { itemIds: ['a'], userIds: ['x'] };
  test('accepts the seed shape, se null included', () => {
    assert.doesNotThrow(() => validateCalibrateResponse(good(), sent));
  });
  test('names the first broken field', () => {
    const cases: [(r: ReturnType<typeof good>) => unknown, string][] = [
      [
        (r) => ({ ...r, item_params: [{ ...r.item_params[0], params: { a: Number.NaN, b: 0 } }] }),
        'item_params[0].params.a',
      ],
      [(r) => ({ ...r, item_params: [r.item_params[0], r.item_params[0]] }), 'item_params[1].item_id'],
      [
        (r) => ({ ...r, abilities: [{ ...r.abilities[0], se: Number.POSITIVE_INFINITY }] }),
        'abilities[0].se',
      ],
      [(r) => ({ ...r, abilities: [{ ...r.abilities[0], version: '' }] }), 'abilities[0].version'],
      [(r) => ({ ...r, fit_meta: { ...r.fit_meta, run_id: 3 } }), 'fit_meta.run_id'],
      [
        (r) => ({ ...r, fit_meta: { ...r.fit_meta, model_spec: { model: '2PL', n_items: 1 } } }),
        'fit_meta.model_spec.n_users',
      ],
      [() => [], 'response'],
    ];
    for (const [mutate, field] of cases)
      assert.equal(
        fieldOf(() => validateCalibrateResponse(mutate(good()), sent)),
        field,
      );
  });
});

describe('remote request body', () => {
  test('is the contract JSON, ids escaped, optional fields only when set', () => {
    const data = responsesFromObservations([
      { user_id: 'u"1', item_id: 'i\\1', is_correct: 1 },
      { user_id: 'u"1', item_id: 'i2', is_correct: 0 },
      { user_id: 'u2', item_id: 'i\\1', is_correct: 0 },
      { user_id: 'u2', item_id: 'i2', is_correct: 1 },
    ]);
    const body = JSON.parse(
      calibrateRequestJson(data, { model: '3PL', version: 'v', runId: 'r', cPrior: 'none' }),
    );
    assert.deepEqual(body.observations[0], { user_id: 'u"1', item_id: 'i\\1', is_correct: 1 });
    assert.equal(body.observations.length, 4);
    assert.equal(body.model, '3PL');
    assert.equal(body.c_prior, 'none');
    assert.ok(!('quadpts' in body));
    assert.doesNotThrow(() => validateCalibrateRequest(body));
  });
});

describe('service helpers', () => {
  test('token check: Bearer or X-Internal-Token, exact match only', () => {
    const check = tokenChecker('s3cret');
    assert.equal(check(presentedToken({ authorization: 'Bearer s3cret' })), true);
    assert.equal(check(presentedToken({ authorization: 'bearer  s3cret ' })), true);
    assert.equal(check(presentedToken({ 'x-internal-token': 's3cret' })), true);
    assert.equal(check(presentedToken({ authorization: 'Bearer s3cre' })), false);
    assert.equal(check(presentedToken({ authorization: 'Basic s3cret' })), false);
    assert.equal(check(presentedToken({})), false);
    assert.throws(() => tokenChecker(''));
  });

  test('gate: bounded, each release counts once', () => {
    const g = new ConcurrencyGate(2);
    const a = g.tryAcquire();
    const b = g.tryAcquire();
    assert.ok(a && b);
    assert.equal(g.tryAcquire(), null);
    a();
    a();
    assert.equal(g.inUse, 1);
    assert.ok(g.tryAcquire());
  });

  test('nesting depth: brackets in strings ignored, escapes honoured', () => {
    assert.equal(textNestsDeeperThan('[[[]]]', 3), false);
    assert.equal(textNestsDeeperThan('[[[[]]]]', 3), true);
    assert.equal(textNestsDeeperThan('["[[[[[[", "\\"[[[[["]', 2), false);
    assert.equal(bytesNestDeeperThan(Buffer.from('{"a":{"b":{"c":{}}}}'), 3), true);
    assert.equal(bytesNestDeeperThan(Buffer.from('{"a":"{{{{{{"}'), 3), false);
  });
});
