/**
 * Issue 9 item 9: the job under a least-privilege role (SELECT on the sources,
 * SELECT/INSERT/UPDATE/DELETE on the output tables, no CREATE on the schema, not the tables'
 * owner) once an admin has applied the migrations. A real role in the throwaway database: on
 * PostgreSQL the job logs in as it; on PGlite (one session) it runs under SET ROLE.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Db } from '../../src/data/db.js';
import { MIGRATIONS, MigrationRightsError, migrate } from '../../src/data/migrations.js';
import { openPgDb } from '../../src/data/pg-db.js';
import { runJob } from '../../src/job/run-job.js';
import { BACKENDS, type Backend, useBackend } from '../helpers/backends.js';
import { ProportionCalibrator } from '../helpers/calibrators.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';

const OUTPUT_TABLES = ['mirt_item_params', 'mirt_item_params_history', 'mirt_ability', 'mirt_fit_meta'];

/** Creates a role with the job's least privileges on whatever exists now; returns its name. */
async function leastPrivilegeRole(db: Db): Promise<string> {
  const role = `mirt_job_${randomBytes(4).toString('hex')}`;
  await db.query(`CREATE ROLE ${role} LOGIN`);
  await db.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await db.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  for (const t of ['attempt', 'mirt_schema_migrations']) {
    const [{ r }] = await db.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [t]);
    if (r) await db.query(`GRANT SELECT ON ${t} TO ${role}`);
  }
  for (const t of OUTPUT_TABLES) {
    const [{ r }] = await db.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [t]);
    if (r) await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${role}`);
  }
  return role;
}

async function dropRole(db: Db, role: string): Promise<void> {
  await db.query(`DROP OWNED BY ${role}`).catch(() => {});
  await db.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
}

/** A Db that acts as `role`: its own login on pg, SET ROLE on PGlite's one session. */
async function openAs(fx: Backend, role: string): Promise<Db> {
  if (fx.name === 'pg') {
    const u = new URL(fx.url!);
    u.username = role;
    return openPgDb(u.toString());
  }
  const db = await fx.openForJob();
  // PGlite's bulk read is COPY to its virtual /dev/blob, which PostgreSQL allows only superusers
  // and pg_write_server_files; the embedded database has no user but the job anyway.
  await db.query(`GRANT pg_write_server_files TO ${role}`);
  await db.query(`SET ROLE ${role}`);
  return {
    kind: db.kind,
    describe: () => db.describe(),
    query: (s, p) => db.query(s, p),
    transaction: (f) => db.transaction(f),
    streamRows: (s, n, st, cb) => db.streamRows(s, n, st, cb),
    tryLock: (k) => db.tryLock(k),
    unlock: (k) => db.unlock(k),
    close: async () => {
      await db.query('RESET ROLE');
    },
  };
}

for (const { name, setup } of BACKENDS) {
  describe(`a least-privilege database user (${name})`, () => {
    const ctx = useBackend(setup);

    async function platform(fx: Backend): Promise<void> {
      await createAttemptView(fx.db, 'integer');
      await insertAttempts(fx.db, 'integer', simulate(40, 10, 6, 5));
    }

    it('runs the job once an admin applied the migrations: no DDL, results written', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const fx = ctx.fx;
      await platform(fx);
      await migrate(fx.db);
      const role = await leastPrivilegeRole(fx.db);
      try {
        const io = captureIo();
        const o = await runJob(jobConfig(), {
          io,
          calibrator: new ProportionCalibrator(),
          openDb: () => openAs(fx, role),
        });
        assert.equal(o.exitCode, 0, io.errors.join('\n'));
        assert.ok(io.lines.includes('Calibration upsert completed.'));
        assert.ok(!io.lines.some((l) => l.startsWith('[INFO] Applied migrations')));
        const [{ n }] = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_ability');
        assert.equal(n, 40);
      } finally {
        await dropRole(fx.db, role);
      }
    });

    it('an unapplied migration fails naming the migration and the right it needs', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const fx = ctx.fx;
      await platform(fx);
      await migrate(fx.db);
      await fx.db.query('DELETE FROM mirt_schema_migrations WHERE id = 3');
      const role = await leastPrivilegeRole(fx.db);
      try {
        const io = captureIo();
        const o = await runJob(jobConfig(), {
          io,
          calibrator: new ProportionCalibrator(),
          openDb: () => openAs(fx, role),
        });
        assert.equal(o.exitCode, 1);
        assert.equal(io.errors.length, 1);
        assert.match(
          io.errors[0],
          /^\[ERROR\] migrations failed: migration 3 \(columns an older table may lack, and lookup indexes\) is not applied and the database user lacks ownership of table mirt_item_params \(to add a column\) \(must be owner of table mirt_item_params\)/,
        );
        const [{ n }] = await fx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_ability');
        assert.equal(n, 0, 'nothing written');
      } finally {
        await dropRole(fx.db, role);
      }
    });

    it('on an empty database, migration 1 needs CREATE on the schema, and says so', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const fx = ctx.fx;
      const role = await leastPrivilegeRole(fx.db);
      const db = await openAs(fx, role);
      try {
        await assert.rejects(migrate(db), (e: unknown) => {
          assert.ok(e instanceof MigrationRightsError, String(e));
          assert.equal(e.migration, MIGRATIONS[0]);
          assert.match(
            e.message,
            /^migration 1 \(output tables\) is not applied and the database user lacks CREATE on the schema \(to create table mirt_schema_migrations\) \(permission denied for schema public\)/,
          );
          return true;
        });
      } finally {
        await db.close();
        await dropRole(fx.db, role);
      }
    });
  });
}
