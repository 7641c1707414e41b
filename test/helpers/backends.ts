/**
 * Test backends: the real PostgreSQL (a throwaway database with a random name per test file)
 * and PGlite (a temp folder). When PostgreSQL is not reachable its tests are skipped with a
 * visible reason and the PGlite ones still run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import pg from 'pg';
import type { Db } from '../../src/data/db.js';
import { openPgDb } from '../../src/data/pg-db.js';
import { openPgliteDb } from '../../src/data/pglite-db.js';

export const PG_ADMIN_URL = process.env.MIRT_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface Backend {
  readonly name: 'pg' | 'pglite';
  /** Shared connection for setup and assertions. */
  readonly db: Db;
  /** pg: the throwaway database's URL. */
  readonly url: string | null;
  /** pglite: the data folder (owned by `db` while it is open). */
  readonly dataDir: string | null;
  /** A Db for one job run: a new connection on pg; on PGlite the shared instance (close is a no-op). */
  openForJob(): Promise<Db>;
  /** Empties the public schema. */
  reset(): Promise<void>;
  teardown(): Promise<void>;
}

export type BackendSetup = { ok: true; backend: Backend } | { ok: false; why: string };

let pgProbe: Promise<string | null> | null = null;

/** null when PostgreSQL answers, else the reason. */
export function probePg(): Promise<string | null> {
  pgProbe ??= (async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      return null;
    } catch (e) {
      return `PostgreSQL not reachable at ${PG_ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`;
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return pgProbe;
}

export async function setupPg(): Promise<BackendSetup> {
  const why = await probePg();
  if (why) {
    console.log(`# SKIP ${why}`);
    return { ok: false, why };
  }
  const name = `mirt_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await openPgDb(url);
  return {
    ok: true,
    backend: {
      name: 'pg',
      db,
      url,
      dataDir: null,
      openForJob: () => openPgDb(url),
      reset: () => resetSchema(db),
      async teardown() {
        await db.close();
        const a = new pg.Client({ connectionString: PG_ADMIN_URL });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      },
    },
  };
}

export async function setupPglite(): Promise<BackendSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'mirt-pglite-'));
  const dataDir = join(dir, 'data');
  const db = await openPgliteDb(dataDir);
  const shared: Db = {
    kind: db.kind,
    describe: () => db.describe(),
    query: (s, p) => db.query(s, p),
    transaction: (f) => db.transaction(f),
    streamRows: (s, n, st, cb) => db.streamRows(s, n, st, cb),
    tryLock: (k) => db.tryLock(k),
    unlock: (k) => db.unlock(k),
    close: async () => {},
  };
  return {
    ok: true,
    backend: {
      name: 'pglite',
      db,
      url: null,
      dataDir,
      openForJob: async () => shared,
      reset: () => resetSchema(db),
      async teardown() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

async function resetSchema(db: Db): Promise<void> {
  await db.query('DROP SCHEMA public CASCADE');
  await db.query('CREATE SCHEMA public');
}

export const BACKENDS: readonly { name: 'pg' | 'pglite'; setup: () => Promise<BackendSetup> }[] = [
  { name: 'pg', setup: setupPg },
  { name: 'pglite', setup: setupPglite },
];

/**
 * Registers the suite hooks for one backend (set up before, torn down after, reset before each
 * test) and gives the tests its fixture, or why it is skipped.
 */
export function useBackend(setup: () => Promise<BackendSetup>): { fx: Backend | null; skip: string } {
  const ctx: { fx: Backend | null; skip: string } = { fx: null, skip: '' };
  before(async () => {
    const s = await setup();
    if (s.ok) ctx.fx = s.backend;
    else ctx.skip = s.why;
  });
  after(async () => ctx.fx?.teardown());
  beforeEach(async () => ctx.fx?.reset());
  return ctx;
}
