/**
 * The job's middle phases (run-job.ts): calibrate the window's answers through the Calibrator
 * (in-process or the remote service), say what about the result is unusual, and link it onto the
 * reference scale. Nothing here writes; a failure stops the run with nothing written.
 */
import { performance } from 'node:perf_hooks';
import { type NotIdentified, notIdentified } from '../calibrators/identification.js';
import type { Calibrator } from '../calibrators/types.js';
import type { CalibrateResponse } from '../contract/types.js';
import { NotEstimableError } from '../engine/calibrate.js';
import type { ResponseData } from '../engine/responses.js';
import { flagLines } from './flag-lines.js';
import { DEFAULT_LINK, type LinkOutcome, linkRun } from './link-run.js';
import { setPhase } from './phase.js';
import { calibrationPhases, emProgress, type ProgressOptions, phaseLine } from './progress.js';
import { JobStop, msg, type RunContext } from './run-context.js';
import type { Extracted, Reference } from './run-extract.js';
import { type RunHygiene, runHygiene } from './run-hygiene.js';
import { planSampling, type SamplePlan } from './sample-run.js';
import { listIds, NOTHING_WRITTEN } from './summary.js';

export interface Calibrated {
  readonly result: CalibrateResponse;
  /** What was calibrated: the data, or the calibration sample of it. */
  readonly calib: ResponseData;
  readonly plan: SamplePlan | null;
}

export async function calibratePhase(
  ctx: RunContext,
  calibrator: Calibrator,
  got: Extracted,
  ref: Reference,
  progressOptions?: ProgressOptions,
): Promise<Calibrated> {
  const { config, io, version, runId } = ctx;
  const { data, extraction } = got;
  setPhase('calibration');
  const t = performance.now();
  const plan = planSampling(config, data, io.out); // --calibration-sample / --score (sample-run.ts)
  const calib = plan?.data ?? data;
  io.out(
    `[INFO] Calibrating ${calib.nObs} observations (${calib.nUsers} users, ${calib.nItems} items), model ${config.model}, on ${calibrator.describe()}...`,
  );
  let result: CalibrateResponse;
  try {
    const start = ref.startValues ? { startValues: ref.startValues } : {};
    const onCycle = ctx.progress && emProgress(ctx.progress, progressOptions);
    result = await calibrator.calibrate(calib, { model: config.model, version, runId, onCycle, ...start });
    if (plan) result = plan.finish(result);
  } catch (e) {
    const extra = { extraction, hygiene: data.hygiene };
    if (calibrator.kind === 'remote')
      throw new JobStop(ctx.fail(`R IRT service call failed: ${msg(e)}`, extra));
    if (e instanceof NotEstimableError) {
      const left = e.hygiene.excludedItems.filter((x) => x.reason === 'slope_diverged');
      const why = left.length
        ? `${msg(e)} once ${left.length} item(s) whose slope diverged (few, perfectly separated answers) were left out: ${listIds(left.map((x) => x.id))}`
        : msg(e);
      throw new JobStop(ctx.notEstimable(data.hygiene.rowsRead, why, { extraction, hygiene: e.hygiene }));
    }
    throw new JobStop(ctx.fail(`calibration failed: ${msg(e)}. Nothing was written.`, extra));
  }
  ctx.lap('calibrate', t);
  if (ctx.progress) {
    calibrationPhases(ctx.progress, result.fit_meta.metrics);
    phaseLine(ctx.progress, 'calibrate', ctx.seconds.calibrate, `on ${calibrator.describe()}`);
  }
  return { result, calib, plan };
}

export interface ResultNotes {
  readonly hygiene: RunHygiene;
  readonly unidentified: NotIdentified | null;
}

/** One [WARN] line for each unusual thing about a result that is still written. */
export function warnAboutResult(ctx: RunContext, data: ResponseData, result: CalibrateResponse): ResultNotes {
  const { io } = ctx;
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
  const m = result.fit_meta.metrics;
  if (m.converged === false) {
    io.out(
      `[WARN] EM stopped after ${String(m.cycles)} cycles without converging: estimates may be off; check the model (3PL: keep the prior on c) and the answers per item`,
    );
  }
  return { hygiene, unidentified };
}

/** Drift metrics of a linked run, as stored in fit_meta.metrics.drift (without the per-item list). */
export interface DriftMetrics {
  readonly z_min: number;
  readonly shift_min: number;
  readonly n_common: number;
  readonly n_flagged: number;
  readonly flagged: LinkOutcome['drift'];
}

/** Link onto the reference scale: drift screening, then the linear map or a fixed-anchor refit. */
export async function linkPhase(
  ctx: RunContext,
  calibrator: Calibrator,
  got: Extracted,
  ref: Reference,
  calibrated: Calibrated,
): Promise<{ link: LinkOutcome; drift: DriftMetrics } | null> {
  if (!ref.reference) return null;
  const { config, version, runId } = ctx;
  const linkConfig = config.link ?? DEFAULT_LINK;
  const { calib, plan } = calibrated;
  const t = performance.now();
  let link: LinkOutcome;
  try {
    const job = {
      model: config.model,
      version,
      runId,
      ...(ref.startValues ? { startValues: ref.startValues } : {}),
    };
    link = await linkRun({
      config: linkConfig,
      model: config.model,
      free: calibrated.result,
      reference: ref.reference,
      // The fixed-anchor run sees what the free run saw (the sample, if any) and is finished alike.
      refit: async (anchors) => {
        const fixed = await calibrator.calibrate(calib, { ...job, anchors });
        return plan ? plan.finish(fixed) : fixed;
      },
    });
  } catch (e) {
    throw new JobStop(
      ctx.fail(`linking (MIRT_LINK=${linkConfig.mode}) failed: ${msg(e)}. ${NOTHING_WRITTEN}`, {
        extraction: got.extraction,
        hygiene: got.data.hygiene,
      }),
    );
  }
  for (const line of link.lines) ctx.io.out(line);
  ctx.lap('link', t);
  if (ctx.progress) phaseLine(ctx.progress, 'link', ctx.seconds.link, `MIRT_LINK=${linkConfig.mode}`);
  const flagged = link.drift.filter((x) => x.drift);
  return {
    link,
    drift: {
      z_min: linkConfig.driftZ,
      shift_min: linkConfig.driftShift,
      n_common: link.constants.n_common,
      n_flagged: flagged.length,
      flagged,
    },
  };
}
