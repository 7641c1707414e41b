/**
 * The 4PL's prior on u through every surface (issue 10): `u_prior` in a /calibrate request to a
 * real listening service, MIRT_U_PRIOR in the nightly job on PostgreSQL, in-process and through
 * that service (the remote client sends it). Each run echoes the prior in
 * fit_meta.model_spec.u_prior, stores u < 1, and reaches mirt's penalised objective on LSAT7
 * (test/fixtures/reference/results/LSAT7.4PLprior.json: mirt 4PL with PRIOR = (1-5, g, norm,
 * -1.1, 2), (1-5, u, norm, 1.1, 2); ours at least as high, within 0.01, as test/job/fit-4pl.test.ts).
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) or MIRT_TEST_PG_URL for the job part.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { logPriorG } from '../../src/engine/models/priors.js';
import { loadConfig } from '../../src/job/config.js';
import { runJob } from '../../src/job/run-job.js';
import { PG_ADMIN_URL as ADMIN } from '../helpers/backends.js';
import { referenceDir } from '../helpers/reference.js';
import {
  lsat7,
  pgDatabaseUrl,
  postJson,
  type RunningService,
  seedLsat7Responses,
  startService,
  TOKEN,
  withPg,
} from './helpers.js';

const C_PRIOR = { kind: 'normal', mean: -1.1, sd: 2 } as const;
const U_PRIOR = { kind: 'normal', mean: 1.1, sd: 2 } as const;
const lg = (p: number) => Math.log(p / (1 - p));

/** mirt's penalised objective on LSAT7 (logLik + the log prior densities of its estimates). */
function mirtObjective(): number {
  const ref = JSON.parse(readFileSync(path.join(referenceDir, 'results', 'LSAT7.4PLprior.json'), 'utf8'));
  const prior = ref.items.reduce(
    (s: number, it: { g: number; u: number }) =>
      s + logPriorG(C_PRIOR, lg(it.g)).f + logPriorG(U_PRIOR, lg(it.u)).f,
    0,
  );
  return ref.logLik + prior;
}

const suffix = randomBytes(4).toString('hex');
const DBS = [`mirt_uprior_local_${suffix}`, `mirt_uprior_remote_${suffix}`];
const urlOf = pgDatabaseUrl;
const admin = withPg;

let svc: RunningService;
let available = true;

before(async () => {
  svc = await startService();
  try {
    await admin(async (c) => {
      for (const db of DBS) await c.query(`CREATE DATABASE ${db}`);
    });
  } catch (e) {
    available = false;
    console.log(`# PostgreSQL not reachable at ${ADMIN} (${(e as Error).message}): job tests skipped`);
    return;
  }
  for (const db of DBS) await seedLsat7Responses(urlOf(db));
});

after(async () => {
  await svc?.close();
  if (!available) return;
  await admin(async (c) => {
    for (const db of DBS) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });
});

describe('u_prior on POST /calibrate', () => {
  test('a 4PL with c_prior and u_prior: echoed, u < 1, at least mirt’s penalised objective', async () => {
    const res = await postJson(`${svc.url}/calibrate`, {
      observations: lsat7(),
      model: '4PL',
      c_prior: 'normal:-1.1:2',
      u_prior: 'normal:1.1:2',
    });
    assert.equal(res.status, 200, res.text);
    const { model_spec: spec, metrics } = res.json.fit_meta;
    assert.equal(spec.u_prior, 'normal:1.1:2');
    assert.equal(spec.c_prior, 'normal:-1.1:2');
    for (const it of res.json.item_params) assert.ok(it.params.u < 1 && it.params.u > it.params.c);
    assert.ok(metrics.logLik + metrics.logPrior >= mirtObjective() - 0.01);
  });

  test('a bad u_prior is a 400 naming u_prior, with the engine’s reason', async () => {
    const res = await postJson(`${svc.url}/calibrate`, {
      observations: lsat7(50),
      model: '4PL',
      u_prior: 'normal:1:-2',
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.field, 'u_prior');
    assert.match(res.json.message, /bad u prior "normal:1:-2"/);
  });
});

describe('MIRT_U_PRIOR in the nightly job', () => {
  async function run(env: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const outcome = await runJob(loadConfig([], env), {
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    });
    assert.equal(outcome.exitCode, 0, err.join('\n'));
    return out;
  }
  const stored = (db: string) =>
    admin(async (c) => {
      const spec = (await c.query('SELECT model_spec, metrics FROM mirt_fit_meta')).rows;
      const items = (await c.query('SELECT item_id, params FROM mirt_item_params ORDER BY item_id')).rows;
      return { fit: spec, items };
    }, urlOf(db));

  test('in-process and through the service: the prior is used, echoed and stored alike', async (t) => {
    if (!available) return t.skip('no PostgreSQL');
    const env = { MIRT_MODEL: '4PL', MIRT_U_PRIOR: 'normal:1.1:2' };
    await run({ ...env, DATABASE_URL: urlOf(DBS[0]) });
    const remote = await run({
      ...env,
      DATABASE_URL: urlOf(DBS[1]),
      R_IRT_BASE_URL: svc.url,
      R_IRT_INTERNAL_TOKEN: TOKEN,
    });
    assert.match(remote.join('\n'), /calibrator=remote/);
    const a = await stored(DBS[0]);
    const b = await stored(DBS[1]);
    for (const s of [a, b]) {
      assert.equal(s.fit.length, 1);
      // The unattended default prior on c (DESIGN.md) with the configured one on u.
      assert.equal(s.fit[0].model_spec.u_prior, 'normal:1.1:2');
      assert.equal(s.fit[0].model_spec.c_prior, 'normal:-1.1:2');
      const m = s.fit[0].metrics;
      assert.ok(m.logLik + m.logPrior >= mirtObjective() - 0.01, `${m.logLik} + ${m.logPrior}`);
      assert.equal(s.items.length, 5);
      for (const it of s.items) assert.ok(it.params.u < 1, JSON.stringify(it.params));
    }
    a.items.forEach((row, j) => {
      for (const k of ['a', 'b', 'c', 'u'])
        assert.ok(Math.abs(b.items[j].params[k] - row.params[k]) <= 1e-9, `${row.item_id}.${k}`);
    });
  });

  test('a bad MIRT_U_PRIOR stops the job at start, naming the variable', () => {
    assert.throws(
      () => loadConfig([], { MIRT_MODEL: '4PL', MIRT_U_PRIOR: 'beta:0:1' }),
      /^ConfigError: MIRT_U_PRIOR: bad u prior "beta:0:1"/,
    );
    assert.throws(() => loadConfig(['--u-prior', 'normal'], {}), /--u-prior: bad u prior "normal"/);
  });
});
