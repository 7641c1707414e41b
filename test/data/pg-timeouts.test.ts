/**
 * Issue 9 item 11: a PostgreSQL that accepts TCP and never answers must not hang the job. Real
 * loopback TCP servers: one that accepts and never writes a byte (connect phase), and a proxy to
 * the real PostgreSQL that stops forwarding the client's bytes once it sees a given statement
 * (the server then never answers it, as behind a dead network path). Each run ends with one
 * [ERROR] line naming the phase and the setting. PostgreSQL only: the embedded database runs
 * in-process and has no connection to lose.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/data/db.js';
import { openPgDb } from '../../src/data/pg-db.js';
import { type JobOutcome, runJob } from '../../src/job/run-job.js';
import { setupPg, useBackend } from '../helpers/backends.js';
import { ProportionCalibrator } from '../helpers/calibrators.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';
import { type TestServer, testServer } from '../helpers/tcp.js';

/** Far longer than any limit set below: reaching it means the job hung (as it did before). */
const HANG_DEADLINE_MS = 30_000;

async function withDeadline(p: Promise<JobOutcome>): Promise<JobOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the job still hangs after ${HANG_DEADLINE_MS} ms`)),
      HANG_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([p, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Accepts connections and never writes a byte. */
function silentServer(): Promise<TestServer> {
  return testServer((client, track) => track(client));
}

/** Forwards to PostgreSQL until a client message contains `freezeOn`, then drops what the client sends. */
async function freezingProxy(target: URL): Promise<TestServer & { freezeOn: string | null; froze: boolean }> {
  const state = { freezeOn: null as string | null, froze: false };
  const server = await testServer((client, track) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    let frozen = false;
    for (const s of [client, upstream]) {
      track(s);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (!frozen && state.freezeOn !== null && chunk.includes(state.freezeOn)) {
        frozen = true;
        state.froze = true;
      }
      if (!frozen) upstream.write(chunk);
    });
  });
  return Object.assign(state, server);
}

const fast = { connectTimeoutSecs: 1, statementTimeoutSecs: 1 };

describe('a server that accepts TCP and never answers', () => {
  let server: TestServer;
  before(async () => {
    server = await silentServer();
  });
  after(() => server.close());

  it('fails the connect phase after MIRT_DB_CONNECT_TIMEOUT_SECS with one [ERROR] line', async () => {
    const io = captureIo();
    const o = await withDeadline(
      runJob(
        jobConfig({ databaseUrl: `postgresql://postgres@127.0.0.1:${server.port}/db`, dbTimeouts: fast }),
        {
          io,
          calibrator: new ProportionCalibrator(),
        },
      ),
    );
    assert.equal(o.exitCode, 1);
    assert.deepEqual(io.errors.length, 1);
    assert.match(
      io.errors[0],
      new RegExp(
        `^\\[ERROR\\] cannot open the database: connecting to 127\\.0\\.0\\.1:${server.port}: no answer within 1 s \\(MIRT_DB_CONNECT_TIMEOUT_SECS\\)\\. Check DATABASE_URL`,
      ),
    );
  });
});

describe('PostgreSQL that stops answering in the middle of a run', () => {
  const ctx = useBackend(setupPg);
  let proxy: Awaited<ReturnType<typeof freezingProxy>> | null = null;
  after(() => proxy?.close());

  async function setupRun(): Promise<string> {
    const fx = ctx.fx!;
    proxy ??= await freezingProxy(new URL(fx.url!));
    proxy.freezeOn = null;
    proxy.froze = false;
    await createAttemptView(fx.db, 'integer');
    await insertAttempts(fx.db, 'integer', simulate(40, 10, 6, 5));
    const u = new URL(fx.url!);
    u.host = `127.0.0.1:${proxy.port}`;
    return u.toString();
  }

  const runVia = (url: string) => {
    const io = captureIo();
    return withDeadline(
      runJob(jobConfig({ databaseUrl: url, dbTimeouts: fast }), {
        io,
        calibrator: new ProportionCalibrator(),
      }),
    ).then((o) => ({ o, io }));
  };

  async function results(db: Db): Promise<unknown> {
    const [{ r }] = await db.query<{ r: string | null }>("SELECT to_regclass('mirt_ability')::text AS r");
    if (!r) return null;
    return db.query('SELECT to_jsonb(x)::text AS row FROM mirt_ability x ORDER BY 1');
  }

  const phases: [string, string, RegExp][] = [
    [
      'the lock',
      'pg_try_advisory_lock',
      /^\[ERROR\] taking the job's advisory lock: no answer from PostgreSQL/,
    ],
    ['migrate', 'mirt_schema_migrations', /^\[ERROR\] migrations failed: no answer from PostgreSQL/],
    ['extract', 'COPY (', /^\[ERROR\] extraction failed: attempt VIEW: no answer from PostgreSQL/],
    [
      'write',
      'mirt_stage_items',
      /^\[ERROR\] upsert failed, the transaction was rolled back .*: no answer from PostgreSQL/,
    ],
  ];
  for (const [phase, freezeOn, line] of phases) {
    it(`${phase}: one [ERROR] line naming the phase and MIRT_DB_STATEMENT_TIMEOUT_SECS, previous results kept`, async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const url = await setupRun();
      const first = await runVia(url);
      assert.equal(first.o.exitCode, 0, first.io.errors.join('\n'));
      const before = await results(ctx.fx.db);

      proxy!.freezeOn = freezeOn;
      const { o, io } = await runVia(url);
      assert.ok(proxy!.froze, `the proxy saw "${freezeOn}"`);
      assert.equal(o.exitCode, 1);
      assert.equal(io.errors.length, 1, io.errors.join('\n'));
      assert.match(io.errors[0], line);
      assert.match(io.errors[0], /within 1 s \(MIRT_DB_STATEMENT_TIMEOUT_SECS\); the connection was closed/);
      assert.deepEqual(await results(ctx.fx.db), before);
    });
  }

  it('a statement the server itself cancels names the setting, and the connection stays usable', async (t) => {
    if (!ctx.fx) return t.skip(ctx.skip);
    const db = await openPgDb(ctx.fx.url!, fast);
    try {
      await assert.rejects(
        db.query('SELECT pg_sleep(5)'),
        /canceling statement due to statement timeout after 1 s \(MIRT_DB_STATEMENT_TIMEOUT_SECS\)/,
      );
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await db.close();
    }
  });
});
