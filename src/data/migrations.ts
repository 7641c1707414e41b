/**
 * Numbered, idempotent migrations for the output tables.
 *
 * The tables are created with the columns and unique keys the old job used
 * (mirt_item_params(item_id), mirt_ability(user_id, version), mirt_fit_meta(run_id)), so a new
 * database and an existing one behave the same and the old readers keep working. Every statement
 * is IF NOT EXISTS / ADD COLUMN IF NOT EXISTS: a migration never drops or rewrites a user's
 * table. Applied ids are recorded in mirt_schema_migrations; the statements are safe to rerun
 * anyway (a table made by hand before the migration table existed is simply kept).
 *
 * History: with the old unique key on mirt_item_params(item_id) that table can hold one row per
 * item only (the current parameters). Every run's parameters are therefore also written to
 * mirt_item_params_history, keyed by (version, item_id): `SELECT * FROM mirt_item_params_history
 * WHERE version = $1` returns any past run. mirt_ability keeps one row per (user_id, version)
 * and mirt_fit_meta one row per run, so they are their own history.
 */
import type { Db } from './db.js';
import { sqlState } from './sql-state.js';

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'output tables',
    statements: [
      `CREATE TABLE IF NOT EXISTS mirt_item_params (
        item_id text NOT NULL,
        model text NOT NULL,
        params jsonb NOT NULL,
        version text NOT NULL,
        fitted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mirt_item_params_item_id_key UNIQUE (item_id)
      )`,
      `CREATE TABLE IF NOT EXISTS mirt_ability (
        user_id text NOT NULL,
        theta double precision NOT NULL,
        se double precision,
        model text NOT NULL,
        version text NOT NULL,
        fitted_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mirt_ability_user_id_version_key UNIQUE (user_id, version)
      )`,
      `CREATE TABLE IF NOT EXISTS mirt_fit_meta (
        run_id text PRIMARY KEY,
        model_spec jsonb NOT NULL,
        metrics jsonb NOT NULL,
        fitted_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    id: 2,
    name: 'item parameter history',
    statements: [
      `CREATE TABLE IF NOT EXISTS mirt_item_params_history (
        version text NOT NULL,
        item_id text NOT NULL,
        model text NOT NULL,
        params jsonb NOT NULL,
        run_id text NOT NULL,
        fitted_at timestamptz NOT NULL,
        PRIMARY KEY (version, item_id)
      )`,
      'CREATE INDEX IF NOT EXISTS mirt_item_params_history_item_idx ON mirt_item_params_history (item_id, fitted_at DESC)',
    ],
  },
  {
    id: 3,
    name: 'columns an older table may lack, and lookup indexes',
    statements: [
      // Older hand-made tables may miss a column the job writes: add it (nullable, nothing rewritten).
      'ALTER TABLE mirt_item_params ADD COLUMN IF NOT EXISTS model text',
      'ALTER TABLE mirt_item_params ADD COLUMN IF NOT EXISTS version text',
      'ALTER TABLE mirt_item_params ADD COLUMN IF NOT EXISTS fitted_at timestamptz DEFAULT now()',
      // Without it the version index below fails, so no database has migration 3 recorded and
      // a mirt_ability lacking this column.
      'ALTER TABLE mirt_ability ADD COLUMN IF NOT EXISTS version text',
      'ALTER TABLE mirt_ability ADD COLUMN IF NOT EXISTS se double precision',
      'ALTER TABLE mirt_ability ADD COLUMN IF NOT EXISTS model text',
      'ALTER TABLE mirt_ability ADD COLUMN IF NOT EXISTS fitted_at timestamptz DEFAULT now()',
      'ALTER TABLE mirt_fit_meta ADD COLUMN IF NOT EXISTS fitted_at timestamptz DEFAULT now()',
      'CREATE INDEX IF NOT EXISTS mirt_ability_version_idx ON mirt_ability (version)',
      'CREATE INDEX IF NOT EXISTS mirt_ability_fitted_at_idx ON mirt_ability (fitted_at)',
      'CREATE INDEX IF NOT EXISTS mirt_item_params_fitted_at_idx ON mirt_item_params (fitted_at)',
      'CREATE INDEX IF NOT EXISTS mirt_fit_meta_fitted_at_idx ON mirt_fit_meta (fitted_at)',
    ],
  },
  {
    // Scoring in shards (src/data/shards.ts): a version written with model_spec.scoring = 'shards'
    // is complete once every shard of one shard count has committed its row here; the views read
    // abilities of complete versions only. A version scored in-process is complete when written.
    id: 4,
    name: 'score shards and complete versions',
    statements: [
      `CREATE TABLE IF NOT EXISTS mirt_score_shards (
        version text NOT NULL,
        shard_count integer NOT NULL CHECK (shard_count >= 1),
        shard_index integer NOT NULL CHECK (shard_index >= 0 AND shard_index < shard_count),
        users integer NOT NULL,
        observations bigint NOT NULL,
        method text NOT NULL,
        started_at timestamptz NOT NULL,
        completed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (version, shard_count, shard_index)
      )`,
      `CREATE OR REPLACE VIEW mirt_complete_versions AS
        SELECT f.model_spec->>'version' AS version, f.run_id, f.fitted_at
          FROM mirt_fit_meta f
         WHERE f.model_spec->>'version' IS NOT NULL
           AND (f.model_spec->>'scoring' IS DISTINCT FROM 'shards'
                OR EXISTS (SELECT 1 FROM mirt_score_shards s
                            WHERE s.version = f.model_spec->>'version'
                            GROUP BY s.shard_count HAVING count(*) = s.shard_count))`,
      `CREATE OR REPLACE VIEW mirt_ability_current AS
        SELECT a.user_id, a.theta, a.se, a.model, a.version, a.fitted_at
          FROM mirt_ability a
         WHERE a.version = (SELECT c.version FROM mirt_complete_versions c
                             ORDER BY c.fitted_at DESC NULLS LAST, c.version DESC LIMIT 1)`,
    ],
  },
];

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS mirt_schema_migrations (
  id integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** A migration is not applied and the database user may not apply it. */
export class MigrationRightsError extends Error {
  override name = 'MigrationRightsError';
  constructor(
    readonly migration: Migration,
    readonly right: string,
    cause: unknown,
  ) {
    super(
      `migration ${migration.id} (${migration.name}) is not applied and the database user lacks ${right} ` +
        `(${firstLine(cause)}); apply the migrations once as the owner of the output tables, then this user needs only ` +
        'SELECT/INSERT/UPDATE/DELETE on them',
      { cause },
    );
  }
}

/**
 * Applies the migrations not yet recorded, each in its own transaction. Returns the ids applied.
 *
 * What is applied is read first, and nothing else runs when everything is: a least-privilege
 * role (SELECT on the sources, SELECT/INSERT/UPDATE/DELETE on the output tables, no CREATE on
 * the schema, not the tables' owner) runs the job once an admin has migrated. Even IF NOT EXISTS
 * DDL checks the right before it checks existence, so running it every time would fail there.
 */
export async function migrate(db: Db): Promise<number[]> {
  const [{ recorded }] = await db.query<{ recorded: string | null }>(
    "SELECT to_regclass('mirt_schema_migrations')::text AS recorded",
  );
  let done = new Set<number>();
  if (recorded !== null) {
    try {
      done = new Set(
        (await db.query<{ id: number }>('SELECT id FROM mirt_schema_migrations')).map((r) => Number(r.id)),
      );
    } catch (e) {
      if (sqlState(e) !== '42501') throw e;
      throw new Error(
        `cannot read mirt_schema_migrations (${firstLine(e)}): the database user needs SELECT on it to see which migrations are applied`,
        { cause: e },
      );
    }
  }
  let haveTable = recorded !== null;
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.id)) continue;
    let current = MIGRATIONS_TABLE;
    try {
      await db.transaction(async (tx) => {
        if (!haveTable) await tx.query(MIGRATIONS_TABLE);
        for (const sql of m.statements) {
          current = sql;
          await tx.query(sql);
        }
        current = 'INSERT INTO mirt_schema_migrations';
        await tx.query(
          'INSERT INTO mirt_schema_migrations (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
          [m.id, m.name],
        );
      });
    } catch (e) {
      // 42501 insufficient_privilege: say which migration and which right, not only PostgreSQL's
      // "permission denied for schema public".
      if (sqlState(e) === '42501') throw new MigrationRightsError(m, rightFor(current), e);
      throw e;
    }
    haveTable = true;
    applied.push(m.id);
  }
  return applied;
}

/** The privilege a migration statement needs, in words. */
function rightFor(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  let m = /^CREATE TABLE IF NOT EXISTS (\w+)/i.exec(s);
  if (m) return `CREATE on the schema (to create table ${m[1]})`;
  m = /^ALTER TABLE (\w+)/i.exec(s) ?? /^CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?\w+ ON (\w+)/i.exec(s);
  if (m)
    return `ownership of table ${m[1]} (to ${s.startsWith('ALTER') ? 'add a column' : 'create an index'})`;
  if (/^INSERT INTO mirt_schema_migrations/i.test(s)) return 'INSERT on mirt_schema_migrations';
  return 'a privilege the migration needs';
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
