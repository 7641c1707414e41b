/**
 * The extraction chain against PostgreSQL and PGlite: each source, the fallbacks with their exact
 * log lines, integer/uuid/text ids, the filters, the lookback window, MIRT_MAX_OBS, bad rows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ExtractOptions, extractObservations, NoSourceError } from '../../src/data/extract.js';
import { ResponseBuilder } from '../../src/engine/responses.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';
import {
  type Answer,
  createAttemptView,
  createExamResults,
  createQuestions,
  createResponses,
  idOf,
  insertAttempts,
  insertExamResult,
  simulate,
} from '../helpers/platform.js';

const base: ExtractOptions = { lookbackDays: 30, topicId: null, subjectId: null, maxObs: null };

function logger() {
  const lines: string[] = [];
  return { lines, log: { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) } };
}

for (const { name, setup } of BACKENDS) {
  describe(`extraction chain (${name})`, () => {
    const ctx = useBackend(setup);

    for (const idType of ['integer', 'uuid', 'text'] as const) {
      it(`reads the attempt VIEW with ${idType} ids as text`, async (t) => {
        if (!ctx.fx) return t.skip(ctx.skip);
        const answers = simulate(40, 12, 6, 1);
        await createAttemptView(ctx.fx.db, idType);
        await insertAttempts(ctx.fx.db, idType, answers);
        const b = new ResponseBuilder();
        const { lines, log } = logger();
        const ex = await extractObservations(ctx.fx.db, b, base, log);
        assert.deepEqual(lines, [`[INFO] Loaded ${answers.length} observations from attempt VIEW`]);
        assert.equal(ex.source, 'attempt VIEW');
        const data = b.build();
        assert.equal(data.hygiene.rowsRead, answers.length);
        // Items everyone got right (or wrong) are excluded by the engine's hygiene, not lost.
        assert.equal(data.nObs + data.hygiene.dropped.excludedItem, answers.length);
        assert.ok(data.userIds.includes(idOf(idType, 1, 'u')), `user ids are the ${idType} ids as text`);
        // Every kept answer arrives with its correctness.
        const kept = new Set(data.itemIds);
        const want = answers.filter((a) => a.correct && kept.has(idOf(idType, a.item, 'q'))).length;
        let got = 0;
        for (let k = 0; k < data.nObs; k++) got += data.userResp[k];
        assert.equal(got, want);
      });
    }

    it('falls back to the responses table with the exact log lines', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const answers = simulate(30, 10, 5, 2);
      await createResponses(ctx.fx.db, 'integer', answers);
      const b = new ResponseBuilder();
      const { lines, log } = logger();
      const ex = await extractObservations(ctx.fx.db, b, base, log);
      assert.deepEqual(lines, [
        '[WARN] attempt VIEW not available: relation "attempt" does not exist; trying fallback...',
        `[INFO] Loaded ${answers.length} observations from responses table`,
      ]);
      assert.equal(ex.source, 'responses table');
      assert.equal(b.build().nObs, answers.length);
    });

    it('falls back to exam_results JSON and counts unparsable documents, NULLs and duplicates', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createExamResults(ctx.fx.db, 'text');
      await insertExamResult(ctx.fx.db, {
        user: 'u1',
        session: 's1',
        json: JSON.stringify({
          questions: [
            { question_id: 1, is_correct: true },
            { question_id: 2, correct: 0 },
            { question_id: 3, is_correct: null },
          ],
        }),
      });
      await insertExamResult(ctx.fx.db, {
        user: 'u2',
        session: 's2',
        json: JSON.stringify({
          questions: [
            { question_id: 1, is_correct: false },
            { question_id: 2, is_correct: true },
            { question_id: null, is_correct: true },
            { question_id: 2, is_correct: false },
          ],
        }),
      });
      await insertExamResult(ctx.fx.db, {
        user: 'u3',
        session: 's3',
        json: '{"questions": [ {"question_id": 1, ',
      });
      await insertExamResult(ctx.fx.db, { user: 'u4', session: 's4', json: '{"answers": []}' });
      await insertExamResult(ctx.fx.db, {
        user: null,
        session: 's5',
        json: JSON.stringify({ questions: [{ question_id: 1, is_correct: true }] }),
      });
      // Outside the 30-day window (updated_at wins over created_at when present).
      await insertExamResult(ctx.fx.db, {
        user: 'u6',
        session: 's6',
        daysAgo: 40,
        json: JSON.stringify({ questions: [{ question_id: 1, is_correct: true }] }),
      });
      await insertExamResult(ctx.fx.db, {
        user: 'u7',
        session: 's7',
        daysAgo: 40,
        updatedDaysAgo: 2,
        json: JSON.stringify({
          questions: [
            { question_id: 1, is_correct: false },
            { question_id: 2, is_correct: true },
          ],
        }),
      });
      const b = new ResponseBuilder();
      const { lines, log } = logger();
      const ex = await extractObservations(ctx.fx.db, b, base, log);
      assert.deepEqual(lines, [
        '[WARN] attempt VIEW not available: relation "attempt" does not exist; trying fallback...',
        '[WARN] responses table not available: relation "responses" does not exist; trying exam_results...',
        '[INFO] Loaded 10 observations from exam_results JSON',
      ]);
      assert.equal(ex.source, 'exam_results JSON');
      const data = b.build();
      const h = data.hygiene;
      assert.equal(h.rowsRead, 12); // 10 question entries + 2 rejected documents
      assert.deepEqual(h.dropped.rejected, { unparsable_result_json: 1, result_json_without_questions: 1 });
      assert.equal(h.dropped.nullCorrect, 1);
      assert.equal(h.dropped.missingId, 2); // NULL question_id, NULL user_id
      assert.equal(h.dropped.duplicate, 1);
      assert.equal(data.nObs, 6); // u1:1,2  u2:1,2  u7:1,2
      assert.ok(!data.userIds.includes('u6'));
    });

    it('reports every source when none exists', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const { log } = logger();
      await assert.rejects(extractObservations(ctx.fx.db, new ResponseBuilder(), base, log), (e: unknown) => {
        assert.ok(e instanceof NoSourceError);
        assert.equal(e.reasons.length, 3);
        return true;
      });
    });

    it('falls through a source that lacks a column, naming it', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query('CREATE TABLE attempt (student_id int, item_id int, completed_at timestamptz)');
      await createResponses(ctx.fx.db, 'text', simulate(5, 4, 2, 3));
      const { lines, log } = logger();
      await extractObservations(ctx.fx.db, new ResponseBuilder(), base, log);
      assert.equal(
        lines[0],
        '[WARN] attempt VIEW not available: column attempt.correct does not exist; trying fallback...',
      );
    });

    it('applies the lookback window', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const answers: Answer[] = [
        { user: 1, item: 1, correct: true, daysAgo: 1 },
        { user: 1, item: 2, correct: false, daysAgo: 9 },
        { user: 2, item: 1, correct: false, daysAgo: 11 },
        { user: 2, item: 2, correct: true, daysAgo: 45 },
      ];
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', answers);
      for (const [days, n] of [
        [10, 2],
        [30, 3],
        [60, 4],
      ] as const) {
        const b = new ResponseBuilder();
        const ex = await extractObservations(ctx.fx.db, b, { ...base, lookbackDays: days }, logger().log);
        assert.equal(ex.rows, n, `lookback ${days} days`);
      }
    });

    it('MIRT_MAX_OBS keeps the most recent observations', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const answers: Answer[] = [];
      for (let i = 1; i <= 10; i++) answers.push({ user: i, item: 1, correct: i % 2 === 0, daysAgo: i });
      await createAttemptView(ctx.fx.db, 'integer');
      await insertAttempts(ctx.fx.db, 'integer', answers);
      const b = new ResponseBuilder();
      const ex = await extractObservations(ctx.fx.db, b, { ...base, maxObs: 4 }, logger().log);
      assert.equal(ex.rows, 4);
      const users = [...b.build().userIds].sort();
      assert.deepEqual(users, ['1', '2', '3', '4']);
    });

    it('MIRT_MAX_OBS on exam_results keeps the newest documents', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createExamResults(ctx.fx.db, 'jsonb');
      for (let d = 1; d <= 4; d++) {
        await insertExamResult(ctx.fx.db, {
          user: `u${d}`,
          session: `s${d}`,
          daysAgo: d,
          json: JSON.stringify({
            questions: [
              { question_id: 1, is_correct: d % 2 === 0 },
              { question_id: 2, is_correct: d % 2 === 1 },
            ],
          }),
        });
      }
      const b = new ResponseBuilder();
      const ex = await extractObservations(ctx.fx.db, b, { ...base, maxObs: 3 }, logger().log);
      assert.equal(ex.rows, 3);
      assert.deepEqual([...b.build().userIds].sort(), ['u1', 'u2']);
    });

    it('filters by topic through attempt.topic_id or question.topic_id', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      // Items 1-4 are topic 7 in the question table; attempts on item 5 carry topic_id 7 themselves.
      await createQuestions(
        ctx.fx.db,
        'integer',
        [1, 2, 3, 4, 5, 6].map((id) => ({ id, topic: id <= 4 ? 7 : 8 })),
      );
      await createAttemptView(ctx.fx.db, 'integer');
      const answers: Answer[] = [];
      for (let u = 1; u <= 5; u++)
        for (let i = 1; i <= 6; i++)
          answers.push({ user: u, item: i, correct: (u + i) % 2 === 0, daysAgo: 1 });
      await insertAttempts(ctx.fx.db, 'integer', answers, { topic: (a) => (a.item === 5 ? 7 : null) });
      const b = new ResponseBuilder();
      const { lines, log } = logger();
      const ex = await extractObservations(ctx.fx.db, b, { ...base, topicId: '7' }, log);
      assert.equal(lines[0], '[INFO] Filtering by topic_id=7 (topic-specific calibration bank)');
      assert.equal(ex.rows, 25);
      assert.deepEqual([...b.build().itemIds].sort(), ['1', '2', '3', '4', '5']);
    });

    it('filters by subject through exam_results.exam_id of the session', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createExamResults(ctx.fx.db, 'jsonb');
      await insertExamResult(ctx.fx.db, { user: 'x', session: 'sA', exam: 3, json: '{"questions": []}' });
      await insertExamResult(ctx.fx.db, { user: 'x', session: 'sB', exam: 4, json: '{"questions": []}' });
      await createAttemptView(ctx.fx.db, 'text');
      const answers: Answer[] = [];
      for (let u = 1; u <= 4; u++)
        for (let i = 1; i <= 3; i++)
          answers.push({ user: u, item: i, correct: (u * i) % 2 === 0, daysAgo: 1 });
      await insertAttempts(ctx.fx.db, 'text', answers, { session: (a) => (a.user <= 2 ? 'sA' : 'sB') });
      const b = new ResponseBuilder();
      const ex = await extractObservations(ctx.fx.db, b, { ...base, subjectId: '3' }, logger().log);
      assert.equal(ex.rows, 6);
      assert.deepEqual([...b.build().userIds].sort(), ['u1', 'u2']);
    });

    it('filters exam_results questions by topic through the question table', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createQuestions(
        ctx.fx.db,
        'integer',
        [1, 2, 3].map((id) => ({ id, topic: id === 3 ? 9 : 7 })),
      );
      await createExamResults(ctx.fx.db, 'jsonb');
      for (const u of ['a', 'b']) {
        const questions = [1, 2, 3].map((q) => ({ question_id: q, is_correct: (q + u.length) % 2 === 0 }));
        await insertExamResult(ctx.fx.db, {
          user: u,
          session: `s-${u}`,
          json: JSON.stringify({ questions }),
        });
      }
      const b = new ResponseBuilder();
      const ex = await extractObservations(ctx.fx.db, b, { ...base, topicId: '7' }, logger().log);
      assert.equal(ex.source, 'exam_results JSON');
      assert.equal(ex.rows, 4);
      assert.equal(b.size, 4);
    });

    it('counts NULL correctness, NULL ids and duplicates from the VIEW without failing', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await createAttemptView(ctx.fx.db, 'integer');
      const answers: Answer[] = [
        { user: 1, item: 1, correct: true, daysAgo: 3 },
        { user: 1, item: 1, correct: false, daysAgo: 1 }, // later duplicate: the first attempt is kept
        { user: 1, item: 2, correct: null, daysAgo: 1 },
        { user: -1, item: 2, correct: true, daysAgo: 1 },
        { user: 2, item: -1, correct: true, daysAgo: 1 },
        { user: 2, item: 1, correct: false, daysAgo: 1 },
        { user: 2, item: 2, correct: true, daysAgo: 1 },
        { user: 3, item: 2, correct: false, daysAgo: 1 },
      ];
      await insertAttempts(ctx.fx.db, 'integer', answers);
      const b = new ResponseBuilder();
      const ex = await extractObservations(ctx.fx.db, b, base, logger().log);
      assert.equal(ex.rows, 8);
      const data = b.build();
      assert.equal(data.hygiene.dropped.nullCorrect, 1);
      assert.equal(data.hygiene.dropped.missingId, 2);
      assert.equal(data.hygiene.dropped.duplicate, 1);
      assert.equal(data.nObs, 4);
      const u1 = data.userIds.indexOf('1');
      assert.equal(data.userResp[data.userPtr[u1]], 1, 'first attempt kept');
    });
  });
}
