/**
 * The demo's second night, a month later (issue 12): every stored attempt is aged by 30 days
 * (out of the window), then a month of attempts by new students who are `thetaShift` better on
 * average, on a bank where one question has leaked (`leakShift` easier). Truth from
 * question.meta->'truth' (demo-platform.ts). Deterministic for a given seed.
 */

import type { Db } from '../data/db.js';
import { normalDraw, seededRandom } from '../engine/simulate.js';
import { studentUuid } from './demo-platform.js';

export interface NextMonth {
  readonly students: number;
  /** Added to every new student's true ability. */
  readonly thetaShift: number;
  /** The leaked question: the one with b nearest 0 (enough right and wrong answers to see it). */
  readonly leakShift: number;
  readonly seed: number;
}

export async function addMonthLater(
  db: Db,
  spec: NextMonth,
  now = new Date(),
): Promise<{ attempts: number; leaked: number; trueMean: number }> {
  await db.query(
    "UPDATE attempt_log SET completed_at = completed_at - interval '30 days', started_at = started_at - interval '30 days'",
  );
  const rand = seededRandom(spec.seed);
  const q = (
    await db.query<{ id: number; a: number; b: number }>(
      "SELECT id, (meta->'truth'->>'a')::float8 AS a, (meta->'truth'->>'b')::float8 AS b FROM question ORDER BY id",
    )
  ).map((r) => ({ id: Number(r.id), a: Number(r.a), b: Number(r.b) }));
  const leaked = q.reduce((best, x) => (Math.abs(x.b) < Math.abs(best.b) ? x : best)).id;
  const rows = {
    student: [] as string[],
    question: [] as number[],
    session: [] as string[],
    correct: [] as string[],
    at: [] as string[],
  };
  let sum = 0;
  const day = 86_400_000;
  for (let s = 0; s < spec.students; s++) {
    const theta = spec.thetaShift + normalDraw(rand);
    sum += theta;
    const uuid = studentUuid(1_000_000 + s);
    const sessions = 2 + Math.floor(rand() * 5);
    for (let k = 0; k < sessions; k++) {
      const t0 = now.getTime() - rand() * 29 * day;
      const n = 5 + Math.floor(rand() * 11);
      for (let i = 0; i < n; i++) {
        const it = q[Math.floor(rand() * q.length)];
        const b = it.id === leaked ? it.b - spec.leakShift : it.b;
        const p = 1 / (1 + Math.exp(-it.a * (theta - b)));
        rows.student.push(uuid);
        rows.question.push(it.id);
        rows.session.push(`m2-${s + 1}-${k + 1}`);
        rows.correct.push(rand() < p ? 't' : 'f');
        rows.at.push(new Date(t0 + i * 90_000).toISOString());
      }
    }
  }
  await db.transaction((tx) =>
    tx.bulkInsert('attempt_log', [
      { name: 'student_id', type: 'uuid', values: rows.student },
      { name: 'question_id', type: 'integer', values: rows.question },
      { name: 'session_id', type: 'text', values: rows.session },
      { name: 'is_correct', type: 'boolean', values: rows.correct },
      { name: 'started_at', type: 'timestamptz', values: rows.at },
      { name: 'completed_at', type: 'timestamptz', values: rows.at },
    ]),
  );
  return { attempts: rows.student.length, leaked, trueMean: sum / spec.students };
}
