/** MIRT_LINK / --link, MIRT_LINK_METHOD / --link-method, MIRT_ANCHORS and the drift thresholds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/job/config.js';

describe('linking configuration', () => {
  it('defaults to no linking, Stocking–Lord, |z| >= 3.5 and a shift of 0.3', () => {
    assert.deepEqual(loadConfig([], {}).link, {
      mode: 'none',
      method: 'stocking-lord',
      driftZ: 3.5,
      driftShift: 0.3,
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      MIRT_LINK: 'previous',
      MIRT_LINK_METHOD: 'mean_sigma',
      MIRT_DRIFT_Z: '3',
      MIRT_DRIFT_MIN_SHIFT: '0.5',
    };
    assert.deepEqual(loadConfig([], env).link, {
      mode: 'previous',
      method: 'mean-sigma',
      driftZ: 3,
      driftShift: 0.5,
    });
    const c = loadConfig(['--link', 'none', '--link-method=fixed'], env);
    assert.equal(c.link?.mode, 'none');
    assert.equal(c.link?.method, 'fixed');
  });

  it('MIRT_ANCHORS=question_meta means anchors linking and refuses another mode', () => {
    assert.equal(loadConfig([], { MIRT_ANCHORS: 'question_meta' }).link?.mode, 'anchors');
    assert.equal(
      loadConfig([], { MIRT_ANCHORS: 'question_meta', MIRT_LINK: 'anchors' }).link?.mode,
      'anchors',
    );
    assert.throws(
      () => loadConfig([], { MIRT_ANCHORS: 'question_meta', MIRT_LINK: 'previous' }),
      (e: unknown) => e instanceof ConfigError && /cannot go with MIRT_LINK=previous/.test(e.message),
    );
  });

  it('names the setting in every error', () => {
    for (const [env, re] of [
      [{ MIRT_LINK: 'last' }, /^MIRT_LINK: expected one of none, anchors, previous, got "last"$/],
      [{ MIRT_LINK_METHOD: 'haebara' }, /^MIRT_LINK_METHOD: expected one of/],
      [{ MIRT_ANCHORS: 'table' }, /^MIRT_ANCHORS: expected one of none, question-meta/],
      [{ MIRT_DRIFT_Z: '-1' }, /^MIRT_DRIFT_Z: expected a number >= 0/],
      [{ MIRT_DRIFT_MIN_SHIFT: 'x' }, /^MIRT_DRIFT_MIN_SHIFT: expected a number >= 0/],
      [{ MIRT_DRIFT_Z: '101' }, /^MIRT_DRIFT_Z: at most 100, got "101"$/],
      [{ MIRT_DRIFT_MIN_SHIFT: '11' }, /^MIRT_DRIFT_MIN_SHIFT: at most 10, got "11"$/],
    ] as const) {
      assert.throws(
        () => loadConfig([], env),
        (e: unknown) => e instanceof ConfigError && re.test(e.message),
      );
    }
    assert.throws(() => loadConfig(['--link', 'x'], {}), /^ConfigError: --link: expected one of/);
  });
});
