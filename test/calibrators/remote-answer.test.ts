/**
 * A remote answer is checked against the request before anything is written: real loopback
 * servers answer with part of the items and users, nothing, another model, or absurd finite
 * numbers; each try fails (and is retried), and the job writes nothing. Answers that list what
 * they excluded, as our service does, pass.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import { RemoteCalibrationError } from '../../src/calibrators/remote.js';
import type { CalibrationJob } from '../../src/calibrators/types.js';
import type { CalibrateResponse, Observation } from '../../src/contract/types.js';
import { type ResponseData, responsesFromObservations } from '../../src/engine/responses.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import { runJob } from '../../src/job/run-job.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';
import { client, close, ok, scripted } from './loopback.js';

const job: CalibrationJob = { model: '2PL', version: 'v-test', runId: 'run-test' };
// 2,000 users x 50 items, as in the report.
const { data } = simulateResponses({ model: '2PL', nUsers: 2000, nItems: 50, perUser: 20, seed: 3 });
let answer2PL: CalibrateResponse;
let answer3PL: CalibrateResponse;

before(async () => {
  answer2PL = await new LocalCalibrator().calibrate(data, job);
  answer3PL = await new LocalCalibrator().calibrate(data, { ...job, model: '3PL' });
});

/** Serves `body` to every try; returns the error, the [WARN] lines and the tries seen. */
async function refused(body: unknown, tries = 2) {
  const s = await scripted((_n, _req, res) => ok(res, body));
  try {
    const { c, lines } = client(s.url, { maxRetries: tries });
    let error: Error | null = null;
    await c.calibrate(data, job).catch((e: Error) => {
      error = e;
    });
    assert.ok(error, 'the answer was accepted');
    assert.ok((error as Error) instanceof RemoteCalibrationError);
    return { message: (error as Error).message, lines, tries: s.seen.length };
  } finally {
    await close(s.server);
  }
}

const clone = () => structuredClone(answer2PL);

describe('answers that do not answer the request fail the try, and are retried', () => {
  test('2 of 50 items and 3 of 2,000 users', async () => {
    const r = clone();
    r.item_params = r.item_params.slice(0, 2);
    r.abilities = r.abilities.slice(0, 3);
    const { message, lines, tries } = await refused(r);
    const kept = new Set(r.item_params.map((it) => it.item_id));
    const firstMissing = data.itemIds.filter((id) => !kept.has(id)).slice(0, 5);
    assert.equal(
      message,
      `the answer does not match the request: 48 of the 50 items sent have no parameters and are not listed as excluded: ${firstMissing.map((id) => `"${id}"`).join(', ')}, ... (48 in all)`,
    );
    assert.equal(tries, 2, 'retried like a bad response');
    assert.match(lines[0], /\(try 1\/2\): the answer does not match the request: .*; retrying in 0.01 s$/);
  });

  test('every item but only 3 of 2,000 users (counts, never user ids)', async () => {
    const r = clone();
    r.abilities = r.abilities.slice(0, 3);
    const { message } = await refused(r);
    assert.match(
      message,
      /1997 of the 2000 users with answers to estimated items have no ability \(3 came back\)/,
    );
    assert.ok(!message.includes(data.userIds[10]));
  });

  test('0 items and 0 users', async () => {
    const r = clone();
    r.item_params = [];
    r.abilities = [];
    const { message } = await refused(r);
    assert.match(message, /50 of the 50 items sent have no parameters/);
  });

  test('every item listed as excluded: no parameters at all', async () => {
    const r = clone();
    r.item_params = [];
    r.abilities = [];
    r.fit_meta.metrics.hygiene = {
      excluded_items: data.itemIds.map((id) => ({ id, reason: 'slope_diverged', n: 3 })),
    };
    const { message } = await refused(r);
    assert.match(message, /no item parameters \(all 50 items sent listed as excluded\)/);
  });

  test('a 3PL answer when the 2PL was asked for', async () => {
    const { message } = await refused(answer3PL);
    assert.match(message, /fit_meta\.model_spec\.model is "3PL", 2PL was asked for/);
  });

  test('a 2PL label on items that carry a lower asymptote', async () => {
    const r = clone();
    r.item_params[4].params.c = 0.2;
    const { message } = await refused(r);
    assert.match(
      message,
      new RegExp(
        `item_params\\[4\\] \\(item "${r.item_params[4].item_id}"\\): params\\.c = 0\\.2, but the 2PL has no lower asymptote$`,
      ),
    );
  });

  test('one item labelled with another model', async () => {
    const r = clone();
    r.item_params[7].model = 'Rasch';
    const { message } = await refused(r);
    assert.ok(
      message.endsWith(
        `item_params[7] (item "${r.item_params[7].item_id}"): model "Rasch", 2PL was asked for`,
      ),
    );
  });

  const absurd: [string, (r: CalibrateResponse) => void, RegExp][] = [
    [
      'theta 1e308',
      (r) => {
        r.abilities[5].theta = 1e308;
      },
      /abilities\[5\]: theta = 1e\+308, outside \|theta\| <= 50/,
    ],
    [
      'a 1e308',
      (r) => {
        r.item_params[0].params.a = 1e308;
      },
      /params\.a = 1e\+308, outside 0 < \|a\| <= 100/,
    ],
    [
      'b 1e300',
      (r) => {
        r.item_params[1].params.b = 1e300;
      },
      /params\.b = 1e\+300, outside \|b\| <= 1000000/,
    ],
    [
      'an intercept past 100 (a 50, b 3)',
      (r) => {
        r.item_params[2].params = { a: 50, b: 3 };
      },
      /intercept a\*b = 150, outside \|a b\| <= 100/,
    ],
    [
      'a slope of 0',
      (r) => {
        r.item_params[3].params.a = 0;
      },
      /params\.a = 0, outside/,
    ],
    [
      'a negative SE',
      (r) => {
        r.abilities[0].se = -1;
      },
      /abilities\[0\]: se = -1, outside \[0, 50\]/,
    ],
    [
      'a positive log-likelihood',
      (r) => {
        r.fit_meta.metrics.logLik = 12;
      },
      /logLik = 12: a log-likelihood of 0\/1 answers is never positive/,
    ],
  ];
  for (const [name, mutate, expected] of absurd) {
    test(`finite but absurd: ${name}`, async () => {
      const r = clone();
      mutate(r);
      const { message } = await refused(r);
      assert.match(message, expected);
    });
  }

  test('an exclusion the answers sent refute (all_correct on an item with wrong answers)', async () => {
    const r = clone();
    const [gone] = r.item_params.splice(9, 1);
    r.fit_meta.metrics.hygiene = { excluded_items: [{ id: gone.item_id, reason: 'all_correct', n: 40 }] };
    const { message } = await refused(r);
    assert.match(
      message,
      new RegExp(
        `item "${gone.item_id}" is excluded as all_correct, but \\d+ of its \\d+ answers sent are right`,
      ),
    );
  });
});

describe('answers that list what they left out pass', () => {
  test('an item excluded as slope_diverged, and users left with no answers unscored', async () => {
    // Two users who answered only the item the service leaves out.
    const obs: Observation[] = [];
    for (let u = 0; u < data.nUsers; u++)
      for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++)
        obs.push({
          user_id: data.userIds[u],
          item_id: data.itemIds[data.userItem[k]],
          is_correct: data.userResp[k] as 0 | 1,
        });
    obs.push(
      { user_id: 'lone1', item_id: 'rare', is_correct: 1 },
      { user_id: 'lone2', item_id: 'rare', is_correct: 0 },
    );
    const sent: ResponseData = responsesFromObservations(obs);
    const r = await new LocalCalibrator().calibrate(sent, job);
    assert.equal(r.item_params.length, 51);
    r.item_params = r.item_params.filter((it) => it.item_id !== 'rare');
    r.abilities = r.abilities.filter((a) => a.user_id !== 'lone1' && a.user_id !== 'lone2');
    r.fit_meta.metrics.hygiene = { excluded_items: [{ id: 'rare', reason: 'slope_diverged', n: 2 }] };
    const s = await scripted((_n, _req, res) => ok(res, r));
    try {
      const { c, lines } = client(s.url);
      const out = await c.calibrate(sent, job);
      assert.equal(out.item_params.length, 50);
      assert.deepEqual(lines, []);
    } finally {
      await close(s.server);
    }
  });
});

for (const { name, setup } of BACKENDS) {
  describe(`the job on a partial answer (${name}): exit 1, nothing written`, () => {
    const ctx = useBackend(setup);

    test('the previous results stay exactly as they were', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const fx = ctx.fx;
      await createAttemptView(fx.db, 'integer');
      await insertAttempts(fx.db, 'integer', simulate(60, 15, 8, 11));
      const first = await runJob(jobConfig(), { io: captureIo(), openDb: () => fx.openForJob() });
      assert.equal(first.exitCode, 0);
      const snapshot = async () => {
        const out: Record<string, unknown> = {};
        for (const table of ['mirt_item_params', 'mirt_item_params_history', 'mirt_ability', 'mirt_fit_meta'])
          out[table] = await fx.db.query(`SELECT to_jsonb(x)::text AS row FROM ${table} x ORDER BY 1`);
        return out;
      };
      const before = await snapshot();
      // A service that calibrates what it is sent, then answers for 2 items and 3 users only.
      const s = await scripted(async (_n, _req, res, body) => {
        const request = JSON.parse(body) as {
          observations: Observation[];
          model: string;
          version: string;
          run_id: string;
        };
        const full = await new LocalCalibrator().calibrate(responsesFromObservations(request.observations), {
          model: request.model,
          version: request.version,
          runId: request.run_id,
        });
        ok(res, {
          ...full,
          item_params: full.item_params.slice(0, 2),
          abilities: full.abilities.slice(0, 3),
        });
      });
      try {
        const io = captureIo();
        const o = await runJob(
          jobConfig({
            remote: {
              baseUrl: s.url,
              path: '/calibrate',
              token: 'job-token-5e4d3c2b1a',
              timeoutSecs: 30,
              maxRetries: 2,
              retryDelaySecs: 0.01,
            },
          }),
          { io, openDb: () => fx.openForJob() },
        );
        assert.equal(o.exitCode, 1);
        assert.equal(io.errors.length, 1);
        assert.match(
          io.errors[0],
          /^\[ERROR\] R IRT service call failed: the answer does not match the request: \d+ of the 15 items sent have no parameters/,
        );
        assert.equal(s.seen.length, 2);
        assert.ok(!io.lines.includes('Calibration upsert completed.'));
      } finally {
        await close(s.server);
      }
      assert.deepEqual(await snapshot(), before);
    });
  });
}
