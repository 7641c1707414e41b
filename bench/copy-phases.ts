/**
 * Where the job's extraction time goes (issue 14, item 1), on PostgreSQL with the 10M answers of
 * bench/job.ts behind the `attempt` VIEW, in CPU seconds of this process and of the server
 * backend (walls on a shared machine measure the neighbours too):
 *   - the COPY with every column cast to text (as before issue 14) and as the extraction selects
 *     it now (data/source-columns.ts), both read by our reader on pg's socket (data/copy-out.ts,
 *     what Db.streamRows uses) with the rows dropped: the server column is the server's side;
 *   - the same COPY read by pg-copy-streams feeding CopyTextParser.push (the reader before);
 *   - the scan and filter alone (count(*)), the server's floor;
 *   - the whole extraction: extractObservations into a ResponseBuilder, and build().
 *
 *   node --import tsx bench/copy-phases.ts [users]      (npm run bench -- copy-phases)
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CopyTextParser, type FieldKind } from '../src/data/copy-text.js';
import type { Db } from '../src/data/db.js';
import { type ExtractOptions, extractObservations } from '../src/data/extract.js';
import { ResponseBuilder } from '../src/engine/responses.js';
import {
  type AnswerSpec,
  answerCount,
  backendPid,
  PG_ANSWERS,
  pgAttemptDb,
  showTiming,
  timeMin,
} from './bench-db.js';

const REPS = Number(process.env.MIRT_BENCH_REPS ?? 2);
const OPTS: ExtractOptions = { lookbackDays: 30, topicId: null, subjectId: null, maxObs: null };
const QUIET = { info: () => {}, warn: () => {} };
/** The attempt VIEW's columns as extract.ts selected them before issue 14: every one cast to text. */
const CAST_ALL =
  "a.student_id::text, a.item_id::text, a.correct::text, round(date_part('epoch', a.completed_at) * 1000)::bigint::text";

/** The SELECT, column kinds and settings extractObservations streams, captured from a run of it. */
async function extractionQuery(db: Db) {
  let seen: { select: string; kinds: readonly FieldKind[]; settings: Record<string, string> } | null = null;
  const spy = new Proxy(db, {
    get(target, key) {
      if (key === 'streamRows')
        return (select: string, kinds: readonly FieldKind[], settings: Record<string, string>) => {
          seen = { select, kinds, settings };
          return Promise.resolve(0);
        };
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  await extractObservations(spy, new ResponseBuilder(), OPTS, QUIET);
  if (seen === null) throw new Error('extraction streamed nothing');
  return seen as { select: string; kinds: readonly FieldKind[]; settings: Record<string, string> };
}

export async function benchCopyPhases(s: AnswerSpec = PG_ANSWERS): Promise<void> {
  const b = await pgAttemptDb(s);
  const client = new pg.Client({ connectionString: b.url });
  await client.connect();
  try {
    const { select, kinds, settings } = await extractionQuery(b.db);
    const pid = await backendPid(b.db);
    const clientPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    // The session's settings, for the statements run outside the extraction's own transaction.
    for (const [k, v] of Object.entries(settings)) {
      await b.db.query('SELECT set_config($1, $2, false)', [k, v]);
      await client.query('SELECT set_config($1, $2, false)', [k, v]);
    }
    const step = async (label: string, fn: () => Promise<unknown>, serverPid = pid) => {
      const [t] = await timeMin(REPS, fn, serverPid);
      console.log(`  ${label}: ${showTiming(t)}`);
    };
    console.log(
      `== extraction phases: ${answerCount(s)} answers behind the attempt VIEW (PostgreSQL), min of ${REPS}`,
    );
    const before = select.replace(/^SELECT [\s\S]*?\n/, `SELECT ${CAST_ALL}\n`);
    if (before === select) throw new Error(`unexpected SELECT shape: ${select}`);
    // The server's side is its backend's CPU while it formats and sends the rows (read here by
    // the cheapest client, our socket reader with rows dropped): no superuser or server file needed.
    await step('every column ::text (before), own socket reader, rows dropped', () =>
      b.db.streamRows(before, kinds, settings, () => {}),
    );
    await step('as extracted now, own socket reader (Db.streamRows), rows dropped', () =>
      b.db.streamRows(select, kinds, settings, () => {}),
    );
    await step("the server's scan and filter alone, count(*)", () =>
      b.db.query(select.replace(/^SELECT [\s\S]*?\n/, 'SELECT count(*)\n')),
    );
    await step(
      'as extracted now, pg-copy-streams -> CopyTextParser.push, rows dropped',
      async () => {
        const p = new CopyTextParser(kinds, () => {});
        for await (const c of client.query(copyTo(`COPY (${select}) TO STDOUT`))) p.push(c as Buffer);
        p.end();
      },
      clientPid,
    );
    await step('the whole extraction: extractObservations into a ResponseBuilder + build()', async () => {
      const r = new ResponseBuilder();
      await extractObservations(b.db, r, OPTS, QUIET);
      return r.build().nObs;
    });
  } finally {
    await client.end();
    await b.close();
  }
}

export const SECTIONS = { 'copy-phases': benchCopyPhases };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const users = Number(process.argv[2] ?? PG_ANSWERS.users);
  await benchCopyPhases({ ...PG_ANSWERS, users });
}
