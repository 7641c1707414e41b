/**
 * What a scoring shard reads: one stored version (its item parameters from
 * mirt_item_params_history and its run's model_spec from mirt_fit_meta), and the answers of the
 * learners of one hash shard in that run's window.
 *
 * The window is fixed by the version, not by the clock: [T - lookback_days, T) with T the run's
 * start (the version label), from the source the run read (model_spec.source), with its subject
 * filter. A shard run again an hour later therefore reads the same rows and writes the same
 * scores. (The run itself read up to the moment it extracted, seconds after T.) The topic filter
 * needs no SQL here: only answers to items with parameters in the version are scored, and those
 * are the topic's items. The SELECTs mirror extract.ts's (same columns, same per-type casts, same
 * duplicate rule through the job's ResponseBuilder) with the shard and the window's end added; their
 * parameters travel through current_setting('mirt.*') as there.
 */

import type { Db } from './db.js';
import { addExamResult, streamObservations } from './extract.js';
import type { ObservationSink } from './observation-sink.js';
import { type Shard, shardExpr } from './shards.js';
import { columnsOf, copyColumn, epochMs } from './source-columns.js';

export interface StoredVersion {
  readonly version: string;
  readonly model: string;
  /** Item parameters in IRT form, as stored. */
  readonly params: ReadonlyMap<string, unknown>;
  /** The run's model_spec (latent, source, lookback_days, subject_id, max_obs, score_method...). */
  readonly spec: Readonly<Record<string, unknown>>;
  /** The run's start, the end of the scoring window. */
  readonly runStart: Date;
}

export class VersionError extends Error {
  override name = 'VersionError';
}

/** `v20261124T030000123Z` -> its time. */
export function versionTime(version: string): Date | null {
  const m = /^v(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(version);
  if (!m) return null;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
  return Number.isNaN(t) ? null : new Date(t);
}

export async function readVersion(db: Db, version: string): Promise<StoredVersion> {
  const runStart = versionTime(version);
  if (!runStart)
    throw new VersionError(
      `"${version}" is not a run's version (expected v<UTC time>, e.g. v20261124T030000123Z)`,
    );
  const metas = await db.query<{ model_spec: unknown }>(
    `SELECT model_spec FROM mirt_fit_meta WHERE model_spec->>'version' = $1 ORDER BY fitted_at DESC NULLS LAST LIMIT 1`,
    [version],
  );
  if (metas.length === 0) throw new VersionError(`version ${version} has no row in mirt_fit_meta`);
  const raw = metas[0].model_spec;
  const spec = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
  const rows = await db.query<{ item_id: string; model: string; params: unknown }>(
    'SELECT item_id::text AS item_id, model, params FROM mirt_item_params_history WHERE version = $1',
    [version],
  );
  if (rows.length === 0)
    throw new VersionError(`version ${version} has no item parameters in mirt_item_params_history`);
  const params = new Map<string, unknown>();
  for (const r of rows) params.set(r.item_id, typeof r.params === 'string' ? JSON.parse(r.params) : r.params);
  return { version, model: String(spec.model ?? rows[0].model), params, spec, runStart };
}

/** Reads the shard's answers into `builder`; returns the rows read. */
export async function extractShard(
  db: Db,
  v: StoredVersion,
  shard: Shard,
  builder: ObservationSink,
): Promise<number> {
  const lookback = Number(v.spec.lookback_days);
  if (!(lookback > 0)) throw new VersionError(`version ${v.version}: model_spec has no lookback_days`);
  if (v.spec.max_obs !== null && v.spec.max_obs !== undefined)
    throw new VersionError(
      `version ${v.version} was calibrated with MIRT_MAX_OBS=${String(v.spec.max_obs)}: a cap on the most recent answers of everyone cannot be split into shards`,
    );
  const subject =
    v.spec.subject_id === null || v.spec.subject_id === undefined ? null : String(v.spec.subject_id);
  const settings: Record<string, string> = {
    'mirt.since': new Date(v.runStart.getTime() - lookback * 86_400_000).toISOString(),
    'mirt.until': v.runStart.toISOString(),
    'mirt.shard_count': String(shard.count),
    'mirt.shard_index': String(shard.index),
  };
  if (subject !== null) settings['mirt.subject_id'] = subject;
  const source = String(v.spec.source ?? '');
  const SHARD = "(SELECT current_setting('mirt.shard_index')::bigint)";
  if (source === 'attempt VIEW' || source === 'responses table') {
    const [rel, user, item, correct, ts] =
      source === 'attempt VIEW'
        ? ['attempt', 'student_id', 'item_id', 'correct', 'completed_at']
        : ['responses', 'user_id', 'item_id', 'is_correct', 'responded_at'];
    const where = [`t.${ts} >= ${SINCE}`, `t.${ts} < ${UNTIL}`, `${shardExpr(`t.${user}::text`)} = ${SHARD}`];
    if (subject !== null)
      where.push(
        `EXISTS (SELECT 1 FROM exam_results er WHERE er.session_id::text = t.session_id::text AND er.exam_id::text = ${SUBJECT})`,
      );
    // A missing relation has no columns: every column is then cast, and the SELECT fails naming it.
    const cols = (await columnsOf(db, rel)) ?? new Map<string, string>();
    return streamObservations(
      db,
      `SELECT ${[user, item, correct].map((c) => copyColumn(cols, 't', c)).join(', ')}, ${epochMs(`t.${ts}`)}
         FROM ${rel} t WHERE ${where.join(' AND ')}`,
      settings,
      builder,
    );
  }
  if (source === 'exam_results JSON') {
    const cols = (await columnsOf(db, 'exam_results')) ?? new Map<string, string>();
    const stamps = ['updated_at', 'created_at'].filter((c) => cols.has(c)).map((c) => `er.${c}`);
    if (stamps.length === 0) throw new VersionError('exam_results has neither updated_at nor created_at');
    const ts = stamps.length === 2 ? `COALESCE(${stamps.join(', ')})` : stamps[0];
    const where = [`${ts} >= ${SINCE}`, `${ts} < ${UNTIL}`, `${shardExpr('er.user_id::text')} = ${SHARD}`];
    if (subject !== null) where.push(`er.exam_id::text = ${SUBJECT}`);
    let rows = 0;
    await db.streamRows(
      `SELECT ${copyColumn(cols, 'er', 'user_id')}, er.result_json::text, ${epochMs(ts)} FROM exam_results er WHERE ${where.join(' AND ')}`,
      ['text', 'text', 'int'],
      settings,
      (f) => {
        rows += addExamResult(
          builder,
          f[0] as string | null,
          f[1] as string | null,
          f[2] as number | null,
          null,
          null,
        );
      },
    );
    return rows;
  }
  throw new VersionError(
    `version ${v.version}: unknown source "${source}" in model_spec (cannot find its answers)`,
  );
}

const SINCE = "(SELECT current_setting('mirt.since')::timestamptz)";
const UNTIL = "(SELECT current_setting('mirt.until')::timestamptz)";
const SUBJECT = "(SELECT current_setting('mirt.subject_id'))";
