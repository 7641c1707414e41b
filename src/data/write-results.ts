/**
 * Writes one run's results in ONE transaction: stage the rows in temporary tables with the bulk
 * path of the driver (COPY on pg, unnest on PGlite), then merge them with set-based SQL that is
 * the same on both. Any failure rolls everything back, so the previous results stay as they were.
 *
 * - mirt_item_params: the current parameters (one row per item under the old unique key).
 * - mirt_item_params_history: every run's parameters, by version, with each item's flags (see
 *   migrations.ts). Items whose values are not estimates are withheld (item-guard.ts).
 * - mirt_ability: one row per (user, version).
 * - mirt_fit_meta: one row per run.
 * - question.meta->'irt' (optional, the old job's IRT_UPDATE_QUESTION_META).
 * - retention: only when explicitly configured, the versions beyond the newest N are deleted
 *   from mirt_item_params_history and mirt_ability. Rows whose version is NULL (written by
 *   something else before the job, so not a version of ours) are never pruned: they are counted
 *   and the run warns about them.
 *
 * The ON CONFLICT target is the unique key the table really has (old or new); a table without a
 * usable key gets delete-then-insert of the same rows, which is equivalent inside the transaction.
 * A legacy key that changes what the tables hold (abilities overwritten across runs, a row per
 * run in the current-parameters table) is reported in `warnings`, once per run.
 */
import type { CalibrateResponse } from '../contract/types.js';
import type { Tx } from './db.js';
import { guardItems, type WithheldItem } from './item-guard.js';
import { castTo, pickConflictKey, type TableShape, tableShape } from './table-shape.js';

export interface WriteOptions {
  /** The run's version: written on every row (the job owns versioning, not the calibrator). */
  readonly version: string;
  readonly runId: string;
  /** Model name used where a record has none. */
  readonly model: string;
  readonly updateQuestionMeta: boolean;
  /** Keep the newest N versions in the history tables; null keeps everything. */
  readonly retainVersions: number | null;
  /** Extra model_spec / metrics entries (data source, hygiene counts...), merged over the calibrator's. */
  readonly modelSpecExtra?: Record<string, unknown>;
  readonly metricsExtra?: Record<string, unknown>;
}

export interface WriteSummary {
  readonly items: number;
  readonly abilities: number;
  /** Abilities not written because theta was not a finite number. */
  readonly skippedAbilities: number;
  readonly questionMetaUpdated: number | null;
  /** Why question.meta was not updated although asked (no question table...), else null. */
  readonly questionMetaSkipped: string | null;
  readonly prunedRows: number;
  readonly fittedAt: string;
  /** Items not written because their values are not estimates (item-guard.ts). */
  readonly withheld: readonly WithheldItem[];
  /** Side effects of legacy table shapes, one line each (printed as [WARN] by the job). */
  readonly warnings: readonly string[];
}

export async function writeResults(
  db: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  result: CalibrateResponse,
  opts: WriteOptions,
): Promise<WriteSummary> {
  // Nothing absurd reaches the database, nothing extreme without its flag (item-guard.ts).
  const { write: items, withheld } = guardItems(result.item_params);
  const n = items.length;
  const itemId = new Array<string>(n);
  const itemModel = new Array<string>(n);
  const itemParams = new Array<string>(n);
  const itemFlags = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const { record: it, flags } = items[i];
    itemId[i] = String(it.item_id);
    itemModel[i] = String(it.model || opts.model);
    const p: Record<string, number> = { a: it.params.a, b: it.params.b };
    if (it.params.c !== undefined && it.params.c !== null) p.c = it.params.c;
    if (it.params.u !== undefined && it.params.u !== null) p.u = it.params.u;
    itemParams[i] = JSON.stringify(p);
    itemFlags[i] = JSON.stringify(flags);
  }

  const ab = result.abilities;
  const userId: string[] = [];
  const theta: number[] = [];
  const se: (number | null)[] = [];
  const abModel: string[] = [];
  let skippedAbilities = 0;
  for (const a of ab) {
    // No silent infinities or NaN in the database: a theta that is not finite is not written.
    if (typeof a.theta !== 'number' || !Number.isFinite(a.theta)) {
      skippedAbilities++;
      continue;
    }
    userId.push(String(a.user_id));
    theta.push(a.theta);
    se.push(typeof a.se === 'number' && Number.isFinite(a.se) ? a.se : null);
    abModel.push(String(a.model || opts.model));
  }

  const modelSpec = { ...result.fit_meta.model_spec, ...opts.modelSpecExtra, version: opts.version };
  const metrics = {
    ...result.fit_meta.metrics,
    ...opts.metricsExtra,
    ...(withheld.length > 0 ? { withheld_items: withheld } : {}),
  };

  return db.transaction(async (tx) => {
    const shapes = {
      items: await requireShape(tx, 'mirt_item_params'),
      ability: await requireShape(tx, 'mirt_ability'),
      meta: await requireShape(tx, 'mirt_fit_meta'),
    };
    const warnings = legacyKeyWarnings(shapes.items, shapes.ability);
    if (withheld.length > 0)
      warnings.push(
        `${withheld.length} item(s) not written, their values are not estimates (${withheld
          .slice(0, 5)
          .map((w) => `${w.item_id}: ${w.reason}`)
          .join('; ')}${withheld.length > 5 ? '; ...' : ''}); their previous parameters stay current`,
      );
    const [{ fitted_at }] = await tx.query<{ fitted_at: string }>('SELECT now()::text AS fitted_at');

    await tx.query(
      'CREATE TEMP TABLE mirt_stage_items (item_id text NOT NULL, model text NOT NULL, params jsonb NOT NULL, flags jsonb NOT NULL) ON COMMIT DROP',
    );
    await tx.query(
      'CREATE TEMP TABLE mirt_stage_ability (user_id text NOT NULL, theta float8 NOT NULL, se float8, model text NOT NULL) ON COMMIT DROP',
    );
    await tx.bulkInsert('mirt_stage_items', [
      { name: 'item_id', type: 'text', values: itemId },
      { name: 'model', type: 'text', values: itemModel },
      { name: 'params', type: 'jsonb', values: itemParams },
      { name: 'flags', type: 'jsonb', values: itemFlags },
    ]);
    await tx.bulkInsert('mirt_stage_ability', [
      { name: 'user_id', type: 'text', values: userId },
      { name: 'theta', type: 'float8', values: theta },
      { name: 'se', type: 'float8', values: se },
      { name: 'model', type: 'text', values: abModel },
    ]);

    await mergeInto(tx, shapes.items, {
      table: 'mirt_item_params',
      stage: 'mirt_stage_items',
      required: 'item_id',
      allowedKey: ITEM_KEY_COLUMNS,
      values: {
        item_id: 's.item_id',
        model: 's.model',
        params: 's.params',
        version: '$1::text',
        fitted_at: 'now()',
      },
      params: [opts.version],
    });
    await tx.query(
      `INSERT INTO mirt_item_params_history (version, item_id, model, params, run_id, fitted_at, flags)
       SELECT $1, s.item_id, s.model, s.params, $2, now(), s.flags FROM mirt_stage_items s
       ON CONFLICT (version, item_id) DO UPDATE
         SET model = EXCLUDED.model, params = EXCLUDED.params, run_id = EXCLUDED.run_id,
             fitted_at = EXCLUDED.fitted_at, flags = EXCLUDED.flags`,
      [opts.version, opts.runId],
    );
    await mergeInto(tx, shapes.ability, {
      table: 'mirt_ability',
      stage: 'mirt_stage_ability',
      required: 'user_id',
      allowedKey: ABILITY_KEY_COLUMNS,
      values: {
        user_id: 's.user_id',
        theta: 's.theta',
        se: 's.se',
        model: 's.model',
        version: '$1::text',
        fitted_at: 'now()',
      },
      params: [opts.version],
    });
    await mergeInto(tx, shapes.meta, {
      table: 'mirt_fit_meta',
      stage: null,
      required: 'run_id',
      allowedKey: ['run_id'],
      values: {
        run_id: '$1::text',
        model_spec: '$2::jsonb',
        metrics: '$3::jsonb',
        fitted_at: 'now()',
      },
      params: [opts.runId, JSON.stringify(modelSpec), JSON.stringify(metrics)],
    });

    let questionMetaUpdated: number | null = null;
    let questionMetaSkipped: string | null = null;
    if (opts.updateQuestionMeta) {
      const q = await tableShape(tx, 'question');
      if (!q) questionMetaSkipped = 'no question table';
      else if (!q.columnTypes.has('meta') || !q.columnTypes.has('id'))
        questionMetaSkipped = 'question has no id/meta column';
      else {
        const metaIsJson = q.columnTypes.get('meta') === 'json';
        const touch = q.columnTypes.has('updated_at') ? ', updated_at = now()' : '';
        const newMeta = `jsonb_set(COALESCE(q.meta::jsonb, '{}'::jsonb), '{irt}',
               s.params || jsonb_build_object('model', s.model, 'version', $1::text), true)`;
        const rows = await tx.query<{ id: unknown }>(
          `UPDATE question q SET meta = ${metaIsJson ? `(${newMeta})::json` : newMeta}${touch}
             FROM mirt_stage_items s
            WHERE q.id::text = s.item_id
          RETURNING q.id`,
          [opts.version],
        );
        questionMetaUpdated = rows.length;
      }
    }

    let prunedRows = 0;
    if (opts.retainVersions !== null) {
      const unversioned: string[] = [];
      for (const table of ['mirt_item_params_history', 'mirt_ability']) {
        // A NULL version is not a version: it is neither kept as one (it would take a place of
        // the newest N, and NOT IN over a NULL matches nothing) nor deleted as an old one.
        const rows = await tx.query<{ n: number }>(
          `WITH keep AS (
             SELECT version FROM ${table} WHERE version IS NOT NULL
              GROUP BY version ORDER BY max(fitted_at) DESC NULLS LAST, version DESC LIMIT $1
           ), gone AS (
             DELETE FROM ${table} t
              WHERE t.version IS NOT NULL AND t.version NOT IN (SELECT version FROM keep) RETURNING 1
           )
           SELECT count(*)::int AS n FROM gone`,
          [opts.retainVersions],
        );
        prunedRows += Number(rows[0].n);
        const [{ n }] = await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table} WHERE version IS NULL`,
        );
        if (Number(n) > 0) unversioned.push(`${n} in ${table}`);
      }
      if (unversioned.length > 0)
        warnings.push(
          `MIRT_RETAIN_VERSIONS keeps rows without a version (${unversioned.join(', ')}): retention prunes by version only; delete them by hand if they are not wanted`,
        );
    }

    return {
      items: n,
      abilities: userId.length,
      skippedAbilities,
      questionMetaUpdated,
      questionMetaSkipped,
      prunedRows,
      fittedAt: fitted_at,
      withheld,
      warnings,
    };
  });
}

const ITEM_KEY_COLUMNS = ['item_id', 'model', 'version'];
const ABILITY_KEY_COLUMNS = ['user_id', 'model', 'version'];

/** What a legacy unique key (or its absence) does to the rows each run writes. */
function legacyKeyWarnings(items: TableShape, ability: TableShape): string[] {
  const out: string[] = [];
  const itemKey = pickConflictKey(items, 'item_id', ITEM_KEY_COLUMNS);
  if (!itemKey || itemKey.length > 1) {
    const has = itemKey ? `the unique key (${itemKey.join(', ')})` : 'no unique key on item_id';
    out.push(
      `mirt_item_params has ${has}: each run adds rows beside the current ones, so readers of the current parameters see several rows per item. Add UNIQUE (item_id) to keep one row per item (every run is kept in mirt_item_params_history)`,
    );
  }
  const abilityKey = pickConflictKey(ability, 'user_id', ABILITY_KEY_COLUMNS);
  if (abilityKey && !abilityKey.includes('version') && ability.columnTypes.has('version')) {
    const key = abilityKey.join(', ');
    out.push(
      `mirt_ability has the unique key (${key}) without version: each run overwrites earlier runs' abilities. Make the key (user_id, version) to keep one row per user and run`,
    );
  }
  return out;
}

async function requireShape(tx: Tx, table: string): Promise<TableShape> {
  const s = await tableShape(tx, table);
  if (!s) throw new Error(`table ${table} does not exist (migrations not applied?)`);
  return s;
}

interface MergeSpec {
  readonly table: string;
  /** Staging table aliased `s`, or null for a single row of parameters. */
  readonly stage: string | null;
  readonly required: string;
  readonly allowedKey: readonly string[];
  /** Column -> SQL expression over `s` and the bind parameters. */
  readonly values: Readonly<Record<string, string>>;
  readonly params: readonly (string | number | null)[];
}

/** INSERT ... ON CONFLICT on the table's real unique key, or delete-then-insert without one. */
async function mergeInto(tx: Tx, shape: TableShape, spec: MergeSpec): Promise<void> {
  const cols = Object.keys(spec.values).filter((c) => shape.columnTypes.has(c));
  const select = cols.map((c) => castTo(shape, c, spec.values[c])).join(', ');
  const from = spec.stage ? ` FROM ${spec.stage} s` : '';
  const key = pickConflictKey(shape, spec.required, spec.allowedKey);
  // A statement may use only some of the parameters (the DELETE below matches on the key alone;
  // a table without a version column never reads it), and PostgreSQL refuses a bind message
  // with more values than the statement has placeholders.
  const run = (sql: string) => {
    const b = bindUsed(sql, spec.params);
    return tx.query(b.sql, b.params);
  };
  if (key) {
    const updates = cols.filter((c) => !key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
    await run(
      `INSERT INTO ${spec.table} (${cols.join(', ')}) SELECT ${select}${from}
       ON CONFLICT (${key.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
    );
    return;
  }
  // No usable unique key: replace the rows that share the natural key (required column + version if present).
  const natural = [
    spec.required,
    ...(shape.columnTypes.has('version') && spec.values.version ? ['version'] : []),
  ];
  const match = natural.map((c) => `t.${c}::text = (${spec.values[c]})::text`).join(' AND ');
  await run(
    spec.stage
      ? `DELETE FROM ${spec.table} t USING ${spec.stage} s WHERE ${match}`
      : `DELETE FROM ${spec.table} t WHERE ${match}`,
  );
  await run(`INSERT INTO ${spec.table} (${cols.join(', ')}) SELECT ${select}${from}`);
}

/**
 * Keeps the parameters `sql` refers to ($n) and renumbers them densely. Only for the SQL built
 * here, which has no string literals or dollar quotes that could hold a `$n`.
 */
export function bindUsed(
  sql: string,
  params: readonly (string | number | null)[],
): { sql: string; params: (string | number | null)[] } {
  const used = [...new Set([...sql.matchAll(/\$(\d+)\b/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  const to = new Map(used.map((n, i) => [n, i + 1]));
  for (const n of used) {
    if (n < 1 || n > params.length)
      throw new Error(`SQL refers to $${n} but ${params.length} parameters were given`);
  }
  return {
    sql: sql.replace(/\$(\d+)\b/g, (_, n: string) => `$${to.get(Number(n))}`),
    params: used.map((n) => params[n - 1]),
  };
}
