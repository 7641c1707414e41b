/**
 * Anchors read from question.meta->'irt' (MIRT_ANCHORS=question_meta) with an upper asymptote u:
 * a 4PL run fixes its anchors at the stored u, takes u = 1 (with a warning) where none is stored,
 * and ignores an anchor whose u is not in (c, 1]; a run of a model without u ignores a stored
 * u < 1, with a warning. On PostgreSQL and PGlite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readQuestionAnchors } from '../../src/data/question-anchors.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';

const FOUR_PL = { name: '4PL', hasC: true, hasU: true, slopeFixedAt1: false };
const TWO_PL = { name: '2PL', hasC: false, hasU: false, slopeFixedAt1: false };

for (const { name, setup } of BACKENDS) {
  describe(`question.meta anchors with u (${name})`, () => {
    const ctx = useBackend(setup);

    it('reads u on a 4PL run, u = 1 where none is stored, ignores u outside (c, 1]; ignores u on a 2PL', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      const db = ctx.fx.db;
      await db.query('CREATE TABLE question (id integer PRIMARY KEY, meta jsonb)');
      const rows: [number, unknown][] = [
        [1, { irt: { a: 1.2, b: 0.1, c: 0.2, u: 0.9 }, tags: ['anchor'] }],
        [2, { irt: { a: 0.8, b: -0.5, c: 0.1 }, tags: ['anchor'] }], // no u: a 3PL's row
        [3, { irt: { a: 1, b: 0, c: 0.3, u: 0.25 }, tags: ['anchor'] }], // u below c
        [4, { irt: { a: 1, b: 0, c: 0.1, u: 1.2 }, tags: ['anchor'] }], // u above 1
        [5, { irt: { a: 1.5, b: 1, c: 0, u: '0.95' } }], // untagged: a start value, u as text
      ];
      for (const [id, meta] of rows)
        await db.query('INSERT INTO question (id, meta) VALUES ($1, $2::jsonb)', [id, JSON.stringify(meta)]);

      const four = await readQuestionAnchors(db, FOUR_PL);
      assert.deepEqual(four.fixed.get('1'), { a: 1.2, b: 0.1, c: 0.2, hasC: true, u: 0.9 });
      assert.equal(four.fixed.get('2')?.u, 1);
      assert.deepEqual(
        four.ignored.map((x) => [x.id, x.reason]),
        [
          ['3', 'u outside (c, 1]'],
          ['4', 'u outside (c, 1]'],
        ],
      );
      assert.equal(four.start.get('5')?.u, 0.95);
      assert.ok(
        four.warnings.some((w) => /^1 question\(s\) have no u for the 4PL: u taken as 1 \(2\)$/.test(w)),
        four.warnings.join('\n'),
      );

      const two = await readQuestionAnchors(db, TWO_PL);
      assert.equal(two.fixed.get('1')?.u, 1, 'a 2PL anchor is fixed at u = 1');
      assert.ok(
        two.warnings.some((w) =>
          /question\(s\) carry a u below 1 but the model is 2PL: u ignored \(1, 5\)/.test(w),
        ),
        two.warnings.join('\n'),
      );
    });
  });
}
