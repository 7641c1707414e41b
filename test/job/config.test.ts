/** Configuration: defaults, MIRT_* over IRT_*, flags over env, one-line validation errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/job/config.js';

describe('job configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig([], {});
    assert.equal(c.lookbackDays, 30);
    assert.equal(c.model, '2PL');
    assert.equal(c.maxObs, null);
    assert.equal(c.minItemResponses, 30); // below it: kept, flagged provisional
    assert.equal(c.reportPath, null);
    assert.equal(loadConfig(['--report', '/r/{version}.html'], {}).reportPath, '/r/{version}.html');
    assert.equal(loadConfig([], { MIRT_REPORT_PATH: '/r.html' }).reportPath, '/r.html');
    assert.equal(c.dryRun, false);
    assert.equal(c.databaseUrl, null);
    assert.equal(c.dataDir, './.mirt-data');
    assert.equal(c.updateQuestionMeta, false);
    assert.equal(c.retainVersions, null);
    assert.deepEqual(c.remote, {
      baseUrl: null,
      path: '/calibrate',
      token: null,
      timeoutSecs: 300,
      maxRetries: 3,
      retryDelaySecs: 5,
    });
  });

  it('MIRT_* wins over IRT_*, flags win over both', () => {
    const env = {
      IRT_CALIB_LOOKBACK_DAYS: '60',
      MIRT_LOOKBACK_DAYS: '14',
      IRT_MODEL: '3PL',
      MIRT_MODEL: 'rasch',
      IRT_TOPIC_ID: '1',
      MIRT_TOPIC_ID: '2',
      MIRT_SUBJECT_ID: '5',
      MIRT_MAX_OBS: '1000',
      MIRT_MIN_ITEM_RESPONSES: '30',
      DRY_RUN: 'true',
      DATABASE_URL: 'postgresql+psycopg2://u:p@h:5432/d',
      IRT_UPDATE_QUESTION_META: 'true',
      R_IRT_BASE_URL: 'http://irt:8000',
      R_IRT_CALIBRATE_PATH: '/irt/calibrate',
      R_IRT_INTERNAL_TOKEN: 'tok',
      R_IRT_TIMEOUT_SECS: '60',
      MIRT_MAX_RETRIES: '5',
      MIRT_RETRY_DELAY_SECS: '0.5',
      MIRT_RETAIN_VERSIONS: '10',
    };
    const c = loadConfig([], env);
    assert.equal(c.lookbackDays, 14);
    assert.equal(c.model, 'Rasch');
    assert.equal(c.topicId, '2');
    assert.equal(c.subjectId, '5');
    assert.equal(c.maxObs, 1000);
    assert.equal(c.minItemResponses, 30);
    assert.equal(
      loadConfig(['--min-item-responses', '5'], { MIRT_MIN_ITEM_RESPONSES: '30' }).minItemResponses,
      5,
    );
    assert.equal(c.dryRun, true);
    assert.equal(c.databaseUrl, 'postgresql://u:p@h:5432/d');
    assert.equal(c.updateQuestionMeta, true);
    assert.equal(c.retainVersions, 10);
    assert.deepEqual(c.remote, {
      baseUrl: 'http://irt:8000',
      path: '/irt/calibrate',
      token: 'tok',
      timeoutSecs: 60,
      maxRetries: 5,
      retryDelaySecs: 0.5,
    });
    const f = loadConfig(
      [
        '--lookback-days',
        '7',
        '--model=1pl',
        '--topic-id',
        '9',
        '--subject-id=3',
        '--max-obs',
        '0',
        '--database-url',
        'postgres://x@y/z',
        '--data-dir',
        '/d',
      ],
      env,
    );
    assert.deepEqual(
      [f.lookbackDays, f.model, f.topicId, f.subjectId, f.maxObs, f.databaseUrl, f.dataDir],
      [7, '1PL', '9', '3', null, 'postgresql://x@y/z', '/d'],
    );
    assert.equal(loadConfig(['--dry-run'], {}).dryRun, true);
    assert.equal(loadConfig(['--help'], {}).help, true);
  });

  it('fails at start with one line for invalid values', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--lookback-days', '-3'], {}, /^--lookback-days: expected an integer >= 1, got "-3"$/],
      [[], { IRT_CALIB_LOOKBACK_DAYS: 'abc' }, /^IRT_CALIB_LOOKBACK_DAYS: expected an integer/],
      [['--model', '5PL'], {}, /^--model: unknown model "5PL"/],
      [[], { MIRT_MODEL: 'grm' }, /^MIRT_MODEL: unknown model/],
      [[], { DATABASE_URL: 'mysql://u:pw@h/d' }, /^DATABASE_URL: bad DATABASE_URL "mysql:\/\/\*\*\*@h\/d"/],
      [[], { MIRT_MAX_OBS: '-1' }, /^MIRT_MAX_OBS: expected an integer >= 0/],
      [['--min-item-responses', '0'], {}, /^--min-item-responses: expected an integer >= 1, got "0"$/],
      [[], { R_IRT_BASE_URL: 'irt:8000' }, /^R_IRT_BASE_URL: expected an http/],
      [[], { R_IRT_TIMEOUT_SECS: '0' }, /^R_IRT_TIMEOUT_SECS: expected a number > 0/],
      [[], { R_IRT_CALIBRATE_PATH: 'calibrate' }, /^R_IRT_CALIBRATE_PATH: expected a path starting with \//],
      [[], { DRY_RUN: 'maybe' }, /^DRY_RUN: expected true or false/],
      [['--frobnicate'], {}, /^unknown argument "--frobnicate"/],
      [['--model'], {}, /^--model needs a value$/],
    ];
    for (const [argv, env, re] of cases) {
      assert.throws(
        () => loadConfig(argv, env),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.match(e.message, re);
          assert.ok(!e.message.includes('\n'));
          return true;
        },
      );
    }
  });
});
