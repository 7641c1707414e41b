/**
 * The SELECT each source of the extraction chain (extract.ts) runs: the columns it needs, the
 * lookback window, the topic and subject filters and the MIRT_MAX_OBS cap. Parameters are read
 * through current_setting('mirt.*') (Db.streamRows sets them): values are never spliced into SQL.
 * A filter the source cannot apply is an ExtractionError, fatal: falling back to the next source
 * would hide it.
 */
import { copyColumn, epochMs, type SourceColumns } from './source-columns.js';

export interface ExtractOptions {
  readonly lookbackDays: number;
  /** Window end (default now): observations at or after now - lookbackDays are read. */
  readonly now?: Date;
  readonly topicId: string | null;
  readonly subjectId: string | null;
  /** Keep only the most recent N observations; null = no limit. */
  readonly maxObs: number | null;
}

/** A filter or column problem that falling back to another source would hide: fatal. */
export class ExtractionError extends Error {
  override name = 'ExtractionError';
}

// Scalar subqueries: evaluated once per query (an InitPlan), where a bare current_setting() in a
// WHERE clause is a stable function called, and its text cast, for every row scanned.
const SINCE = "(SELECT current_setting('mirt.since')::timestamptz)";
const TOPIC = "(SELECT current_setting('mirt.topic_id'))";
const SUBJECT = "(SELECT current_setting('mirt.subject_id'))";
const MAX_OBS = "(SELECT current_setting('mirt.max_obs')::bigint)";

/** The SELECT for a source, or why the source cannot be read (then the chain falls through). */
export type Plan = { sql: string } | { unavailable: string };

function missingColumn(
  cols: SourceColumns,
  rel: string,
  names: readonly string[],
): { unavailable: string } | null {
  const missing = names.find((c) => !cols.has(c));
  // Worded like PostgreSQL's own error, so the fallback line reads naturally.
  return missing === undefined ? null : { unavailable: `column ${rel}.${missing} does not exist` };
}

export function attemptSql(cols: SourceColumns, question: SourceColumns | null, o: ExtractOptions): Plan {
  const missing = missingColumn(cols, 'attempt', ['student_id', 'item_id', 'correct', 'completed_at']);
  if (missing) return missing;
  const where = [`a.completed_at >= ${SINCE}`];
  if (o.topicId !== null)
    where.push(topicClause(cols.has('topic_id') ? 'a.topic_id' : null, 'a.item_id', question));
  if (o.subjectId !== null) {
    if (!cols.has('session_id'))
      throw new ExtractionError(
        'subject filter needs attempt.session_id (joined to exam_results.session_id), which the attempt VIEW lacks',
      );
    where.push(
      `EXISTS (SELECT 1 FROM exam_results er WHERE er.session_id::text = a.session_id::text AND er.exam_id::text = ${SUBJECT})`,
    );
  }
  return {
    sql: `SELECT ${['student_id', 'item_id', 'correct'].map((c) => copyColumn(cols, 'a', c)).join(', ')}, ${epochMs('a.completed_at')}
            FROM attempt a WHERE ${where.join(' AND ')}${limit(o, 'a.completed_at')}`,
  };
}

export function responsesSql(cols: SourceColumns, question: SourceColumns | null, o: ExtractOptions): Plan {
  const missing = missingColumn(cols, 'responses', ['user_id', 'item_id', 'is_correct', 'responded_at']);
  if (missing) return missing;
  const where = [`r.responded_at >= ${SINCE}`];
  if (o.topicId !== null)
    where.push(topicClause(cols.has('topic_id') ? 'r.topic_id' : null, 'r.item_id', question));
  if (o.subjectId !== null) {
    if (!cols.has('session_id'))
      throw new ExtractionError(
        'subject filter needs responses.session_id (joined to exam_results.session_id), which the responses table lacks',
      );
    where.push(
      `EXISTS (SELECT 1 FROM exam_results er WHERE er.session_id::text = r.session_id::text AND er.exam_id::text = ${SUBJECT})`,
    );
  }
  return {
    sql: `SELECT ${['user_id', 'item_id', 'is_correct'].map((c) => copyColumn(cols, 'r', c)).join(', ')}, ${epochMs('r.responded_at')}
            FROM responses r WHERE ${where.join(' AND ')}${limit(o, 'r.responded_at')}`,
  };
}

export function examResultsSql(cols: SourceColumns, o: ExtractOptions): string {
  for (const c of ['user_id', 'result_json']) {
    if (!cols.has(c)) throw new ExtractionError(`exam_results has no ${c} column`);
  }
  const stamps = ['updated_at', 'created_at'].filter((c) => cols.has(c)).map((c) => `er.${c}`);
  if (stamps.length === 0)
    throw new ExtractionError(
      'exam_results has neither updated_at nor created_at: the lookback window cannot be applied',
    );
  const ts = stamps.length === 2 ? `COALESCE(${stamps.join(', ')})` : stamps[0];
  const where = [`${ts} >= ${SINCE}`];
  if (o.subjectId !== null) {
    if (!cols.has('exam_id')) throw new ExtractionError('subject filter needs exam_results.exam_id');
    where.push(`er.exam_id::text = ${SUBJECT}`);
  }
  // Newest documents first when a cap applies, so the cap keeps the most recent observations.
  const order = o.maxObs !== null ? ` ORDER BY ${ts} DESC` : '';
  return `SELECT ${copyColumn(cols, 'er', 'user_id')}, er.result_json::text, ${epochMs(ts)} FROM exam_results er WHERE ${where.join(' AND ')}${order}`;
}

function topicClause(ownColumn: string | null, itemExpr: string, question: SourceColumns | null): string {
  const viaQuestion =
    question?.has('id') && question.has('topic_id')
      ? `EXISTS (SELECT 1 FROM question q WHERE q.id::text = ${itemExpr}::text AND q.topic_id::text = ${TOPIC})`
      : null;
  if (ownColumn && viaQuestion) return `(${ownColumn}::text = ${TOPIC} OR ${viaQuestion})`;
  if (ownColumn) return `${ownColumn}::text = ${TOPIC}`;
  if (viaQuestion) return viaQuestion;
  throw new ExtractionError(
    'topic filter needs a topic_id column on the source or a question(id, topic_id) table; neither exists',
  );
}

function limit(o: ExtractOptions, ts: string): string {
  return o.maxObs === null ? '' : ` ORDER BY ${ts} DESC LIMIT ${MAX_OBS}`;
}
