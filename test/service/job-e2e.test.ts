/**
 * The nightly job end to end on PostgreSQL, once in-process and once through our HTTP service
 * (R_IRT_BASE_URL): the same parameters within 1e-9, the summary names the calibrator, and a
 * service that cannot be reached fails the run with the legacy [ERROR] line, writing nothing.
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) or MIRT_TEST_PG_URL; skipped, saying so, otherwise.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/job/config.js';
import { runJob } from '../../src/job/run-job.js';
import { PG_ADMIN_URL as ADMIN } from '../helpers/backends.js';
import {
  pgDatabaseUrl,
  type RunningService,
  seedLsat7Responses,
  startService,
  TOKEN,
  withPg,
} from './helpers.js';

const suffix = randomBytes(4).toString('hex');
const DBS = [`mirt_e2e_local_${suffix}`, `mirt_e2e_remote_${suffix}`, `mirt_e2e_down_${suffix}`];
const urlOf = pgDatabaseUrl;
const admin = withPg;

let available = true;
let svc: RunningService;

before(async () => {
  try {
    await admin(async (c) => {
      for (const db of DBS) await c.query(`CREATE DATABASE ${db}`);
    });
  } catch (e) {
    available = false;
    console.log(
      `# PostgreSQL not reachable at ${ADMIN} (${(e as Error).message}): end-to-end job tests skipped`,
    );
    return;
  }
  for (const db of DBS) await seedLsat7Responses(urlOf(db));
  svc = await startService();
});

after(async () => {
  await svc?.close();
  if (!available) return;
  await admin(async (c) => {
    for (const db of DBS) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });
});

async function run(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const outcome = await runJob(loadConfig([], env), {
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
  });
  return { outcome, out, err };
}

async function itemParams(db: string) {
  return admin(
    async (c) => (await c.query('SELECT item_id, params FROM mirt_item_params ORDER BY item_id')).rows,
    urlOf(db),
  );
}

describe('the job through our service', () => {
  test('same parameters as the in-process run within 1e-9; the summary names the calibrator', async (t) => {
    if (!available) return t.skip('no PostgreSQL');
    const local = await run({ DATABASE_URL: urlOf(DBS[0]) });
    assert.equal(local.outcome.exitCode, 0, local.err.join('\n'));
    const remote = await run({
      DATABASE_URL: urlOf(DBS[1]),
      R_IRT_BASE_URL: svc.url,
      R_IRT_INTERNAL_TOKEN: TOKEN,
    });
    assert.equal(remote.outcome.exitCode, 0, remote.err.join('\n'));
    assert.match(local.out.join('\n'), /Summary: .*calibrator=local/);
    assert.match(remote.out.join('\n'), /Summary: .*calibrator=remote/);
    assert.ok(remote.out.includes('Calibration upsert completed.'));
    assert.ok(!remote.out.join('\n').includes(TOKEN), 'token in the job output');

    const a = await itemParams(DBS[0]);
    const b = await itemParams(DBS[1]);
    assert.equal(a.length, 5);
    assert.equal(b.length, 5);
    a.forEach((row, j) => {
      assert.equal(b[j].item_id, row.item_id);
      for (const k of ['a', 'b']) {
        assert.ok(
          Math.abs(b[j].params[k] - row.params[k]) <= 1e-9,
          `${row.item_id}.${k}: ${b[j].params[k]} vs ${row.params[k]}`,
        );
      }
    });
    const thetas = async (db: string) =>
      admin(
        async (c) => (await c.query('SELECT user_id, theta, se FROM mirt_ability ORDER BY user_id')).rows,
        urlOf(db),
      );
    const ta = await thetas(DBS[0]);
    const tb = await thetas(DBS[1]);
    assert.equal(ta.length, 1000);
    ta.forEach((row, u) => {
      assert.equal(tb[u].user_id, row.user_id);
      assert.ok(Math.abs(tb[u].theta - row.theta) <= 1e-9);
    });
  });

  test('an unreachable service: [WARN] per try, the legacy [ERROR] line, exit 1, nothing written', async (t) => {
    if (!available) return t.skip('no PostgreSQL');
    const down = await run({
      DATABASE_URL: urlOf(DBS[2]),
      R_IRT_BASE_URL: 'http://127.0.0.1:9', // discard port: nothing listens
      R_IRT_INTERNAL_TOKEN: TOKEN,
      MIRT_MAX_RETRIES: '2',
      MIRT_RETRY_DELAY_SECS: '0.01',
    });
    assert.equal(down.outcome.exitCode, 1);
    const warns = down.out.filter((l) => l.startsWith('[WARN] R IRT service call failed'));
    assert.equal(warns.length, 2);
    assert.match(warns[0], /\(try 1\/2\): ECONNREFUSED.*; retrying in 0.01 s$/);
    assert.equal(down.err.length, 1);
    assert.match(down.err[0], /^\[ERROR\] R IRT service call failed: ECONNREFUSED/);
    assert.ok(!down.err[0].includes(TOKEN));
    const rows = await admin(
      async (c) => (await c.query('SELECT count(*)::int AS n FROM mirt_item_params')).rows[0].n,
      urlOf(DBS[2]),
    );
    assert.equal(rows, 0);
  });
});
