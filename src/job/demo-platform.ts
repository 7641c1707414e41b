/**
 * A realistic simulated learning platform for the demo, written into any Db: a `question` bank
 * with topics, an `attempt_log` of timed attempts grouped in sessions, and the `attempt` VIEW the
 * job reads. Answers follow a 2PL truth (kept in question.meta->'truth' so the demo can show
 * recovery), with what real platforms have: ids of uuid type, abandoned answers (NULL
 * correctness), retries of the same question, and attempts older than the lookback window.
 * Deterministic for a given seed.
 */

import type { Db } from '../data/db.js';
import { normalDraw, seededRandom } from '../engine/simulate.js';

export interface PlatformSpec {
  readonly students: number;
  readonly questions: number;
  readonly days: number;
  readonly seed: number;
}

export interface PlatformStats {
  readonly attempts: number;
  readonly inWindow: number;
}

/** Student k's uuid (deterministic). */
export function studentUuid(k: number): string {
  const h = (k * 2654435761) >>> 0;
  return `${h.toString(16).padStart(8, '0')}-0000-4000-8000-${k.toString(16).padStart(12, '0')}`;
}

export async function createPlatform(db: Db, spec: PlatformSpec, now = new Date()): Promise<PlatformStats> {
  const rand = seededRandom(spec.seed);
  await db.query(`CREATE TABLE question (
    id integer PRIMARY KEY, topic_id integer NOT NULL, stem text NOT NULL, meta jsonb, updated_at timestamptz)`);
  await db.query(`CREATE TABLE attempt_log (
    id bigserial PRIMARY KEY, student_id uuid NOT NULL, question_id integer NOT NULL REFERENCES question(id),
    session_id text NOT NULL, is_correct boolean, started_at timestamptz NOT NULL, completed_at timestamptz NOT NULL)`);
  await db.query(`CREATE VIEW attempt AS
    SELECT l.student_id, l.question_id AS item_id, l.is_correct AS correct, l.completed_at, q.topic_id, l.session_id
      FROM attempt_log l JOIN question q ON q.id = l.question_id`);

  const nQ = spec.questions;
  const a = new Float64Array(nQ);
  const b = new Float64Array(nQ);
  const qId: number[] = [];
  const qTopic: number[] = [];
  const qStem: string[] = [];
  const qMeta: string[] = [];
  for (let j = 0; j < nQ; j++) {
    a[j] = Math.exp(0.3 * normalDraw(rand));
    b[j] = normalDraw(rand);
    qId.push(1001 + j);
    qTopic.push(1 + (j % 6));
    qStem.push(`Question ${1001 + j}`);
    qMeta.push(JSON.stringify({ truth: { a: round(a[j]), b: round(b[j]) } }));
  }
  await db.transaction((tx) =>
    tx.bulkInsert('question', [
      { name: 'id', type: 'integer', values: qId },
      { name: 'topic_id', type: 'integer', values: qTopic },
      { name: 'stem', type: 'text', values: qStem },
      { name: 'meta', type: 'jsonb', values: qMeta },
    ]),
  );

  const student: string[] = [];
  const question: number[] = [];
  const session: string[] = [];
  const correct: (string | null)[] = [];
  const started: string[] = [];
  const completed: string[] = [];
  const day = 86_400_000;
  const windowStart = now.getTime() - spec.days * day;
  let inWindow = 0;
  for (let s = 0; s < spec.students; s++) {
    const theta = normalDraw(rand);
    const uuid = studentUuid(s + 1);
    const sessions = 2 + Math.floor(rand() * 5);
    for (let k = 0; k < sessions; k++) {
      // A few sessions fall before the lookback window: the job must leave them out.
      const t0 = now.getTime() - rand() * (spec.days + 10) * day;
      const sid = `s-${s + 1}-${k + 1}`;
      const n = 5 + Math.floor(rand() * 11);
      for (let i = 0; i < n; i++) {
        const j = Math.floor(rand() * nQ);
        const p = 1 / (1 + Math.exp(-a[j] * (theta - b[j])));
        const tries = rand() < 0.03 ? 2 : 1; // retries: the job keeps the first attempt
        for (let r = 0; r < tries; r++) {
          const t = t0 + (i * 90 + r * 30) * 1000;
          student.push(uuid);
          question.push(qId[j]);
          session.push(sid);
          correct.push(rand() < 0.005 ? null : rand() < p ? 't' : 'f'); // abandoned answers: NULL
          started.push(new Date(t - 60_000).toISOString());
          completed.push(new Date(t).toISOString());
          if (t >= windowStart) inWindow++;
        }
      }
    }
  }
  await db.transaction((tx) =>
    tx.bulkInsert('attempt_log', [
      { name: 'student_id', type: 'uuid', values: student },
      { name: 'question_id', type: 'integer', values: question },
      { name: 'session_id', type: 'text', values: session },
      { name: 'is_correct', type: 'boolean', values: correct },
      { name: 'started_at', type: 'timestamptz', values: started },
      { name: 'completed_at', type: 'timestamptz', values: completed },
    ]),
  );
  return { attempts: student.length, inWindow };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
