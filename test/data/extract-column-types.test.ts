/**
 * Every column type a source may have, read by the extraction on PostgreSQL and PGlite: the
 * values handed to the sink are what the job means by them, whether the column is sent in
 * COPY's own text form (boolean `t`/`f`, integers, numeric, text, varchar, uuid) or cast to text
 * on the server (character(n), whose blanks the cast strips). A recording sink keeps each row
 * exactly as extraction offers it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ExtractOptions, extractObservations } from '../../src/data/extract.js';
import type { ObservationSink, SourceCorrect, SourceIds } from '../../src/data/observation-sink.js';
import { BACKENDS, useBackend } from '../helpers/backends.js';

type Row = [string | null, string | null, SourceCorrect, number | undefined];

class RecordingSink implements ObservationSink {
  readonly rows: Row[] = [];
  readonly rejected: string[] = [];
  private users: SourceIds | null = null;
  private items: SourceIds | null = null;
  get size(): number {
    return this.rows.length + this.rejected.length;
  }
  add(u: string | null, i: string | null, c: SourceCorrect, t?: number): void {
    this.rows.push([u, i, c, t]);
  }
  useIdTables(users: SourceIds, items: SourceIds): void {
    this.users = users;
    this.items = items;
  }
  /** Recorded as the ids' text, looked up in the tables the reader numbered them by. */
  addIndexed(u: number, i: number, c: SourceCorrect, t?: number): void {
    const text = (ids: SourceIds | null, k: number) => (k < 0 ? null : (ids as SourceIds).ids[k]);
    this.add(text(this.users, u), text(this.items, i), c, t);
  }
  reject(reason: string): void {
    this.rejected.push(reason);
  }
}

const NOW = new Date('2026-11-30T00:00:00Z');
const base: ExtractOptions = { lookbackDays: 30, now: NOW, topicId: null, subjectId: null, maxObs: null };
const log = { info: () => {}, warn: () => {} };
const T1 = Date.UTC(2026, 10, 20, 10, 0, 0, 123);
const T2 = Date.UTC(2026, 10, 21, 23, 59, 59, 999);

/** Id columns of one type: [type, the two SQL literals, the text the job must see]. */
const ID_TYPES: [string, [string, string], [string, string]][] = [
  ['text', ["'u 1'", "'é✓\\x'"], ['u 1', 'é✓\\x']],
  ['varchar(20)', ["'v1'", "'tab\tin'"], ['v1', 'tab\tin']],
  ['character(8)', ["'c1'", "'c22'"], ['c1', 'c22']],
  [
    'uuid',
    ["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'{b0eebc999c0b4ef8bb6d6bb9bd380a12}'"],
    ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'],
  ],
  ['smallint', ['-7', '32767'], ['-7', '32767']],
  ['integer', ['0', '2147483647'], ['0', '2147483647']],
  // Above 2^53: an id must stay its digits, not become the nearest double.
  ['bigint', ['9007199254740993', '-9223372036854775808'], ['9007199254740993', '-9223372036854775808']],
  ['numeric', ['12.50', '7'], ['12.50', '7']],
];

/** Correctness columns of one type: [type, two SQL literals, what the sink must receive]. */
const CORRECT_TYPES: [string, [string, string], [SourceCorrect, SourceCorrect]][] = [
  ['boolean', ['true', 'false'], [1, 0]],
  ['smallint', ['1', '0'], [1, 0]],
  ['integer', ['1', '0'], [1, 0]],
  ['bigint', ['0', '1'], [0, 1]],
  ['numeric', ['1', '0'], [1, 0]],
  ['text', ["'true'", "'F'"], [1, 0]],
  // Not a correctness: handed on as its text, for the builder to count as invalid (as before).
  ['numeric', ['1.0', 'NULL'], ['1.0', null]],
  ['text', ["'yes'", "'t'"], ['yes', 1]],
];

for (const { name, setup } of BACKENDS) {
  describe(`extraction of every source column type (${name})`, () => {
    const ctx = useBackend(setup);

    async function read(
      idType: string,
      ids: [string, string],
      correctType: string,
      correct: [string, string],
      ts: string,
    ) {
      const db = ctx.fx!.db;
      await db.query(
        `CREATE TABLE attempt (student_id ${idType}, item_id ${idType}, correct ${correctType}, completed_at ${ts})`,
      );
      await db.query(
        `INSERT INTO attempt VALUES (${ids[0]}, ${ids[1]}, ${correct[0]}, '2026-11-20 10:00:00.123+00'),
                                    (${ids[1]}, ${ids[0]}, ${correct[1]}, '2026-11-21 23:59:59.999+00')`,
      );
      const sink = new RecordingSink();
      const ex = await extractObservations(db, sink, base, log);
      assert.equal(ex.rows, 2);
      return sink.rows.sort((a, b) => (a[3] as number) - (b[3] as number));
    }

    for (const [type, literals, text] of ID_TYPES) {
      it(`${type} ids arrive as the text the column prints`, async (t) => {
        if (!ctx.fx) return t.skip(ctx.skip);
        await ctx.fx.db.query("SET TIME ZONE 'UTC'");
        const rows = await read(type, literals, 'boolean', ['true', 'false'], 'timestamptz');
        assert.deepEqual(rows, [
          [text[0], text[1], 1, T1],
          [text[1], text[0], 0, T2],
        ]);
      });
    }

    for (const [type, literals, want] of CORRECT_TYPES) {
      it(`${type} correctness ${literals.join('/')} arrives as ${want.join('/')}`, async (t) => {
        if (!ctx.fx) return t.skip(ctx.skip);
        const rows = await read('text', ["'u1'", "'u2'"], type, literals, 'timestamptz');
        assert.deepEqual(
          rows.map((r) => r[2]),
          want,
        );
      });
    }

    it('timestamp without time zone arrives as the same epoch milliseconds (read as UTC)', async (t) => {
      if (!ctx.fx) return t.skip(ctx.skip);
      await ctx.fx.db.query("SET TIME ZONE 'UTC'");
      const rows = await read('text', ["'u1'", "'u2'"], 'boolean', ['true', 'false'], 'timestamp');
      assert.deepEqual(
        rows.map((r) => r[3]),
        [T1, T2],
      );
    });
  });
}
