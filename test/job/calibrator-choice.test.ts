/** createCalibrator: local engine by default; R_IRT_BASE_URL selects the remote one (not in this build yet). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCalibrator } from '../../src/calibrators/index.js';
import { runJob } from '../../src/job/run-job.js';
import { captureIo, jobConfig } from '../helpers/job.js';

describe('calibrator choice', () => {
  it('is the local engine when R_IRT_BASE_URL is unset', async () => {
    const c = await createCalibrator(jobConfig());
    assert.equal(c.kind, 'local');
    assert.match(c.describe(), /^local engine/);
  });

  it('fails clearly for a remote URL, and the job exits 1 before touching any database', async () => {
    const config = jobConfig({
      remote: {
        baseUrl: 'http://irt:8000',
        token: 'tok-secret',
        timeoutSecs: 300,
        maxRetries: 3,
        retryDelaySecs: 5,
      },
    });
    await assert.rejects(createCalibrator(config), /remote calibrator not available in this build/);
    const io = captureIo();
    let opened = false;
    const o = await runJob(config, {
      io,
      openDb: async () => {
        opened = true;
        throw new Error('must not open');
      },
    });
    assert.equal(o.exitCode, 1);
    assert.equal(opened, false);
    assert.deepEqual(io.errors, [
      '[ERROR] remote calibrator not available in this build. Check R_IRT_BASE_URL (unset it to calibrate in-process).',
    ]);
    assert.ok(!JSON.stringify(io).includes('tok-secret'));
  });
});
