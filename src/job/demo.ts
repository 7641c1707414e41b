/**
 * `npm run demo`: a simulated platform in the embedded PGlite database (3,000 students,
 * 150 questions, 30 days of attempts behind an `attempt` VIEW), the real job run on it, the
 * seed's validation queries, and a second night a month later (better students, one leaked
 * question) linked to the first (MIRT_LINK=previous): the theta mean rises, the leaked question
 * is flagged, the linking constants are stored; then the history by version.
 * Usage: node dist/job/demo.js [--keep] (keeps the data folder and prints where it is).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../data/db.js';
import { openDatabase } from '../data/open.js';
import { loadConfig } from './config.js';
import { addMonthLater } from './demo-month.js';
import { createPlatform } from './demo-platform.js';
import { runJob } from './run-job.js';

const SPEC = { students: 3000, questions: 150, days: 30, seed: 20251101 };

async function withDb<T>(dir: string, fn: (db: Db) => Promise<T>): Promise<T> {
  // Opened and closed around each step: the job owns the folder (lockfile) while it runs.
  const db = await openDatabase({ databaseUrl: null, dataDir: dir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function printTable(title: string, rows: Record<string, unknown>[]): void {
  console.log(`\n-- ${title}`);
  if (rows.length === 0) {
    console.log('(no rows)');
    return;
  }
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? ''
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(width[i])).join(' | '));
  console.log(width.map((w) => '-'.repeat(w)).join('-+-'));
  for (const r of rows) console.log(cols.map((c, i) => cell(r[c]).padEnd(width[i])).join(' | '));
}

async function validate(db: Db, version: string): Promise<void> {
  // The seed's "Check Output Data" queries, unchanged (LIMIT 5 instead of 20 to keep the output short).
  printTable(
    'Item parameters',
    await db.query(`SELECT item_id, model,
       params->>'a' AS discrimination,
       params->>'b' AS difficulty,
       params->>'c' AS guessing,
       fitted_at
FROM mirt_item_params
ORDER BY fitted_at DESC
LIMIT 5`),
  );
  printTable(
    'User abilities',
    await db.query(`SELECT user_id, theta, se, model, fitted_at
FROM mirt_ability
ORDER BY fitted_at DESC
LIMIT 5`),
  );
  printTable(
    'Fit metadata',
    await db.query(`SELECT run_id, 
       model_spec->>'model' AS model,
       model_spec->>'n_items' AS n_items,
       model_spec->>'n_users' AS n_users,
       metrics->>'logLik' AS log_likelihood,
       fitted_at
FROM mirt_fit_meta
ORDER BY fitted_at DESC
LIMIT 5`),
  );
  printTable(
    'Coverage check',
    await db.query(`SELECT 
  (SELECT COUNT(DISTINCT item_id) FROM mirt_item_params) AS items_calibrated,
  (SELECT COUNT(DISTINCT user_id) FROM mirt_ability) AS users_calibrated,
  (SELECT COUNT(*) FROM attempt WHERE completed_at >= NOW() - INTERVAL '30 days') AS total_observations`),
  );
  printTable(
    `This run (version ${version}): rows written and coverage of the answered items`,
    await db.query(
      `SELECT (SELECT count(*) FROM mirt_item_params_history WHERE version = $1) AS item_params,
              (SELECT count(*) FROM mirt_ability WHERE version = $1) AS abilities,
              (SELECT round(100.0 * count(DISTINCT a.item_id) FILTER (WHERE h.item_id IS NOT NULL) / count(DISTINCT a.item_id), 1)
                 FROM attempt a LEFT JOIN mirt_item_params_history h ON h.version = $1 AND h.item_id = a.item_id::text
                WHERE a.completed_at >= now() - interval '30 days') AS coverage_pct`,
      [version],
    ),
  );
  printTable(
    'Recovery of the simulated truth (correlation of estimates with the true a and b)',
    await db.query(
      `SELECT round(corr((h.params->>'a')::float8, (q.meta->'truth'->>'a')::float8)::numeric, 3) AS cor_a,
              round(corr((h.params->>'b')::float8, (q.meta->'truth'->>'b')::float8)::numeric, 3) AS cor_b,
              count(*) AS items
         FROM mirt_item_params_history h JOIN question q ON q.id::text = h.item_id
        WHERE h.version = $1`,
      [version],
    ),
  );
}

async function main(): Promise<number> {
  const keep = process.argv.includes('--keep');
  const dir = join(mkdtempSync(join(tmpdir(), 'mirt-demo-')), 'data');
  const env = { MIRT_DATA_DIR: dir, IRT_UPDATE_QUESTION_META: 'true', MIRT_LINK: 'previous' };
  try {
    console.log(
      `== Simulated platform: ${SPEC.students} students, ${SPEC.questions} questions, ${SPEC.days} days (seed ${SPEC.seed})`,
    );
    const stats = await withDb(dir, (db) => createPlatform(db, SPEC));
    console.log(
      `   ${stats.attempts} attempts in attempt_log (${stats.inWindow} within the last ${SPEC.days} days), attempt VIEW over it, embedded PGlite in ${dir}`,
    );

    console.log('\n== Night 1: mirt-calibrate');
    const r1 = await runJob(loadConfig([], env));
    if (r1.exitCode !== 0) return r1.exitCode;
    await withDb(dir, (db) => validate(db, r1.version));

    console.log(
      '\n== Night 2, a month later: new students 0.3 better on average, one question leaked (0.8 easier); MIRT_LINK=previous',
    );
    const month = await withDb(dir, (db) =>
      addMonthLater(db, { students: SPEC.students, thetaShift: 0.3, leakShift: 0.8, seed: SPEC.seed + 1 }),
    );
    console.log(
      `   ${month.attempts} new attempts; question ${month.leaked} leaked; true mean ability of the new students ${month.trueMean.toFixed(3)}`,
    );
    const r2 = await runJob(loadConfig([], env));
    if (r2.exitCode !== 0) return r2.exitCode;
    await withDb(dir, async (db) => {
      printTable(
        'Mean theta per night, linked to night 1 (model_spec.linking_constants)',
        await db.query(`SELECT f.model_spec->>'version' AS version,
                round(avg(a.theta)::numeric, 3) AS mean_theta,
                f.model_spec->'linking_constants' AS linking_constants
           FROM mirt_fit_meta f JOIN mirt_ability a ON a.version = f.model_spec->>'version'
          GROUP BY f.model_spec->>'version', f.model_spec->'linking_constants' ORDER BY 1`),
      );
      printTable(
        'Drift flags (mirt_item_params_history.flags)',
        await db.query(
          `SELECT version, item_id, round(displacement::numeric, 3) AS displacement, round(displacement_z::numeric, 2) AS z, flags
             FROM mirt_item_params_history WHERE flags @> '["drift"]'::jsonb ORDER BY version, item_id`,
        ),
      );
      printTable(
        'History: every run stays retrievable by version (mirt_item_params_history, mirt_ability)',
        await db.query(`SELECT h.version, h.items, a.abilities, h.fitted_at
           FROM (SELECT version, count(*) AS items, max(fitted_at) AS fitted_at FROM mirt_item_params_history GROUP BY version) h
           JOIN (SELECT version, count(*) AS abilities FROM mirt_ability GROUP BY version) a USING (version)
          ORDER BY h.version`),
      );
      printTable(
        'One item across versions',
        await db.query(`SELECT version, item_id, params FROM mirt_item_params_history
          WHERE item_id = (SELECT min(item_id) FROM mirt_item_params_history) ORDER BY version`),
      );
      printTable(
        "question.meta->'irt' (IRT_UPDATE_QUESTION_META=true)",
        await db.query(`SELECT id, meta->'irt' AS irt FROM question ORDER BY id LIMIT 3`),
      );
    });
    return 0;
  } finally {
    if (keep) console.log(`\nData kept in ${dir}`);
    else rmSync(join(dir, '..'), { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`[ERROR] demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
