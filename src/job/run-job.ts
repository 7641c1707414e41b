/**
 * The nightly job: open the database, take the lock, migrate, extract, calibrate through a
 * Calibrator, write in one transaction, print the summary. Returns the exit code; every failure
 * ends in one [ERROR] line that names the cause and what to check. Log lines users grep for
 * (DESIGN.md) are printed exactly. The phases live in run-extract.ts, run-calibrate.ts and
 * run-write.ts; a phase that ends the run throws JobStop with its outcome (run-context.ts).
 */
import { resolve } from 'node:path';
import { createCalibrator } from '../calibrators/index.js';
import type { Calibrator } from '../calibrators/types.js';
import type { Db } from '../data/db.js';
import { DataDirLockedError } from '../data/lockfile.js';
import { migrate } from '../data/migrations.js';
import { JOB_LOCK_KEY, openDatabase } from '../data/open.js';
import { embeddedDatabaseExists } from '../data/pglite-folder.js';
import type { JobConfig } from './config.js';
import { DEFAULT_LINK } from './link-run.js';
import type { ProgressOptions } from './progress.js';
import { calibratePhase, linkPhase, warnAboutResult } from './run-calibrate.js';
import { type JobIo, type JobOutcome, JobStop, msg, RunContext } from './run-context.js';
import { extractPhase, referencePhase } from './run-extract.js';
import { runExtras, writePhase, writeReport } from './run-write.js';
import { formatSummary } from './summary.js';

export type { JobIo, JobOutcome, JobStatus } from './run-context.js';

export interface JobDeps {
  readonly io?: JobIo;
  /** Tests and embedders pass their own; by default createCalibrator(config). */
  readonly calibrator?: Calibrator;
  readonly openDb?: (config: JobConfig) => Promise<Db>;
  readonly now?: () => Date;
  /** Interval and clock of the EM progress lines (progress.ts). */
  readonly progress?: ProgressOptions;
}

const consoleIo: JobIo = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  progress: (l) => console.error(l),
};

export async function runJob(config: JobConfig, deps: JobDeps = {}): Promise<JobOutcome> {
  const ctx = new RunContext(config, deps.io ?? consoleIo, deps.now?.() ?? new Date());
  const { io } = ctx;
  let calibrator: Calibrator;
  try {
    calibrator = deps.calibrator ?? (await createCalibrator(config, io.out));
  } catch (e) {
    return ctx.fail(
      `${msg(e)}${config.remote.baseUrl ? '. Check R_IRT_BASE_URL (unset it to calibrate in-process)' : ''}.`,
    );
  }

  // Opening the embedded database creates it: a dry run on a folder without one has nothing to
  // read, and must not leave a new database (tens of MB) behind in the working folder.
  if (config.dryRun && !config.databaseUrl && !deps.openDb && !embeddedDatabaseExists(config.dataDir)) {
    io.out(
      `[DRY_RUN] No embedded database in ${resolve(config.dataDir)} and no DATABASE_URL: nothing to read; a dry run creates nothing.`,
    );
    return ctx.outcome('dry-run', 0);
  }

  let db: Db;
  try {
    db = await (deps.openDb ?? openDatabase)(config);
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      io.out(`Another mirt-calibrate run is in progress (${e.message}); exiting.`);
      return ctx.outcome('locked', 0);
    }
    const where = config.databaseUrl ? 'DATABASE_URL' : `the embedded database in ${config.dataDir}`;
    return ctx.fail(
      `cannot open the database: ${msg(e)}. Check ${where}${config.databaseUrl ? ' and that PostgreSQL is reachable' : ''}.`,
    );
  }

  let locked = false;
  try {
    locked = await db.tryLock(JOB_LOCK_KEY);
    if (!locked) {
      io.out(
        `Another mirt-calibrate run is in progress (advisory lock ${JOB_LOCK_KEY} held on ${db.describe()}); exiting.`,
      );
      return ctx.outcome('locked', 0);
    }
    return await runLocked(ctx, db, calibrator, deps.progress);
  } catch (e) {
    if (e instanceof JobStop) return e.outcome;
    return ctx.fail(`${msg(e)}. Check the database connection.`);
  } finally {
    if (locked) await db.unlock(JOB_LOCK_KEY).catch(() => {});
    await db.close();
  }
}

/** The run under the job's lock: migrations, then the phases in order. */
async function runLocked(
  ctx: RunContext,
  db: Db,
  calibrator: Calibrator,
  progressOptions: ProgressOptions | undefined,
): Promise<JobOutcome> {
  const { config, io, version } = ctx;
  io.out(
    `[INFO] mirt-calibrate ${version}: model=${config.model} lookback=${config.lookbackDays}d database=${db.describe()} calibrator=${calibrator.describe()}${config.dryRun ? ' (dry run)' : ''}`,
  );
  if (!config.dryRun) {
    try {
      const applied = await migrate(db);
      if (applied.length) io.out(`[INFO] Applied migrations: ${applied.join(', ')}`);
    } catch (e) {
      return ctx.fail(
        `migrations failed: ${msg(e)}. Check that the database user may create tables and indexes.`,
      );
    }
  }

  const got = await extractPhase(ctx, db);
  const ref = await referencePhase(ctx, db, got);
  const calibrated = await calibratePhase(ctx, calibrator, got, ref, progressOptions);
  const notes = warnAboutResult(ctx, got.data, calibrated.result);
  const linked = await linkPhase(ctx, calibrator, got, ref, calibrated);
  const result = linked?.link.result ?? calibrated.result;
  const { extraction, data } = got;
  const linkMode = (config.link ?? DEFAULT_LINK).mode;
  const summary = (dryRun: boolean) =>
    formatSummary({
      result,
      config,
      version,
      extraction,
      observations: notes.hygiene.rows_used,
      notIdentified: notes.unidentified?.items.length ?? 0,
      seconds: ctx.elapsed(),
      dryRun,
      calibrator: calibrator.kind,
      linking: linked ? { mode: linkMode, ...linked.link.constants, drift: linked.drift.n_flagged } : null,
    });

  if (config.dryRun) {
    io.out(
      `[DRY_RUN] Skipping DB updates: would write ${result.item_params.length} item parameters and ${result.abilities.length} abilities`,
    );
    io.out(summary(true));
    return ctx.outcome('dry-run', 0, { extraction, hygiene: data.hygiene });
  }

  const extras = runExtras(ctx, calibrator, got, notes, linked);
  const written = await writePhase(ctx, db, got, result, linked?.link ?? null, extras);
  await writeReport(ctx, data, result, extras, linked);
  io.out(summary(false));
  return ctx.outcome('ok', 0, { extraction, hygiene: data.hygiene, written });
}
