/**
 * One rule for degenerate data (docs/nightly-job.md, "Outcomes"), through the job on PGlite with
 * the real engine and through `fit` (the built bin):
 * - nothing in the window: `No observations found; exiting.`, exit 0 (normal);
 * - answers in the window but nothing estimable (items without information, NULL answers): one
 *   `[ERROR] nothing to calibrate: ...` line, exit 1, nothing written; perfectly separated answers
 *   are not that: their slopes are held by the fallback prior, written and flagged;
 * - estimates the data cannot identify (each user answered one item): written, with a [WARN], a
 *   `not_identified` mark in the metrics and on the summary line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import { runJob } from '../../src/job/run-job.js';
import { setupPglite, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { type Answer, createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';
import { repoRoot } from '../helpers/reference.js';

/** 300 users, each answering exactly one of 5 items (the 2PL slopes are not identified). */
function oneAnswerEach(): Answer[] {
  return Array.from({ length: 300 }, (_, u) => ({
    user: u + 1,
    item: 1 + (u % 5),
    // Item j: 3 + j of every 10 of its users right (a deterministic spread of difficulties).
    correct: Math.floor(u / 5) % 10 < 3 + (u % 5),
    daysAgo: 1,
  }));
}

/** Two users, one right on both items, one wrong on both: perfect separation, no finite slope. */
const SEPARATED: Answer[] = [
  { user: 1, item: 1, correct: true, daysAgo: 1 },
  { user: 1, item: 2, correct: true, daysAgo: 1 },
  { user: 2, item: 1, correct: false, daysAgo: 1 },
  { user: 2, item: 2, correct: false, daysAgo: 1 },
];
const ALL_RIGHT: Answer[] = SEPARATED.map((a) => ({ ...a, correct: true }));
const ALL_NULL: Answer[] = SEPARATED.map((a) => ({ ...a, correct: null }));

describe('degenerate data: the job (pglite)', () => {
  const ctx = useBackend(setupPglite);

  const job = async () => {
    const io = captureIo();
    const o = await runJob(jobConfig(), {
      io,
      calibrator: new LocalCalibrator(),
      openDb: () => ctx.fx!.openForJob(),
    });
    return { o, io };
  };
  const run = async (answers: Answer[]) => {
    await createAttemptView(ctx.fx!.db, 'integer');
    await insertAttempts(ctx.fx!.db, 'integer', answers);
    return job();
  };
  const runs = async () =>
    (await ctx.fx!.db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_fit_meta'))[0].n;

  it('an empty window is normal: "No observations found; exiting.", exit 0', async () => {
    const { o, io } = await run([{ user: 1, item: 1, correct: true, daysAgo: 90 }]);
    assert.equal(o.exitCode, 0);
    assert.equal(o.status, 'no-data');
    assert.deepEqual(io.errors, []);
    assert.equal(io.lines.at(-1), 'No observations found; exiting.');
  });

  for (const [what, answers, why] of [
    [
      'items everyone got right',
      ALL_RIGHT,
      /^\[ERROR\] nothing to calibrate: 4 rows read in the window but no usable observations \(2 item\(s\) excluded as not estimable\)\. Nothing was written; the previous results are unchanged\. Check /,
    ],
    [
      'NULL correctness only',
      ALL_NULL,
      /^\[ERROR\] nothing to calibrate: 4 rows read in the window but no usable observations\. Nothing was written; /,
    ],
  ] as const) {
    it(`answers but nothing estimable (${what}): one [ERROR] line, exit 1, previous results kept`, async () => {
      // A good run first: its results must survive the degenerate one.
      const good = await run(simulate(30, 6, 4, 3));
      assert.equal(good.o.exitCode, 0, good.io.errors.join('\n'));
      await ctx.fx!.db.query('DELETE FROM attempt_log');
      await insertAttempts(ctx.fx!.db, 'integer', answers);
      const { o, io } = await job();
      assert.equal(o.exitCode, 1);
      assert.equal(o.status, 'not-estimable');
      assert.equal(io.errors.length, 1, io.errors.join('\n'));
      assert.match(io.errors[0], why);
      assert.ok(!io.lines.includes('No observations found; exiting.'));
      assert.equal(await runs(), 1);
    });
  }

  it('perfectly separated answers: written, the slopes held by the fallback prior and flagged, never left out', async () => {
    const { o, io } = await run(SEPARATED);
    assert.equal(o.exitCode, 0, io.errors.join('\n'));
    assert.ok(io.lines.includes('[WARN] 2 item(s) flagged slope_held: 1, 2'), io.lines.join('\n'));
    const rows = await ctx.fx!.db.query<{ item_id: string; a: number; flags: string[] }>(
      "SELECT item_id, (params->>'a')::float8 AS a, flags FROM mirt_item_params_history ORDER BY item_id",
    );
    assert.deepEqual(
      rows.map((r) => r.item_id),
      ['1', '2'],
    );
    for (const r of rows) assert.ok(r.a > 0 && r.a < 50 && r.flags.includes('slope_held'), JSON.stringify(r));
  });

  it('one answer per user: written, with a [WARN] and a not_identified mark, never silent', async () => {
    const { o, io } = await run(oneAnswerEach());
    assert.equal(o.exitCode, 0, io.errors.join('\n'));
    const warn = io.lines.find((l) => l.includes('not identified'));
    assert.match(
      warn ?? '',
      /^\[WARN\] 5 item\(s\) not identified \(every user who answered these items answered no other item: .*\); written, but their parameters are not estimates: 1, 2, 3, 4, 5$/,
    );
    assert.match(io.lines.at(-1)!, / converged=true cycles=\d+ flagged=\d+ not_identified=5 /);
    const [m] = await ctx.fx!.db.query<{ ni: string }>(
      "SELECT metrics->'not_identified' AS ni FROM mirt_fit_meta",
    );
    const ni = (typeof m.ni === 'string' ? JSON.parse(m.ni) : m.ni) as { items: string[] };
    assert.deepEqual(ni.items, ['1', '2', '3', '4', '5']);
  });

  it('identified data carry no mark', async () => {
    const { o, io } = await run(simulate(40, 6, 4, 5));
    assert.equal(o.exitCode, 0);
    assert.ok(!io.lines.some((l) => l.includes('not identified')));
    assert.doesNotMatch(io.lines.at(-1)!, /not_identified/);
  });
});

describe('degenerate data: fit', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const bin = path.join(repoRoot, pkg.bin['mirt-calibrate']);
  const dir = mkdtempSync(path.join(tmpdir(), 'fit-degenerate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const csv = (name: string, answers: Answer[]) => {
    const file = path.join(dir, `${name}.csv`);
    const cell = (c: boolean | null) => (c === null ? '' : c ? '1' : '0');
    writeFileSync(
      file,
      `user_id,item_id,is_correct\n${answers.map((a) => `u${a.user},q${a.item},${cell(a.correct)}`).join('\n')}\n`,
    );
    return file;
  };
  const fit = (file: string) =>
    spawnSync(process.execPath, [bin, 'fit', '--input', file], { encoding: 'utf8' });

  it('nothing estimable, whatever removed it: one [ERROR] line, exit 1', () => {
    for (const [name, answers] of [
      ['all-right', ALL_RIGHT],
      ['all-null', ALL_NULL],
    ] as const) {
      const r = fit(csv(name, answers));
      assert.equal(r.status, 1, `${name}: ${r.stderr}`);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('[ERROR]'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0], /no usable observations/);
      assert.equal(r.stdout, '');
    }
  });

  it('one answer per user: the result marks the items not identified', () => {
    const r = fit(csv('one-each', oneAnswerEach()));
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.deepEqual(res.fit_meta.metrics.not_identified.items, ['q1', 'q2', 'q3', 'q4', 'q5']);
  });
});
