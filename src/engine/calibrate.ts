/**
 * The engine's one entry point: calibrate(responses, options) -> CalibrationResult.
 * EM (em.ts), then standard errors (standard-errors.ts), scores (scoring.ts), item results,
 * flags and fit statistics (item-results.ts), reliability. Pure computation: E-steps may be run elsewhere through `executor`.
 */

import { seconds } from './clock.js';
import { EmMap, type EmResult, type EStepExecutor, inlineExecutor } from './em.js';
import { EmHistoryRecorder } from './em-history.js';
import { fitStatistics, itemFit, itemResults, runFlagThresholds } from './item-results.js';
import type { FamilyParam } from './models/model.js';
import { slopePriorOf } from './models/priors.js';
import { modelFor } from './models/registry.js';
import type { ItemBank } from './models.js';
import { runEmFromStarts } from './multi-start.js';
import { ParamLayout, startValues } from './params.js';
import { marginalReliability, marginalRxx } from './reliability.js';
import type { HygieneReport, ResponseData } from './responses.js';
import { resolveAnchors, seededStart } from './run-inputs.js';
import { eapFromMoments, eapTables, scoreAbilities } from './scoring.js';
import { standardErrors } from './standard-errors.js';
import {
  type Abilities,
  type CalibrationResult,
  type CalibrationSettings,
  DEFAULT_A_PRIOR,
  DEFAULT_C_PRIOR,
  EngineInputError,
  type ItemParams,
  type LatentDistribution,
  type ModelName,
  NO_PRIOR,
  parseModel,
  parseScoreMethod,
  type SlopePrior,
} from './types.js';

export interface CalibrateOptions extends Partial<Omit<CalibrationSettings, 'model' | 'scoreMethod'>> {
  /** Rasch, 1PL, 2PL, 3PL or 4PL (case-insensitive). */
  readonly model: ModelName | string;
  /** EAP (default), MAP, ML, WLE, or null to skip scoring. */
  readonly scoreMethod?: string | null;
  /** Skip S-X2 (it costs a Lord–Wingersky recursion per item). Default true. */
  readonly itemFit?: boolean;
  /**
   * Where E-steps run on given data (default: inline, this thread). Called once (no item is ever
   * refitted out); calibrate closes the executor it gets.
   */
  readonly executorFor?: (data: ResponseData) => Promise<EStepExecutor>;
  /**
   * Anchors: items whose parameters are fixed at these values (IRT form), to put this run on the
   * scale of an earlier one; the latent mean and variance are then estimated. Anchors for items
   * absent from the data are ignored and listed in the result.
   */
  readonly anchors?: ReadonlyMap<string, ItemParams> | Readonly<Record<string, ItemParams>>;
  /**
   * Starting values (IRT form) for items that are estimated: where EM begins for them, never a
   * constraint (a stored earlier estimate, so a run starts near where the last one ended).
   * Ids absent from the data or anchored are ignored.
   */
  readonly startValues?: ReadonlyMap<string, ItemParams>;
  /** Called after each EM cycle with the objective and the largest parameter change. */
  readonly onCycle?: (cycle: number, objective: number, change: number) => void;
}

function estimates(model: ModelName, param: FamilyParam): boolean {
  return modelFor(model).itemParams.includes(param);
}

export function resolveSettings(options: CalibrateOptions): CalibrationSettings {
  const model = parseModel(options.model);
  const s: CalibrationSettings = {
    model,
    quadPoints: options.quadPoints ?? 61,
    quadRange: options.quadRange ?? 6,
    maxCycles: options.maxCycles ?? 500,
    tol: options.tol ?? 1e-4,
    // Priors only on what the model estimates: c as unattended runs want it, u none (mirt); a and
    // b none by default (mirt), a for items with a slope of their own (not the 1PL's shared one,
    // not Rasch), b for every model.
    cPrior: estimates(model, 'g') ? (options.cPrior ?? DEFAULT_C_PRIOR) : NO_PRIOR,
    uPrior: estimates(model, 'h') ? (options.uPrior ?? NO_PRIOR) : NO_PRIOR,
    aPrior: estimates(model, 'a') ? (options.aPrior ?? NO_PRIOR) : NO_PRIOR,
    bPrior: options.bPrior ?? NO_PRIOR,
    scoreMethod: options.scoreMethod === null ? null : parseScoreMethod(options.scoreMethod ?? 'EAP'),
    acceleration: options.acceleration ?? 'squarem',
    standardErrors: options.standardErrors ?? 'auto',
    threads: options.threads ?? 1,
  };
  const bad = (option: keyof CalibrationSettings, rule: string) => {
    throw new EngineInputError(`${option} ${rule}`, option);
  };
  if (!Number.isInteger(s.quadPoints) || s.quadPoints < 5 || s.quadPoints > 401)
    bad('quadPoints', 'must be an integer in [5, 401]');
  if (!(s.quadRange > 0 && s.quadRange <= 20)) bad('quadRange', 'must be in (0, 20]');
  if (!Number.isInteger(s.maxCycles) || s.maxCycles < 1) bad('maxCycles', 'must be a positive integer');
  if (!(s.tol > 0 && s.tol < 1)) bad('tol', 'must be in (0, 1)');
  if (!Number.isInteger(s.threads) || s.threads < 1) bad('threads', 'must be a positive integer');
  return s;
}

/**
 * The slope prior that holds an item whose slope ran off in a run without one: the unattended
 * default. Such an item (perfectly separated answers: its likelihood rises for ever with a) used
 * to be left out and refitted without, which on a sparse bank separated the next item, and the
 * next (300 learners x 2,000 items: 1,914 items left out one after another). Held instead, it
 * keeps its answers in the data, so nothing else changes; it is flagged `slope_held`.
 */
export const FALLBACK_A_PRIOR: SlopePrior = DEFAULT_A_PRIOR;

export async function calibrate(data: ResponseData, options: CalibrateOptions): Promise<CalibrationResult> {
  const settings = resolveSettings(options);
  const executorFor = options.executorFor ?? (async () => inlineExecutor());
  const now = seconds;
  const t0 = now();
  checkEstimable(data, settings.model);
  const anchors = resolveAnchors(data, options.anchors, modelFor(settings.model));
  const layout = new ParamLayout(settings.model, data.nItems, anchors.anchors);
  let start: { layout: ParamLayout; x?: Float64Array } = {
    layout,
    x: seededStart(layout, data, options.startValues),
  };
  const history = new EmHistoryRecorder();
  const spent = { cycles: 0, eSteps: 0 };
  const onCycle = (cycle: number, objective: number, change: number) => {
    history.add(spent.cycles + cycle, objective, change);
    options.onCycle?.(spent.cycles + cycle, objective, change);
  };
  const executor = await executorFor(data);
  try {
    // EM; an item whose slope runs off (no finite estimate) is held by the fallback slope prior
    // and EM goes on from where it was, within the one budget of maxCycles.
    let held: Uint8Array | null = null;
    let em: EmResult;
    for (;;) {
      const budget = Math.max(1, settings.maxCycles - spent.cycles);
      em = await runEmFromStarts(
        data,
        { ...settings, maxCycles: budget, heldSlopes: held, fallbackA: FALLBACK_A_PRIOR },
        executor,
        onCycle,
        start,
      );
      const fresh = em.diverged.filter((j) => held?.[j] !== 1);
      if (fresh.length === 0 || slopePriorOf(em.priors, fresh[0]).kind !== 'none') break;
      spent.cycles += em.cycles;
      spent.eSteps += em.eSteps;
      held = held ?? new Uint8Array(data.nItems);
      for (const j of fresh) held[j] = 1;
      start = { layout, x: restartItems(layout, data, em.x, fresh) };
    }
    const total = {
      ...em,
      converged: em.converged && em.diverged.length === 0,
      cycles: em.cycles + spent.cycles,
      eSteps: em.eSteps + spent.eSteps,
    };
    return await finishCalibration(data, settings, options, executor, total, t0, anchors.unused, history);
  } finally {
    await executor.close();
  }
}

/** x with the given items back at their start values (a slope that ran off starts over). */
function restartItems(layout: ParamLayout, data: ResponseData, x: Float64Array, items: readonly number[]) {
  const fresh = startValues(layout, data);
  const out = x.slice();
  const p = new Float64Array(4);
  for (const j of items) {
    layout.readItem(fresh, j, p);
    layout.writeItem(j, p, out);
  }
  return out;
}

/** The data leave nothing to estimate; `hygiene` lists what was left out and why. */
export class NotEstimableError extends EngineInputError {
  constructor(
    message: string,
    readonly hygiene: HygieneReport,
  ) {
    super(message, 'observations');
  }
}

function checkEstimable(data: ResponseData, model: ModelName): void {
  if (data.nObs === 0 || data.nItems === 0)
    throw new NotEstimableError('no usable observations', data.hygiene);
  // One binary item shows only its proportion correct: no slope or latent variance is identified.
  if (data.nItems < 2) {
    throw new NotEstimableError(
      `${model} needs at least 2 estimable items, got ${data.nItems} (${data.itemIds.join(', ')})`,
      data.hygiene,
    );
  }
}

/** Standard errors, scores, item fit and the result, from the converged EM. */
async function finishCalibration(
  data: ResponseData,
  resolved: CalibrationSettings,
  options: CalibrateOptions,
  executor: EStepExecutor,
  em: EmResult,
  t0: number,
  unusedAnchors: readonly string[],
  history: EmHistoryRecorder,
): Promise<CalibrationResult> {
  const now = seconds;
  const t1 = now();
  // The executor knows how many threads it really runs (the request may have been capped).
  const settings = { ...resolved, threads: (executor as { threads?: number }).threads ?? resolved.threads };
  const { bank, latent, layout } = em;
  const map = new EmMap(
    data,
    { ...settings, heldSlopes: em.priors.heldSlopes, fallbackA: em.priors.fallbackA },
    executor,
    layout,
  );
  const se = await standardErrors(map, em.x, settings);
  const t2 = now();
  const abilities = await score(data, settings, executor, map, bank, latent);
  const t3 = now();
  const fits = await itemFit(data, settings, options, em, executor);
  const reliability = marginalRxx(bank, latent);
  const empiricalReliability =
    abilities && (abilities.method === 'EAP' || abilities.method === 'MAP')
      ? marginalReliability(abilities.theta, abilities.se)
      : null;
  const t4 = now();
  const estimated = layout.model.itemParams;
  return {
    settings,
    itemParameters: [
      'a',
      'b',
      ...(estimated.includes('g') ? (['c'] as const) : []),
      ...(estimated.includes('h') ? (['u'] as const) : []),
    ],
    userIds: data.userIds,
    itemIds: data.itemIds,
    items: itemResults(data, settings, em, se, fits),
    latent,
    abilities,
    fit: fitStatistics(em, data.nUsers, reliability, empiricalReliability),
    converged: em.converged,
    cycles: em.cycles,
    eSteps: em.eSteps,
    nObs: data.nObs,
    hygiene: data.hygiene,
    anchors: { used: data.nItems - layout.freeItemCount(), unused: unusedAnchors },
    timings: { em: t1 - t0, se: t2 - t1, scoring: t3 - t2, itemFit: t4 - t3 },
    history: history.history(),
    slopesHeld: heldItems(data, em),
    flagThresholds: runFlagThresholds(data),
  };
}

/** Abilities by the requested method (EAP on the executor's kernel where it has one). */
async function score(
  data: ResponseData,
  settings: CalibrationSettings,
  executor: EStepExecutor,
  map: EmMap,
  bank: ItemBank,
  latent: LatentDistribution,
): Promise<Abilities | null> {
  if (settings.scoreMethod === 'EAP' && executor.posteriorMoments) {
    const t = eapTables(bank, latent);
    const moments = await executor.posteriorMoments(
      { ...map.lastInput(), nQ: t.nodes.length, ...t },
      t.nodes,
    );
    return eapFromMoments(data, bank, latent, moments);
  }
  if (settings.scoreMethod) return scoreAbilities(data, bank, { method: settings.scoreMethod, latent });
  return null;
}

/** The items held by the fallback slope prior, with their answer counts; null when none. */
function heldItems(data: ResponseData, em: EmResult): CalibrationResult['slopesHeld'] {
  const held = em.priors.heldSlopes;
  if (!held) return null;
  const items: { id: string; n: number }[] = [];
  held.forEach((h, j) => {
    if (h === 1) items.push({ id: data.itemIds[j], n: data.itemN[j] });
  });
  return { prior: em.priors.fallbackA ?? FALLBACK_A_PRIOR, items };
}
