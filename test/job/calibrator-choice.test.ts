/** createCalibrator: local engine by default; R_IRT_BASE_URL selects the remote one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCalibrator } from '../../src/calibrators/index.js';
import { jobConfig } from '../helpers/job.js';

describe('calibrator choice', () => {
  it('is the local engine when R_IRT_BASE_URL is unset', async () => {
    const c = await createCalibrator(jobConfig());
    assert.equal(c.kind, 'local');
    assert.match(c.describe(), /^local engine/);
  });

  it('is the remote client when R_IRT_BASE_URL is set, and describes itself without the token', async () => {
    const config = jobConfig({
      remote: {
        baseUrl: 'http://irt:8000',
        path: '/irt/calibrate',
        token: 'tok-secret',
        timeoutSecs: 300,
        maxRetries: 3,
        retryDelaySecs: 5,
      },
    });
    const c = await createCalibrator(config);
    assert.equal(c.kind, 'remote');
    assert.match(c.describe(), /irt:8000\/irt\/calibrate/);
    assert.ok(!c.describe().includes('tok-secret'));
  });
});
