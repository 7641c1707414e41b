/**
 * The job's last phases (run-job.ts): the results in one transaction (the history rows' link
 * columns inside it), what the write did, and the HTML report. Until the commit a failure leaves
 * the previous results as they were; after it, only the report can fail, and that only warns.
 */
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Calibrator } from '../calibrators/types.js';
import type { CalibrateResponse } from '../contract/types.js';
import type { Db, Tx } from '../data/db.js';
import { writeItemLinkColumns } from '../data/drift-columns.js';
import { type WriteSummary, writeResults } from '../data/write-results.js';
import type { ResponseData } from '../engine/responses.js';
import { withReportEvidence } from '../report/observed-groups.js';
import { renderReport } from '../report/report.js';
import { DEFAULT_LINK, type LinkOutcome, unlinkedRows } from './link-run.js';
import { setPhase } from './phase.js';
import { phaseLine } from './progress.js';
import type { DriftMetrics, ResultNotes } from './run-calibrate.js';
import { JobStop, msg, type RunContext } from './run-context.js';
import type { Extracted } from './run-extract.js';

/** What the run adds to the result's model_spec and metrics, in the database and the report. */
export interface RunExtras {
  readonly modelSpec: Record<string, unknown>;
  readonly metrics: Record<string, unknown>;
}

export function runExtras(
  ctx: RunContext,
  calibrator: Calibrator,
  got: Extracted,
  notes: ResultNotes,
  linked: { link: LinkOutcome; drift: DriftMetrics } | null,
): RunExtras {
  const { config } = ctx;
  const { hygiene, unidentified } = notes;
  return {
    modelSpec: {
      source: got.extraction.source,
      calibrator: calibrator.kind,
      n_observations: hygiene.rows_used,
      lookback_days: config.lookbackDays,
      topic_id: config.topicId,
      subject_id: config.subjectId,
      max_obs: config.maxObs,
      link: (config.link ?? DEFAULT_LINK).mode,
      linking_constants: linked?.link.constants ?? null,
    },
    metrics: {
      n_obs: hygiene.rows_used,
      rows_read: hygiene.rows_read,
      hygiene,
      ...(unidentified ? { not_identified: unidentified } : {}),
      ...(linked ? { drift: linked.drift } : {}),
    },
  };
}

/** The results, committed in one transaction; then one line for each thing the write did. */
export async function writePhase(
  ctx: RunContext,
  db: Db,
  got: Extracted,
  result: CalibrateResponse,
  link: LinkOutcome | null,
  extras: RunExtras,
): Promise<WriteSummary> {
  const { config, io, version, runId } = ctx;
  const t = performance.now();
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
      modelSpecExtra: extras.modelSpec,
      metricsExtra: extras.metrics,
    });
  } catch (e) {
    throw new JobStop(
      ctx.fail(
        `upsert failed, the transaction was rolled back and the previous results are unchanged: ${msg(e)}. Check the output tables and the database connection.`,
        { extraction: got.extraction, hygiene: got.data.hygiene },
      ),
    );
  }
  ctx.lap('upsert', t);
  if (ctx.progress) phaseLine(ctx.progress, 'upsert', ctx.seconds.upsert);
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
  return written;
}

/**
 * The HTML run report, when asked for: the result as written (with the run's extras and the
 * per-item drift), plus the evidence drawn from the answers. The results are committed already,
 * so a failure only warns.
 */
export async function writeReport(
  ctx: RunContext,
  data: ResponseData,
  result: CalibrateResponse,
  extras: RunExtras,
  linked: { link: LinkOutcome; drift: DriftMetrics } | null,
): Promise<void> {
  if (!ctx.config.reportPath) return;
  const reported = {
    ...result,
    fit_meta: {
      ...result.fit_meta,
      model_spec: { ...result.fit_meta.model_spec, ...extras.modelSpec },
      metrics: {
        ...result.fit_meta.metrics,
        ...extras.metrics,
        ...(linked ? { drift: { ...linked.drift, items: linked.link.drift } } : {}),
      },
    },
  };
  const path = ctx.config.reportPath.replaceAll('{version}', ctx.version);
  try {
    await writeFile(path, renderReport(withReportEvidence(reported, data)));
    ctx.io.out(`[INFO] Report written to ${path}`);
  } catch (e) {
    ctx.io.out(`[WARN] Report not written to ${path}: ${msg(e)}`);
  }
}
