/** Job configuration and captured output for tests. */
import type { JobConfig } from '../../src/job/config.js';
import type { JobIo } from '../../src/job/run-job.js';

export function jobConfig(over: Partial<JobConfig> = {}): JobConfig {
  return {
    lookbackDays: 30,
    model: '2PL',
    topicId: null,
    subjectId: null,
    maxObs: null,
    minItemResponses: 1,
    dryRun: false,
    databaseUrl: null,
    dataDir: './.mirt-data-test-unused',
    dbTimeouts: { connectTimeoutSecs: 30, statementTimeoutSecs: 600 },
    updateQuestionMeta: false,
    retainVersions: null,
    reportPath: null,
    remote: {
      baseUrl: null,
      path: '/calibrate',
      token: null,
      timeoutSecs: 300,
      maxRetries: 3,
      retryDelaySecs: 5,
    },
    help: false,
    ...over,
  };
}

export function captureIo(): JobIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}
