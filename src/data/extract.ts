/**
 * The extraction chain of the old job, streamed into an ObservationSink (the job's ResponseBuilder):
 *   1. the `attempt` VIEW   (student_id, item_id, correct, completed_at)
 *   2. the `responses` table (user_id, item_id, is_correct, responded_at)
 *   3. `exam_results`        (user_id, session_id, result_json {questions: [...]}, updated_at/created_at)
 * A source that does not exist (the relation, or a column the SELECT needs) falls through to the
 * next one, with the log lines users already grep for. Any other error (a lock or statement
 * timeout, a permission error, a lost connection) fails the run: falling back then would
 * calibrate on a different, possibly stale source and exit 0. Ids of any type are read as text;
 * bad rows (NULL correctness, NULL or non-scalar ids, duplicates, unparsable JSON) are counted
 * by the builder, never fatal.
 * No row limit except MIRT_MAX_OBS, which keeps the most recent observations.
 *
 * The SELECTs read their parameters through current_setting('mirt.*') (see Db.streamRows):
 * values are never spliced into SQL.
 */
import { ByteInterner } from '../files/byte-interner.js';
import type { FieldKind } from './copy-text.js';
import type { Db } from './db.js';
import type { ObservationSink } from './observation-sink.js';
import { columnsOf, type SourceColumns } from './source-columns.js';
import {
  attemptSql,
  ExtractionError,
  type ExtractOptions,
  examResultsSql,
  type Plan,
  responsesSql,
} from './source-sql.js';
import { sqlState } from './sql-state.js';

export { ExtractionError, type ExtractOptions } from './source-sql.js';

export type SourceName = 'attempt VIEW' | 'responses table' | 'exam_results JSON';

export interface Extraction {
  readonly source: SourceName;
  /** Observations read from the source (before hygiene). */
  readonly rows: number;
}

export interface ExtractLog {
  info(line: string): void;
  warn(line: string): void;
}

/**
 * A source exists but could not be read (lock or statement timeout, permission, connection...):
 * fatal, because the next source of the chain would give other data.
 */
export class SourceReadError extends Error {
  override name = 'SourceReadError';
  constructor(
    readonly source: SourceName,
    cause: unknown,
  ) {
    const code = sqlState(cause);
    super(
      `${source}: ${message(cause)}${code ? ` (SQLSTATE ${code})` : ''}; not falling back to the next source (only a missing relation or column does)`,
      { cause },
    );
  }
}

/** Thrown when no source of the chain could be read; `reasons` names each failure. */
export class NoSourceError extends Error {
  override name = 'NoSourceError';
  constructor(readonly reasons: readonly string[]) {
    super(`no data source available (${reasons.join('; ')})`);
  }
}

export async function extractObservations(
  db: Db,
  builder: ObservationSink,
  opts: ExtractOptions,
  log: ExtractLog,
): Promise<Extraction> {
  const now = opts.now ?? new Date();
  const settings: Record<string, string> = {
    'mirt.since': new Date(now.getTime() - opts.lookbackDays * 86_400_000).toISOString(),
  };
  if (opts.topicId !== null) settings['mirt.topic_id'] = opts.topicId;
  if (opts.subjectId !== null) settings['mirt.subject_id'] = opts.subjectId;
  if (opts.maxObs !== null) settings['mirt.max_obs'] = String(opts.maxObs);
  if (opts.topicId !== null)
    log.info(`[INFO] Filtering by topic_id=${opts.topicId} (topic-specific calibration bank)`);
  if (opts.subjectId !== null)
    log.info(`[INFO] Filtering by subject_id=${opts.subjectId} (subject-specific calibration bank)`);

  const reasons: string[] = [];
  const questionCols = await columnsOf(db, 'question');

  // 1. attempt VIEW
  const attempt = await columnsOf(db, 'attempt');
  const r1 = await tryRows(
    db,
    builder,
    attempt && attemptSql(attempt, questionCols, opts),
    'attempt',
    'attempt VIEW',
    settings,
  );
  if (r1.ok) {
    log.info(`[INFO] Loaded ${r1.rows} observations from attempt VIEW`);
    return { source: 'attempt VIEW', rows: r1.rows };
  }
  reasons.push(`attempt VIEW: ${r1.reason}`);
  log.warn(`[WARN] attempt VIEW not available: ${r1.reason}; trying fallback...`);

  // 2. responses table
  const responses = await columnsOf(db, 'responses');
  const r2 = await tryRows(
    db,
    builder,
    responses && responsesSql(responses, questionCols, opts),
    'responses',
    'responses table',
    settings,
  );
  if (r2.ok) {
    log.info(`[INFO] Loaded ${r2.rows} observations from responses table`);
    return { source: 'responses table', rows: r2.rows };
  }
  reasons.push(`responses table: ${r2.reason}`);
  log.warn(`[WARN] responses table not available: ${r2.reason}; trying exam_results...`);

  // 3. exam_results JSON
  const exam = await columnsOf(db, 'exam_results');
  if (!exam) {
    reasons.push('exam_results: relation "exam_results" does not exist');
    throw new NoSourceError(reasons);
  }
  const topicItems = opts.topicId === null ? null : await topicItemSet(db, questionCols, opts.topicId);
  let observations = 0;
  try {
    await db.streamRows(examResultsSql(exam, opts), ['text', 'text', 'int'], settings, (f) => {
      if (opts.maxObs !== null && observations >= opts.maxObs) return; // newest first: the rest is older
      const room = opts.maxObs === null ? null : opts.maxObs - observations;
      observations += addExamResult(
        builder,
        f[0] as string | null,
        f[1] as string | null,
        f[2] as number | null,
        topicItems,
        room,
      );
    });
  } catch (e) {
    if (e instanceof ExtractionError) throw e;
    if (builder.size > 0 || !isMissingSource(e)) throw new SourceReadError('exam_results JSON', e);
    reasons.push(`exam_results: ${message(e)}`);
    throw new NoSourceError(reasons);
  }
  log.info(`[INFO] Loaded ${observations} observations from exam_results JSON`);
  return { source: 'exam_results JSON', rows: observations };
}

type TryResult = { ok: true; rows: number } | { ok: false; reason: string };

async function tryRows(
  db: Db,
  builder: ObservationSink,
  plan: Plan | null,
  relation: string,
  source: SourceName,
  settings: Record<string, string>,
): Promise<TryResult> {
  // Same wording as PostgreSQL's own error, which the old job printed.
  if (plan === null) return { ok: false, reason: `relation "${relation}" does not exist` };
  if ('unavailable' in plan) return { ok: false, reason: plan.unavailable };
  const sql = plan.sql;
  const before = builder.size;
  try {
    const rows = await streamObservations(db, sql, settings, builder);
    return { ok: true, rows };
  } catch (e) {
    // Rows already in the builder cannot be taken back: a failure mid-stream is fatal, not a
    // fallback. Neither is a source that exists but failed: the next one would be other data.
    if (builder.size > before || !isMissingSource(e)) throw new SourceReadError(source, e);
    return { ok: false, reason: message(e) };
  }
}

/**
 * SQLSTATEs that mean "this source is not there": undefined_table (42P01) and undefined_column
 * (42703). Both drivers put the code on the error; an error without one (a driver that only
 * gives text) is judged by PostgreSQL's / PGlite's wording of the same two errors.
 */
const MISSING_SOURCE = new Set(['42P01', '42703']);

export function isMissingSource(e: unknown): boolean {
  const code = sqlState(e);
  if (code !== null) return MISSING_SOURCE.has(code);
  return /^(relation|column) "[^"]+" does not exist$|^column [\w.]+ does not exist$|\bno such (view|table|column)\b/i.test(
    message(e),
  );
}

/**
 * Streams a SELECT of (user id, item id, correctness, epoch ms) into the sink, the ids numbered by
 * their bytes in tables the sink then reads (no string and no Map look-up per row: at 10M rows
 * the builder's second interning of strings was most of the extraction's client time, docs/ENGINE.md
 * "Reading files"). Returns the rows.
 */
export function streamObservations(
  db: Pick<Db, 'streamRows'>,
  sql: string,
  settings: Readonly<Record<string, string>>,
  sink: ObservationSink,
): Promise<number> {
  const users = new ByteInterner();
  const items = new ByteInterner();
  sink.useIdTables(users, items);
  const columns: readonly FieldKind[] = [users, items, 'bool', 'int'];
  return db.streamRows(sql, columns, settings, (f) => {
    sink.addIndexed(
      f[0] === null ? -1 : (f[0] as number),
      f[1] === null ? -1 : (f[1] as number),
      f[2],
      f[3] === null ? undefined : (f[3] as number),
    );
  });
}

async function topicItemSet(db: Db, question: SourceColumns | null, topicId: string): Promise<Set<string>> {
  if (!question?.has('id') || !question.has('topic_id')) {
    throw new ExtractionError('topic filter on exam_results needs a question(id, topic_id) table');
  }
  const rows = await db.query<{ id: string }>(
    'SELECT id::text AS id FROM question WHERE topic_id::text = $1',
    [topicId],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * One exam_results document -> observations. Returns how many observations it offered to the
 * builder (at most `room`). Unparsable documents are counted through builder.reject().
 */
export function addExamResult(
  builder: ObservationSink,
  userId: string | null,
  json: string | null,
  ts: number | null,
  topicItems: ReadonlySet<string> | null,
  room: number | null,
): number {
  let doc: unknown;
  try {
    doc = json === null ? null : JSON.parse(json);
    // Some writers stored the document as a JSON string inside a json column.
    if (typeof doc === 'string') doc = JSON.parse(doc);
  } catch {
    builder.reject('unparsable_result_json');
    return 0;
  }
  const questions =
    doc !== null && typeof doc === 'object' ? (doc as { questions?: unknown }).questions : undefined;
  if (!Array.isArray(questions)) {
    builder.reject('result_json_without_questions');
    return 0;
  }
  const t = ts === null ? undefined : ts;
  let n = 0;
  for (const q of questions) {
    if (room !== null && n >= room) break;
    if (q === null || typeof q !== 'object') {
      builder.reject('bad_question_entry');
      n++;
      continue;
    }
    const e = q as { question_id?: unknown; is_correct?: unknown; correct?: unknown };
    const item = idText(e.question_id);
    if (item === undefined) {
      // An object or array would become "[object Object]" or "1,2" and merge unrelated items.
      builder.reject('invalid_question_id');
      n++;
      continue;
    }
    if (topicItems && item !== null && !topicItems.has(item)) continue;
    const raw = e.is_correct ?? e.correct ?? null;
    const correct =
      typeof raw === 'boolean' || typeof raw === 'number' || typeof raw === 'string'
        ? raw
        : raw === null
          ? null
          : 'invalid';
    builder.add(userId, item, correct, t);
    n++;
  }
  return n;
}

/** Only strings and numbers are ids: null when absent, undefined when of any other type. */
function idText(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}
