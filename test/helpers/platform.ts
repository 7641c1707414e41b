/**
 * Builds source schemas for the tests (attempt VIEW over a base table, responses, exam_results,
 * question) with ids of a chosen SQL type, and simulated 2PL answers with a fixed seed.
 */
import type { Db } from '../../src/data/db.js';

export type IdType = 'integer' | 'uuid' | 'text';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** The id as the SQL type would print it. */
export function idOf(type: IdType, n: number, prefix: string): string {
  if (type === 'integer') return String(n);
  if (type === 'uuid') return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  return `${prefix}${n}`;
}

export interface Answer {
  user: number;
  item: number;
  correct: boolean | null;
  /** Days before now. */
  daysAgo: number;
}

/** Users 1..nUsers answer `perUser` distinct random items of 1..nItems under a 2PL truth. */
export function simulate(
  nUsers: number,
  nItems: number,
  perUser: number,
  seed: number,
  maxDaysAgo = 25,
): Answer[] {
  const rand = mulberry32(seed);
  const a = Array.from({ length: nItems + 1 }, () => 0.7 + rand());
  const b = Array.from({ length: nItems + 1 }, () => normal(rand));
  const out: Answer[] = [];
  for (let u = 1; u <= nUsers; u++) {
    const theta = normal(rand);
    const seen = new Set<number>();
    while (seen.size < Math.min(perUser, nItems)) seen.add(1 + Math.floor(rand() * nItems));
    for (const i of seen) {
      const p = 1 / (1 + Math.exp(-a[i] * (theta - b[i])));
      out.push({ user: u, item: i, correct: rand() < p, daysAgo: rand() * maxDaysAgo });
    }
  }
  return out;
}

/** attempt_log base table + `attempt` VIEW (student_id, item_id, correct, completed_at, topic_id, session_id). */
export async function createAttemptView(
  db: Db,
  idType: IdType,
  opts: { topicColumn?: boolean } = {},
): Promise<void> {
  await db.query(`CREATE TABLE attempt_log (
    id bigserial PRIMARY KEY, student_id ${idType}, question_id ${idType}, is_correct boolean,
    completed_at timestamptz NOT NULL, topic_id integer, session_id text)`);
  await db.query(`CREATE VIEW attempt AS SELECT student_id, question_id AS item_id, is_correct AS correct, completed_at
    ${opts.topicColumn === false ? '' : ', topic_id'}, session_id FROM attempt_log`);
}

export async function insertAttempts(
  db: Db,
  idType: IdType,
  answers: readonly Answer[],
  extra: { topic?: (a: Answer) => number | null; session?: (a: Answer) => string | null } = {},
): Promise<void> {
  const now = Date.now();
  await db.transaction(async (tx) => {
    await tx.query(
      `CREATE TEMP TABLE stage_attempts (student_id text, question_id text, is_correct boolean, completed_at timestamptz, topic_id integer, session_id text) ON COMMIT DROP`,
    );
    await tx.bulkInsert('stage_attempts', [
      {
        name: 'student_id',
        type: 'text',
        values: answers.map((x) => (x.user < 0 ? null : idOf(idType, x.user, 'u'))),
      },
      {
        name: 'question_id',
        type: 'text',
        values: answers.map((x) => (x.item < 0 ? null : idOf(idType, x.item, 'q'))),
      },
      {
        name: 'is_correct',
        type: 'boolean',
        values: answers.map((x) => (x.correct === null ? null : x.correct ? 't' : 'f')),
      },
      {
        name: 'completed_at',
        type: 'timestamptz',
        values: answers.map((x) => new Date(now - x.daysAgo * 86_400_000).toISOString()),
      },
      { name: 'topic_id', type: 'integer', values: answers.map((x) => extra.topic?.(x) ?? null) },
      { name: 'session_id', type: 'text', values: answers.map((x) => extra.session?.(x) ?? null) },
    ]);
    await tx.query(`INSERT INTO attempt_log (student_id, question_id, is_correct, completed_at, topic_id, session_id)
      SELECT student_id::${idType}, question_id::${idType}, is_correct, completed_at, topic_id, session_id FROM stage_attempts`);
  });
}

/** responses(user_id, item_id, is_correct, responded_at). */
export async function createResponses(db: Db, idType: IdType, answers: readonly Answer[]): Promise<void> {
  await db.query(
    `CREATE TABLE responses (id bigserial PRIMARY KEY, user_id ${idType}, item_id ${idType}, is_correct boolean, responded_at timestamptz)`,
  );
  const now = Date.now();
  await db.query(
    `INSERT INTO responses (user_id, item_id, is_correct, responded_at)
     SELECT u::${idType}, i::${idType}, c, t FROM unnest($1::text[], $2::text[], $3::boolean[], $4::timestamptz[]) AS x(u, i, c, t)`,
    [
      answers.map((x) => idOf(idType, x.user, 'u')),
      answers.map((x) => idOf(idType, x.item, 'q')),
      answers.map((x) => x.correct),
      answers.map((x) => new Date(now - x.daysAgo * 86_400_000).toISOString()),
    ],
  );
}

/** exam_results with result_json stored in a column of type `jsonType` (text allows broken JSON). */
export async function createExamResults(db: Db, jsonType: 'jsonb' | 'text' = 'jsonb'): Promise<void> {
  await db.query(`CREATE TABLE exam_results (id bigserial PRIMARY KEY, user_id text, session_id text, exam_id integer,
    result_json ${jsonType}, created_at timestamptz DEFAULT now(), updated_at timestamptz)`);
}

export async function insertExamResult(
  db: Db,
  row: {
    user: string | null;
    session: string;
    exam?: number;
    json: string;
    daysAgo?: number;
    updatedDaysAgo?: number | null;
  },
): Promise<void> {
  const now = Date.now();
  const created = new Date(now - (row.daysAgo ?? 1) * 86_400_000).toISOString();
  const updated =
    row.updatedDaysAgo == null ? null : new Date(now - row.updatedDaysAgo * 86_400_000).toISOString();
  await db.query(
    `INSERT INTO exam_results (user_id, session_id, exam_id, result_json, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [row.user, row.session, row.exam ?? null, row.json, created, updated],
  );
}

export async function createQuestions(
  db: Db,
  idType: IdType,
  items: readonly { id: number; topic: number }[],
): Promise<void> {
  await db.query(
    `CREATE TABLE question (id ${idType} PRIMARY KEY, topic_id integer, meta jsonb, updated_at timestamptz)`,
  );
  await db.query(
    `INSERT INTO question (id, topic_id, meta) SELECT i::${idType}, t, '{"difficulty": "mid"}'::jsonb FROM unnest($1::text[], $2::int[]) AS x(i, t)`,
    [items.map((x) => idOf(idType, x.id, 'q')), items.map((x) => x.topic)],
  );
}
