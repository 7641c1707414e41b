/**
 * The field a 400 names for an engine input error comes from what the engine says the error is
 * about (EngineInputError.subject), mapped to the wire name by the option schema, never from the
 * wording of the message; across the worker boundary too (the service calibrates on workers).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CALIBRATION_OPTIONS } from '../../src/contract/options.js';
import { resolveSettings } from '../../src/engine/calibrate.js';
import { ResponseBuilder } from '../../src/engine/responses.js';
import { EngineInputError, parseAPrior, parseCPrior, parseModel } from '../../src/engine/types.js';
import { toErrorReply } from '../../src/service/errors.js';

const fieldOf = (e: unknown) => toErrorReply(e, 'req-1').body.field;
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected a throw');
};

test('every calibration option the engine names maps to its wire name', () => {
  for (const [wire, spec] of Object.entries(CALIBRATION_OPTIONS))
    assert.equal(fieldOf(new EngineInputError(`bad ${spec.field}`, spec.field)), wire);
});

test('the engine names the subject where it throws', () => {
  assert.equal(fieldOf(thrown(() => parseCPrior('beta:0'))), 'c_prior');
  assert.equal(fieldOf(thrown(() => parseAPrior('normal:0:1'))), 'a_prior');
  assert.equal(fieldOf(thrown(() => parseModel('5PL'))), 'model');
  assert.equal(fieldOf(thrown(() => resolveSettings({ model: '2PL', quadPoints: 3 }))), 'quadpts');
  assert.equal(fieldOf(thrown(() => resolveSettings({ model: '2PL', tol: 2 }))), 'tol');
});

test('no subject: the body, whatever the message happens to say', () => {
  // The old mapping read "model" or "observations" out of the message text.
  assert.equal(fieldOf(new EngineInputError('the model saw no observations')), 'body');
  assert.equal(fieldOf(new EngineInputError('c prior is odd', 'somethingElse')), 'body');
  assert.equal(toErrorReply(new EngineInputError('x', 'anchors'), 'r').status, 400);
});

test('no usable observations names the observations', () => {
  const b = new ResponseBuilder();
  b.add('u1', 'i1', null);
  assert.equal(fieldOf(thrown(() => b.build())), 'observations');
});
