/**
 * The nightly job: open the database, take the lock, migrate, extract, calibrate through a
 * Calibrator, write in one transaction, print the summary. Returns the exit code; every failure
 * ends in one [ERROR] line that names the cause and what to check. Log lines users grep for
 * (DESIGN.md) are printed exactly.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { notIdentified } from '../calibrators/identification.js';
import { createCalibrator } from '../calibrators/index.js';
import type { Calibrator } from '../calibrators/types.js';
import type { CalibrateResponse } from '../contract/types.js';
import type { Db, Tx } from '../data/db.js';
import { writeItemLinkColumns } from '../data/drift-columns.js';
import { type Extraction, ExtractionError, extractObservations, NoSourceError } from '../data/extract.js';
import { DataDirLockedError } from '../data/lockfile.js';
import { migrate } from '../data/migrations.js';
import { JOB_LOCK_KEY, openDatabase } from '../data/open.js';
import { embeddedDatabaseExists } from '../data/pglite-folder.js';
import { type WriteSummary, writeResults } from '../data/write-results.js';
import { NotEstimableError } from '../engine/calibrate.js';
import { type HygieneReport, ResponseBuilder, type ResponseData } from '../engine/responses.js';
import { EngineInputError } from '../engine/types.js';
import { withReportEvidence } from '../report/observed-groups.js';
import { renderReport } from '../report/report.js';
import type { JobConfig } from './config.js';
import { flagLines } from './flag-lines.js';
import { readReference } from './link-reference.js';
import { DEFAULT_LINK, type LinkInput, type LinkOutcome, linkRun, unlinkedRows } from './link-run.js';
import { setPhase } from './phase.js';
import {
  calibrationPhases,
  emProgress,
  type ProgressOptions,
  type ProgressWrite,
  phaseLine,
} from './progress.js';
import { runHygiene } from './run-hygiene.js';
import { runLabels } from './run-labels.js';
import { planSampling } from './sample-run.js';
import { formatHygiene, formatSummary, listIds, NOTHING_WRITTEN } from './summary.js';

export interface JobIo {
  /** INFO/WARN and the plain lines, to stdout by default. */
  out(line: string): void;
  /** [ERROR] lines, to stderr by default. */
  err(line: string): void;
  /**
   * Progress (EM lines at most every few seconds, one line per finished phase; progress.ts), to
   * stderr by default; absent = none (--quiet, and tests that read the other lines).
   */
  progress?: ProgressWrite;
}

export interface JobDeps {
  readonly io?: JobIo;
  /** Tests and embedders pass their own; by default createCalibrator(config). */
  readonly calibrator?: Calibrator;
  readonly openDb?: (config: JobConfig) => Promise<Db>;
  readonly now?: () => Date;
  /** Interval and clock of the EM progress lines (progress.ts). */
  readonly progress?: ProgressOptions;
}

/**
 * `no-data`: nothing in the window (normal, exit 0). `not-estimable`: answers in the window, but
 * nothing the model can estimate from them (exit 1: no new results, and the operator must hear
 * of it, whether the source broke or the data are too thin; docs/nightly-job.md).
 */
export type JobStatus = 'ok' | 'dry-run' | 'no-data' | 'not-estimable' | 'locked' | 'failed';

export interface JobOutcome {
  readonly exitCode: number;
  readonly status: JobStatus;
  readonly version: string;
  readonly runId: string;
  readonly extraction?: Extraction;
  readonly hygiene?: HygieneReport;
  readonly written?: WriteSummary;
  readonly seconds: Readonly<Record<string, number>>;
}

const consoleIo: JobIo = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  progress: (l) => console.error(l),
};

export async function runJob(config: JobConfig, deps: JobDeps = {}): Promise<JobOutcome> {
  const io = deps.io ?? consoleIo;
  const progress = io.progress;
  const started = deps.now?.() ?? new Date();
  const t0 = performance.now();
  const { version, runId } = runLabels(started);
  const seconds: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    seconds[name] = (performance.now() - since) / 1000;
  };
  const outcome = (status: JobStatus, exitCode: number, extra: Partial<JobOutcome> = {}): JobOutcome => {
    seconds.total = (performance.now() - t0) / 1000;
    return { status, exitCode, version, runId, seconds, ...extra };
  };
  const fail = (line: string, extra: Partial<JobOutcome> = {}, status: JobStatus = 'failed') => {
    io.err(`[ERROR] ${line}`);
    return outcome(status, 1, extra);
  };
  const notEstimable = (rows: number, why: string, extra: Partial<JobOutcome> = {}) =>
    fail(
      `nothing to calibrate: ${rows} rows read in the window but ${why}. ${NOTHING_WRITTEN} Check the correctness and id columns of the source, or widen MIRT_LOOKBACK_DAYS.`,
      extra,
      'not-estimable',
    );

  let calibrator: Calibrator;
  try {
    calibrator = deps.calibrator ?? (await createCalibrator(config, io.out));
  } catch (e) {
    return fail(
      `${msg(e)}${config.remote.baseUrl ? '. Check R_IRT_BASE_URL (unset it to calibrate in-process)' : ''}.`,
    );
  }

  // Opening the embedded database creates it: a dry run on a folder without one has nothing to
  // read, and must not leave a new database (tens of MB) behind in the working folder.
  if (config.dryRun && !config.databaseUrl && !deps.openDb && !embeddedDatabaseExists(config.dataDir)) {
    io.out(
      `[DRY_RUN] No embedded database in ${resolve(config.dataDir)} and no DATABASE_URL: nothing to read; a dry run creates nothing.`,
    );
    return outcome('dry-run', 0);
  }

  let db: Db;
  try {
    db = await (deps.openDb ?? openDatabase)(config);
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      io.out(`Another mirt-calibrate run is in progress (${e.message}); exiting.`);
      return outcome('locked', 0);
    }
    const where = config.databaseUrl ? 'DATABASE_URL' : `the embedded database in ${config.dataDir}`;
    return fail(
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
      return outcome('locked', 0);
    }
    io.out(
      `[INFO] mirt-calibrate ${version}: model=${config.model} lookback=${config.lookbackDays}d database=${db.describe()} calibrator=${calibrator.describe()}${config.dryRun ? ' (dry run)' : ''}`,
    );

    if (!config.dryRun) {
      try {
        const applied = await migrate(db);
        if (applied.length) io.out(`[INFO] Applied migrations: ${applied.join(', ')}`);
      } catch (e) {
        return fail(
          `migrations failed: ${msg(e)}. Check that the database user may create tables and indexes.`,
        );
      }
    }

    // Extract.
    setPhase('extraction');
    let t = performance.now();
    const builder = new ResponseBuilder({ minItemResponses: config.minItemResponses });
    let extraction: Extraction;
    try {
      extraction = await extractObservations(db, builder, config, { info: io.out, warn: io.out });
    } catch (e) {
      if (e instanceof NoSourceError) {
        return fail(
          `All data sources failed: ${e.reasons.join('; ')}. Check that DATABASE_URL points at the platform database and that the attempt VIEW, the responses table or exam_results exists.`,
        );
      }
      if (e instanceof ExtractionError)
        return fail(`${e.message}. Check MIRT_TOPIC_ID / MIRT_SUBJECT_ID against the schema.`);
      return fail(`extraction failed: ${msg(e)}. Check the source tables and the database connection.`);
    }
    lap('extract', t);
    if (progress) phaseLine(progress, 'extract', seconds.extract, `${builder.size} rows`);

    if (builder.size === 0) {
      io.out('No observations found; exiting.');
      return outcome('no-data', 0, { extraction });
    }
    let data: ResponseData;
    try {
      data = builder.build();
    } catch (e) {
      // build() throws only when no answer survives hygiene (NULL or invalid correctness, missing
      // ids, items everyone got right or wrong).
      if (!(e instanceof EngineInputError)) throw e;
      return notEstimable(builder.size, msg(e), { extraction });
    }
    io.out(formatHygiene(data.hygiene));

    // The reference scale of MIRT_LINK (read only; the run fails here, before calibrating, if it cannot be read).
    const linkConfig = config.link ?? DEFAULT_LINK;
    let reference: LinkInput['reference'] | null = null;
    let startValues: Awaited<ReturnType<typeof readReference>>['start'] = null;
    if (linkConfig.mode !== 'none') {
      try {
        ({ reference, start: startValues } = await readReference(
          db,
          linkConfig,
          config.model,
          version,
          io.out,
        ));
      } catch (e) {
        return fail(
          `reading the reference scale (MIRT_LINK=${linkConfig.mode}) failed: ${msg(e)}. ${NOTHING_WRITTEN}`,
          { extraction, hygiene: data.hygiene },
        );
      }
    }

    // Calibrate.
    setPhase('calibration');
    t = performance.now();
    const plan = planSampling(config, data, io.out); // --calibration-sample / --score (sample-run.ts)
    const calib = plan?.data ?? data;
    io.out(
      `[INFO] Calibrating ${calib.nObs} observations (${calib.nUsers} users, ${calib.nItems} items), model ${config.model}, on ${calibrator.describe()}...`,
    );
    let result: CalibrateResponse;
    try {
      const start = startValues ? { startValues } : {};
      const onCycle = progress && emProgress(progress, deps.progress);
      result = await calibrator.calibrate(calib, { model: config.model, version, runId, onCycle, ...start });
      if (plan) result = plan.finish(result);
    } catch (e) {
      if (calibrator.kind === 'remote')
        return fail(`R IRT service call failed: ${msg(e)}`, { extraction, hygiene: data.hygiene });
      if (e instanceof NotEstimableError) {
        const left = e.hygiene.excludedItems.filter((x) => x.reason === 'slope_diverged');
        const why = left.length
          ? `${msg(e)} once ${left.length} item(s) whose slope diverged (few, perfectly separated answers) were left out: ${listIds(left.map((x) => x.id))}`
          : msg(e);
        return notEstimable(data.hygiene.rowsRead, why, { extraction, hygiene: e.hygiene });
      }
      return fail(`calibration failed: ${msg(e)}. Nothing was written.`, {
        extraction,
        hygiene: data.hygiene,
      });
    }
    lap('calibrate', t);
    if (progress) {
      calibrationPhases(progress, result.fit_meta.metrics);
      phaseLine(progress, 'calibrate', seconds.calibrate, `on ${calibrator.describe()}`);
    }
    const m = result.fit_meta.metrics;
    const hygiene = runHygiene(data, result);
    const leftOut = (reason: string) =>
      hygiene.excluded_items.filter((x) => x.reason === reason).map((x) => x.id);
    const diverged = leftOut('slope_diverged');
    if (diverged.length > 0) {
      io.out(
        `[WARN] ${diverged.length} item(s) left out, no finite estimate (slope diverged: few, perfectly separated answers): ${listIds(diverged)}`,
      );
    }
    const missing = leftOut('not_returned');
    if (missing.length > 0) {
      io.out(`[WARN] ${missing.length} item(s) sent but not in the calibrator's answer: ${listIds(missing)}`);
    }
    const unidentified = notIdentified(data, result);
    if (unidentified) {
      io.out(
        `[WARN] ${unidentified.items.length} item(s) not identified (${unidentified.reason}); written, but their parameters are not estimates: ${listIds(unidentified.items)}`,
      );
    }
    // Items written with a flag (engine/item-flags.ts): one line per flag, as `fit` prints them.
    for (const line of flagLines(result)) io.out(line);
    if (m.converged === false) {
      io.out(
        `[WARN] EM stopped after ${String(m.cycles)} cycles without converging: estimates may be off; check the model (3PL: keep the prior on c) and the answers per item`,
      );
    }

    // Link onto the reference scale: drift screening, then the linear map or a fixed-anchor refit.
    let link: LinkOutcome | null = null;
    if (reference) {
      t = performance.now();
      try {
        const job = { model: config.model, version, runId, ...(startValues ? { startValues } : {}) };
        link = await linkRun({
          config: linkConfig,
          model: config.model,
          free: result,
          reference,
          // The fixed-anchor run sees what the free run saw (the sample, if any) and is finished alike.
          refit: async (anchors) => {
            const fixed = await calibrator.calibrate(calib, { ...job, anchors });
            return plan ? plan.finish(fixed) : fixed;
          },
        });
      } catch (e) {
        return fail(`linking (MIRT_LINK=${linkConfig.mode}) failed: ${msg(e)}. ${NOTHING_WRITTEN}`, {
          extraction,
          hygiene: data.hygiene,
        });
      }
      for (const line of link.lines) io.out(line);
      result = link.result;
      lap('link', t);
      if (progress) phaseLine(progress, 'link', seconds.link, `MIRT_LINK=${linkConfig.mode}`);
    }
    const driftMetrics = link && {
      z_min: linkConfig.driftZ,
      shift_min: linkConfig.driftShift,
      n_common: link.constants.n_common,
      n_flagged: link.drift.filter((x) => x.drift).length,
      flagged: link.drift.filter((x) => x.drift),
    };

    const summary = (dryRun: boolean) =>
      formatSummary({
        result,
        config,
        version,
        extraction,
        observations: hygiene.rows_used,
        notIdentified: unidentified?.items.length ?? 0,
        seconds: (performance.now() - t0) / 1000,
        dryRun,
        calibrator: calibrator.kind,
        linking: link
          ? { mode: linkConfig.mode, ...link.constants, drift: driftMetrics?.n_flagged ?? 0 }
          : null,
      });

    if (config.dryRun) {
      io.out(
        `[DRY_RUN] Skipping DB updates: would write ${result.item_params.length} item parameters and ${result.abilities.length} abilities`,
      );
      io.out(summary(true));
      return outcome('dry-run', 0, { extraction, hygiene: data.hygiene });
    }

    // Write.
    t = performance.now();
    const modelSpecExtra = {
      source: extraction.source,
      calibrator: calibrator.kind,
      n_observations: hygiene.rows_used,
      lookback_days: config.lookbackDays,
      topic_id: config.topicId,
      subject_id: config.subjectId,
      max_obs: config.maxObs,
      link: linkConfig.mode,
      linking_constants: link?.constants ?? null,
    };
    const metricsExtra = {
      n_obs: hygiene.rows_used,
      rows_read: hygiene.rows_read,
      hygiene,
      ...(unidentified ? { not_identified: unidentified } : {}),
      ...(driftMetrics ? { drift: driftMetrics } : {}),
    };
    let written: WriteSummary;
    // The transaction commits at the end of writeResults: a stop before that leaves nothing.
    setPhase(
      'upsert',
      `nothing written unless the commit of ${runId} had already been sent (see mirt_fit_meta)`,
    );
    try {
      // The per-item SEs, displacements and flags go into the history rows inside the same transaction.
      const itemRows = link?.itemRows ?? unlinkedRows(result);
      const withLinkColumns = {
        transaction: <T>(fn: (tx: Tx) => Promise<T>) =>
          db.transaction(async (tx) => {
            const r = await fn(tx);
            await writeItemLinkColumns(tx, version, itemRows);
            return r;
          }),
      };
      written = await writeResults(withLinkColumns, result, {
        version,
        runId,
        model: config.model,
        updateQuestionMeta: config.updateQuestionMeta,
        retainVersions: config.retainVersions,
        modelSpecExtra,
        metricsExtra,
      });
    } catch (e) {
      return fail(
        `upsert failed, the transaction was rolled back and the previous results are unchanged: ${msg(e)}. Check the output tables and the database connection.`,
        { extraction, hygiene: data.hygiene },
      );
    }
    lap('upsert', t);
    if (progress) phaseLine(progress, 'upsert', seconds.upsert);
    setPhase('the report and summary', `results of version ${version} committed`);
    for (const w of written.warnings) io.out(`[WARN] ${w}`);
    if (written.skippedAbilities)
      io.out(`[WARN] ${written.skippedAbilities} abilities without a finite theta were not written`);
    if (written.questionMetaUpdated !== null)
      io.out(`[INFO] Updated question.meta->'irt' for ${written.questionMetaUpdated} questions`);
    if (written.questionMetaSkipped)
      io.out(`[WARN] IRT_UPDATE_QUESTION_META: skipped (${written.questionMetaSkipped})`);
    if (config.retainVersions !== null)
      io.out(`[INFO] Retention: kept ${config.retainVersions} versions, pruned ${written.prunedRows} rows`);
    io.out('Calibration upsert completed.');
    const reported = {
      ...result,
      fit_meta: {
        ...result.fit_meta,
        model_spec: { ...result.fit_meta.model_spec, ...modelSpecExtra },
        metrics: {
          ...result.fit_meta.metrics,
          ...metricsExtra,
          ...(link ? { drift: { ...driftMetrics, items: link.drift } } : {}),
        },
      },
    };
    if (config.reportPath) await writeReport(config, withReportEvidence(reported, data), version, io);
    io.out(summary(false));
    return outcome('ok', 0, { extraction, hygiene: data.hygiene, written });
  } catch (e) {
    return fail(`${msg(e)}. Check the database connection.`);
  } finally {
    if (locked) await db.unlock(JOB_LOCK_KEY).catch(() => {});
    await db.close();
  }
}

function msg(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/\.$/, '');
}

/** The HTML run report, when asked for; the results are committed already, so a failure only warns. */
async function writeReport(
  config: JobConfig,
  result: CalibrateResponse,
  version: string,
  io: JobIo,
): Promise<void> {
  if (!config.reportPath) return;
  const path = config.reportPath.replaceAll('{version}', version);
  try {
    await writeFile(path, renderReport(result));
    io.out(`[INFO] Report written to ${path}`);
  } catch (e) {
    io.out(`[WARN] Report not written to ${path}: ${msg(e)}`);
  }
}
