/**
 * `mirt-calibrate score` in shards, as real child processes on the real PostgreSQL: 4 shards in
 * 4 concurrent processes write exactly the rows one process writes (theta and SE to 1e-12),
 * every learner once and in the shard its hash says; the version becomes complete (and current)
 * with its last shard only; a shard killed with SIGKILL in the middle of its write leaves
 * nothing, and running it again gives the same final table.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Db } from '../../src/data/db.js';
import { shardExpr } from '../../src/data/shards.js';
import { runJob } from '../../src/job/run-job.js';
import { type Backend, setupPg } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';

const CLI = join(import.meta.dirname, '../../src/job/cli.ts');

function start(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Result> } {
  const clean = { ...process.env };
  for (const k of Object.keys(clean))
    if (/^(MIRT_|IRT_|R_IRT_|DATABASE_URL$|DRY_RUN$|JOB_COMPLETION_INDEX$)/.test(k)) delete clean[k];
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...clean, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}
type Result = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

type Row = { user_id: string; theta: number; se: number | null };
const abilities = (db: Db, version: string) =>
  db.query<Row>('SELECT user_id, theta, se FROM mirt_ability WHERE version = $1 ORDER BY user_id', [version]);

function assertSameRows(got: Row[], want: Row[]) {
  assert.equal(got.length, want.length, 'same number of learners');
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i].user_id, want[i].user_id);
    assert.ok(Math.abs(got[i].theta - want[i].theta) <= 1e-12, `theta of ${want[i].user_id}`);
    assert.ok(
      Math.abs((got[i].se ?? Number.NaN) - (want[i].se ?? Number.NaN)) <= 1e-12,
      `se of ${want[i].user_id}`,
    );
  }
}

/** The shard of each learner, by the SQL the shards filter with. */
async function shardOfUsers(db: Db, rows: Row[], count: number): Promise<number[]> {
  const r = await db.query<{ shard: number }>(
    `SELECT ${shardExpr('u', String(count))}::int AS shard FROM unnest($1::text[]) WITH ORDINALITY AS x(u, o) ORDER BY o`,
    [rows.map((x) => x.user_id)],
  );
  return r.map((x) => x.shard);
}

describe('score shards on PostgreSQL (child processes)', () => {
  let fx: Backend | null = null;
  let skip = '';
  let version = '';
  let previous = '';
  let reference: Row[] = [];
  const N_USERS = 3000;

  before(async () => {
    const s = await setupPg();
    if (!s.ok) {
      skip = s.why;
      return;
    }
    fx = s.backend;
    await createAttemptView(fx.db, 'integer');
    await insertAttempts(fx.db, 'integer', simulate(N_USERS, 40, 15, 5));
    // A complete earlier version, scored in-process: the current abilities until the new one is whole.
    const first = await runJob(jobConfig({ databaseUrl: fx.url }), {
      io: captureIo(),
      openDb: () => fx!.openForJob(),
    });
    assert.equal(first.status, 'ok');
    previous = first.version;
    await sleep(5); // versions are millisecond labels
    const io = captureIo();
    const o = await runJob(
      jobConfig({ databaseUrl: fx.url, sampling: { sample: null, scoreMode: 'shards' } }),
      {
        io,
        openDb: () => fx!.openForJob(),
      },
    );
    assert.equal(o.status, 'ok', io.errors.join('\n'));
    version = o.version;
    assert.ok(io.lines.some((l) => l.startsWith('[INFO] Scores left to the shards')));
    assert.equal((await abilities(fx.db, version)).length, 0, 'the run itself writes no abilities');
  });
  after(async () => fx?.teardown());

  const current = async () =>
    (await fx!.db.query<{ version: string }>('SELECT DISTINCT version FROM mirt_ability_current')).map(
      (r) => r.version,
    );

  it('one process scoring everyone: every learner once, the version complete', async (t) => {
    if (!fx) return t.skip(skip);
    assert.deepEqual(await current(), [previous], 'awaiting scores: the earlier version stays current');
    const r = await start(['score', '--version', version], { DATABASE_URL: fx.url! }).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\[INFO\\] Version ${version} is complete`));
    reference = await abilities(fx.db, version);
    assert.equal(reference.length, N_USERS);
    assert.deepEqual(await current(), [version]);
    const [{ n }] = await fx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mirt_ability_current WHERE se IS NULL OR NOT (theta BETWEEN -6 AND 6)',
    );
    assert.equal(n, 0);
  });

  it('4 shards in 4 concurrent processes write exactly the rows of one process', async (t) => {
    if (!fx) return t.skip(skip);
    assert.ok(reference.length > 0, 'the single-process reference ran');
    await fx.db.query('DELETE FROM mirt_ability WHERE version = $1', [version]);
    await fx.db.query('DELETE FROM mirt_score_shards WHERE version = $1', [version]);
    // Kubernetes' way: the shard comes from JOB_COMPLETION_INDEX, the count from MIRT_SCORE_SHARDS.
    const runs = [0, 1, 2, 3].map((i) =>
      start(['score', '--version', version], {
        DATABASE_URL: fx!.url!,
        JOB_COMPLETION_INDEX: String(i),
        MIRT_SCORE_SHARDS: '4',
      }),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assertSameRows(await abilities(fx.db, version), reference);
    const [{ rows, users }] = await fx.db.query<{ rows: number; users: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS users FROM mirt_ability WHERE version = $1',
      [version],
    );
    assert.equal(rows, N_USERS);
    assert.equal(users, N_USERS);
    // Each shard wrote as many learners as the hash puts in it, and the shards' counts add up.
    const shards = await fx.db.query<{ shard_index: number; users: number }>(
      'SELECT shard_index, users FROM mirt_score_shards WHERE version = $1 AND shard_count = 4 ORDER BY shard_index',
      [version],
    );
    const expected = [0, 0, 0, 0];
    for (const r of await shardOfUsers(fx.db, reference, 4)) expected[r]++;
    assert.deepEqual(
      shards.map((s) => s.users),
      expected,
    );
    assert.ok(
      expected.every((n) => n > N_USERS / 8),
      'the hash spreads learners over the shards',
    );
    assert.equal(
      results.filter((r) => r.stdout.includes(`Version ${version} is complete`)).length >= 1,
      true,
    );
    assert.deepEqual(await current(), [version]);
  });

  it('a shard killed mid-write leaves nothing; run again, the final table is the same', async (t) => {
    if (!fx) return t.skip(skip);
    await fx.db.query('DELETE FROM mirt_ability WHERE version = $1', [version]);
    await fx.db.query('DELETE FROM mirt_score_shards WHERE version = $1', [version]);
    for (const i of [0, 2, 3]) {
      const r: Result = await start(['score', '--version', version, '--shard', `${i}/4`], {
        DATABASE_URL: fx.url!,
      }).done;
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(
      await current(),
      [previous],
      '3 of 4 shards: not complete, the earlier version stays current',
    );

    // Hold the shard table so that shard 1 blocks after it has upserted its abilities, inside its
    // transaction; then kill the process there.
    const holder = new pg.Client({ connectionString: fx.url! });
    holder.on('error', () => {});
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE mirt_score_shards IN EXCLUSIVE MODE');
    const victim = start(['score', '--version', version, '--shard', '1/4'], { DATABASE_URL: fx.url! });
    let pid: number | null = null;
    for (let i = 0; i < 600 && pid === null; i++) {
      // Asked on another connection: inside the holder's transaction pg_stat_activity is a snapshot.
      const rows = await fx.db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE application_name = 'mirt-calibrate' AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO mirt_score_shards%'`,
      );
      pid = rows[0]?.pid ?? null;
      if (pid === null) await sleep(50);
    }
    assert.ok(pid !== null, 'shard 1 reached its write');
    // Mid-write: its transaction has written into mirt_ability (it holds the row-write lock there).
    const writing = await fx.db.query(
      `SELECT 1 FROM pg_locks WHERE pid = $1 AND relation = 'mirt_ability'::regclass AND mode = 'RowExclusiveLock' AND granted`,
      [pid],
    );
    assert.equal(writing.length, 1, 'shard 1 had upserted its abilities, uncommitted');
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    assert.equal(killed.signal, 'SIGKILL');
    await holder.query('ROLLBACK');
    // The server notices the dead client and rolls its transaction back.
    for (let i = 0; i < 200; i++) {
      const r = await fx.db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (r.length === 0) break;
      await sleep(50);
    }
    await holder.end();
    const of = await shardOfUsers(fx.db, reference, 4);
    const shard1 = reference.filter((_, i) => of[i] === 1).map((r) => r.user_id);
    const [{ n }] = await fx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mirt_ability WHERE version = $1 AND user_id = ANY($2::text[])',
      [version, shard1],
    );
    assert.equal(n, 0, 'nothing of the killed shard was committed');
    assert.equal(
      (await fx.db.query('SELECT 1 FROM mirt_score_shards WHERE version = $1 AND shard_index = 1', [version]))
        .length,
      0,
    );
    assert.deepEqual(await current(), [previous]);

    const again = await start(['score', '--version', version, '--shard', '1/4'], { DATABASE_URL: fx.url! })
      .done;
    assert.equal(again.code, 0, again.stderr);
    assertSameRows(await abilities(fx.db, version), reference);
    assert.deepEqual(await current(), [version]);
    // And once more: idempotent, nothing twice.
    const twice = await start(['score', '--version', version, '--shard', '1/4'], { DATABASE_URL: fx.url! })
      .done;
    assert.equal(twice.code, 0, twice.stderr);
    assertSameRows(await abilities(fx.db, version), reference);
  });

  it('the Indexed Job: shard 0 calibrates on a sample (--run --calibrate), the others wait for its version', async (t) => {
    if (!fx) return t.skip(skip);
    const label = 'mirt-calibrate-sharded-29000000';
    const env = (i: number) => ({
      DATABASE_URL: fx!.url!,
      JOB_COMPLETION_INDEX: String(i),
      MIRT_SCORE_SHARDS: '3',
    });
    const args = [
      'score',
      '--run',
      label,
      '--calibrate',
      '--',
      '--calibration-sample',
      '30%',
      '--sample-rare-item-answers',
      '10',
    ];
    // The waiting shards start first: they must wait, not fail.
    const waiting = [1, 2].map((i) => start(args, env(i)));
    await sleep(300);
    const zero = await start(args, env(0)).done;
    assert.equal(zero.code, 0, zero.stderr);
    assert.match(zero.stdout, /\[INFO\] Calibration sample: \d+ of 3000 learners/);
    assert.match(zero.stdout, /Calibration upsert completed\./);
    for (const w of await Promise.all(waiting.map((w) => w.done))) {
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stdout, new RegExp(`Waiting up to 3600 s for the version of run ${label}`));
    }
    const metas = await fx.db.query<{ version: string; sample: { size: string } }>(
      "SELECT model_spec->>'version' AS version, model_spec->'calibration_sample' AS sample FROM mirt_fit_meta WHERE model_spec->>'run_label' = $1",
      [label],
    );
    assert.equal(metas.length, 1);
    assert.equal(metas[0].sample.size, '30%');
    assert.deepEqual(await current(), [metas[0].version]);
    const [{ n }] = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_ability_current');
    assert.equal(n, N_USERS);
    // A retried shard-0 pod finds the version and does not calibrate again.
    const retry = await start(args, env(0)).done;
    assert.equal(retry.code, 0, retry.stderr);
    assert.doesNotMatch(retry.stdout, /Calibration upsert completed/);
    const again = await fx.db.query("SELECT 1 FROM mirt_fit_meta WHERE model_spec->>'run_label' = $1", [
      label,
    ]);
    assert.equal(again.length, 1);
    // No calibration, no version: a waiting shard gives up with one line.
    const lost = await start(['score', '--run', 'never-ran', '--wait-secs', '1'], env(1)).done;
    assert.equal(lost.code, 1);
    assert.match(lost.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z \[ERROR\] no version of run never-ran after 1 s: /m);
  });

  it('bad usage exits 2 with one line; an unknown version exits 1 and writes nothing', async (t) => {
    if (!fx) return t.skip(skip);
    for (const [args, env, re] of [
      [['score'], {}, /give either --version V or --run NAME/],
      [['score', '--version', version, '--shard', '4/4'], {}, /--shard: expected I\/N/],
      [['score', '--version', version], { MIRT_SCORE_SHARDS: '4' }, /JOB_COMPLETION_INDEX is not/],
      [
        ['score', '--version', version, '--method', 'XYZ'],
        {},
        /--method: expected EAP, MAP, ML or WLE, got "XYZ"/,
      ],
    ] as const) {
      const r: Result = await start([...args], { DATABASE_URL: fx.url!, ...env }).done;
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const r = await start(['score', '--version', 'v20200101T000000000Z'], { DATABASE_URL: fx.url! }).done;
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^\d{4}-\d\d-\d\dT[\d:.]+Z \[ERROR\] version v20200101T000000000Z has no row in mirt_fit_meta\. Nothing was written\.$/m,
    );
  });
});
