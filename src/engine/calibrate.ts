/**
 * The engine's one entry point: calibrate(responses, options) -> CalibrationResult.
 * EM (em.ts), then standard errors (standard-errors.ts), scores (scoring.ts), item fit and
 * reliability (itemfit.ts). Pure computation: E-steps may be run elsewhere through `executor`.
 */

import { seconds } from './clock.js';
import { EmMap, type EmResult, type EStepExecutor, inlineExecutor } from './em.js';
import { itemFlags } from './item-flags.js';
import { type ItemFitResult, itemFitAnyDesign } from './itemfit-sparse.js';
import type { ItemModel } from './models/model.js';
import { PARAM_BOUNDS } from './models/model.js';
import { modelFor } from './models/registry.js';
import { type ItemBank, makeItemBank } from './models.js';
import { runEmFromStarts } from './multi-start.js';
import { type Anchors, ParamLayout, startValues } from './params.js';
import { marginalReliability, marginalRxx } from './reliability.js';
import type { HygieneReport, ResponseData } from './responses.js';
import { withoutItems } from './responses-subset.js';
import { eapFromMoments, eapTables, scoreAbilities } from './scoring.js';
import { type SeArrays, standardErrors } from './standard-errors.js';
import {
  type Abilities,
  type CalibrationResult,
  type CalibrationSettings,
  DEFAULT_C_PRIOR,
  EngineInputError,
  type ItemFit,
  type ItemParams,
  type ItemResult,
  type LatentDistribution,
  type ModelName,
  NO_PRIOR,
  parseModel,
  parseScoreMethod,
} from './types.js';

export interface CalibrateOptions extends Partial<Omit<CalibrationSettings, 'model' | 'scoreMethod'>> {
  /** Rasch, 1PL, 2PL, 3PL or 4PL (case-insensitive). */
  readonly model: ModelName | string;
  /** EAP (default), MAP, ML, WLE, or null to skip scoring. */
  readonly scoreMethod?: string | null;
  /** Skip S-X2 (it costs a Lord–Wingersky recursion per item). Default true. */
  readonly itemFit?: boolean;
  /**
   * Where E-steps run on given data (default: inline, this thread). Called again when items are
   * refitted out; calibrate closes every executor it gets.
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

function estimates(model: ModelName, param: 'g' | 'h'): boolean {
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
    // Priors only on the asymptotes the model estimates: c as unattended runs want it, u none (mirt).
    cPrior: estimates(model, 'g') ? (options.cPrior ?? DEFAULT_C_PRIOR) : NO_PRIOR,
    uPrior: estimates(model, 'h') ? (options.uPrior ?? NO_PRIOR) : NO_PRIOR,
    scoreMethod: options.scoreMethod === null ? null : parseScoreMethod(options.scoreMethod ?? 'EAP'),
    acceleration: options.acceleration ?? 'squarem',
    standardErrors: options.standardErrors ?? 'auto',
    threads: options.threads ?? 1,
  };
  const bad = (what: string) => {
    throw new EngineInputError(what);
  };
  if (!Number.isInteger(s.quadPoints) || s.quadPoints < 5 || s.quadPoints > 401)
    bad('quadPoints must be an integer in [5, 401]');
  if (!(s.quadRange > 0 && s.quadRange <= 20)) bad('quadRange must be in (0, 20]');
  if (!Number.isInteger(s.maxCycles) || s.maxCycles < 1) bad('maxCycles must be a positive integer');
  if (!(s.tol > 0 && s.tol < 1)) bad('tol must be in (0, 1)');
  if (!Number.isInteger(s.threads) || s.threads < 1) bad('threads must be a positive integer');
  return s;
}

export async function calibrate(input: ResponseData, options: CalibrateOptions): Promise<CalibrationResult> {
  const settings = resolveSettings(options);
  const executorFor = options.executorFor ?? (async () => inlineExecutor());
  const now = seconds;
  const t0 = now();
  // EM; an item whose slope runs off (no finite estimate) is left out and EM goes on from where
  // it was for the others, until none does.
  let data = input;
  const anchors = resolveAnchors(input, options.anchors, modelFor(settings.model));
  const layout0 = new ParamLayout(settings.model, input.nItems, anchors.anchors);
  let start: { layout: ParamLayout; x?: Float64Array } = {
    layout: layout0,
    x: seededStart(layout0, input, options.startValues),
  };
  let executor: EStepExecutor;
  let em: EmResult;
  const spent = { cycles: 0, eSteps: 0 };
  for (;;) {
    checkEstimable(data, settings.model);
    executor = await executorFor(data);
    try {
      em = await runEmFromStarts(data, settings, executor, options.onCycle, start);
    } catch (e) {
      await executor.close();
      throw e;
    }
    if (em.diverged.length === 0) break;
    spent.cycles += em.cycles;
    spent.eSteps += em.eSteps;
    await executor.close();
    const next = withoutItems(data, em.diverged, 'slope_diverged');
    start = em.layout.subset(em.x, next.keptItems);
    data = next.data;
  }
  try {
    const total = { ...em, cycles: em.cycles + spent.cycles, eSteps: em.eSteps + spent.eSteps };
    return await finishCalibration(data, settings, options, executor, total, t0, anchors.unused);
  } finally {
    await executor.close();
  }
}

/**
 * The default start vector with the given items' values put in on EM's scale, for the
 * parameters the model estimates per item: slope a and intercept d = -a b (a model that fixes or
 * shares the slope takes d = -a b with its start slope, 1), logit c for a c inside (0, 1), logit
 * u for a u inside (c, 1), each within its bound. Undefined when there is nothing to seed.
 */
function seededStart(
  layout: ParamLayout,
  data: ResponseData,
  seeds: ReadonlyMap<string, ItemParams> | undefined,
): Float64Array | undefined {
  if (!seeds || seeds.size === 0) return undefined;
  const x = startValues(layout, data);
  const p = new Float64Array(4);
  const own = (j: number, k: number) => {
    const i = layout.index(j, k);
    return i >= 0 && i !== layout.sharedIndex;
  };
  data.itemIds.forEach((id, j) => {
    const s = seeds.get(id);
    if (!s || layout.isFixed(j) || !(s.a > 0) || !Number.isFinite(s.a * s.b)) return;
    layout.readItem(x, j, p);
    if (own(j, 0)) p[0] = s.a;
    p[1] = -p[0] * s.b;
    const c = s.c ?? 0;
    const u = s.u ?? 1;
    if (own(j, 2) && c > 0 && c < 1) p[2] = Math.max(Math.log(c / (1 - c)), PARAM_BOUNDS.g[0]);
    if (own(j, 3) && u > c && u < 1) p[3] = Math.min(Math.log(u / (1 - u)), PARAM_BOUNDS.h[1]);
    layout.writeItem(j, p, x);
  });
  return x;
}

/** Anchors by item index, checked against the model; ids not in the data are listed apart. */
function resolveAnchors(
  data: ResponseData,
  given: CalibrateOptions['anchors'],
  model: ItemModel,
): { anchors: Anchors | null; unused: string[] } {
  if (!given) return { anchors: null, unused: [] };
  const entries = given instanceof Map ? [...given.entries()] : Object.entries(given);
  if (entries.length === 0) return { anchors: null, unused: [] };
  const index = new Map(data.itemIds.map((id, j) => [id, j]));
  const J = data.nItems;
  const anchors: Anchors = { fixed: new Uint8Array(J), bank: makeItemBank(J) };
  const unused: string[] = [];
  for (const [id, p] of entries) {
    const bad = (why: string) => {
      throw new EngineInputError(`anchor "${id}": ${why}`);
    };
    const c = p.c ?? 0;
    const u = p.u ?? 1;
    if (![p.a, p.b, c, u].every(Number.isFinite)) bad('a, b, c and u must be finite numbers');
    if (!(c >= 0 && c < 1)) bad('c must be in [0, 1)');
    if (!(u > c && u <= 1)) bad('u must be in (c, 1]');
    const problem = model.anchorProblem(p);
    if (problem) bad(problem);
    if (!(Math.abs(p.a) > 0)) bad('a must not be 0');
    const j = index.get(id);
    if (j === undefined) {
      unused.push(id);
      continue;
    }
    anchors.fixed[j] = 1;
    anchors.bank.a[j] = p.a;
    anchors.bank.d[j] = -p.a * p.b;
    anchors.bank.c[j] = c;
    (anchors.bank.u as Float64Array)[j] = u;
  }
  return { anchors: anchors.fixed.some((f) => f === 1) ? anchors : null, unused };
}

/** The data leave nothing to estimate; `hygiene` lists what was left out and why. */
export class NotEstimableError extends EngineInputError {
  constructor(
    message: string,
    readonly hygiene: HygieneReport,
  ) {
    super(message);
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
): Promise<CalibrationResult> {
  const now = seconds;
  const t1 = now();
  // The executor knows how many threads it really runs (the request may have been capped).
  const settings = { ...resolved, threads: (executor as { threads?: number }).threads ?? resolved.threads };
  const { bank, latent, layout } = em;
  const map = new EmMap(data, settings, executor, layout);
  const se = await standardErrors(map, em.x, settings);
  const t2 = now();
  const abilities = await score(data, settings, executor, map, bank, latent);
  const t3 = now();
  const fits = itemFit(data, settings, options, em);
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
    items: itemResults(data, em, se, fits),
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
  };
}

/** logLik, log prior and the information criteria on the free parameters (mirt's counts). */
function fitStatistics(
  em: EmResult,
  nUsers: number,
  reliability: number,
  empiricalReliability: number | null,
): CalibrationResult['fit'] {
  const k = em.layout.freeCount();
  const dev = -2 * em.logLik;
  return {
    logLik: em.logLik,
    logPrior: em.logPrior,
    AIC: dev + 2 * k,
    BIC: dev + k * Math.log(nUsers),
    SABIC: dev + k * Math.log((nUsers + 2) / 24),
    nParams: k,
    reliability,
    empiricalReliability: Number.isFinite(empiricalReliability) ? empiricalReliability : null,
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

/**
 * Item fit (itemfit-sparse.ts): mirt's S-X2 on complete data, its generalisation to incomplete
 * designs otherwise (S-X2's df counted as mirt counts the model's parameters), infit and outfit
 * on any design; null when not requested.
 */
function itemFit(
  data: ResponseData,
  settings: CalibrationSettings,
  options: CalibrateOptions,
  em: EmResult,
): ItemFitResult | null {
  const { layout } = em;
  if (options.itemFit === false) return null;
  const free = layout.model.sx2ItemParams;
  return itemFitAnyDesign(data, em.bank, em.latent, {
    quadPoints: settings.quadPoints,
    quadRange: settings.quadRange,
    freeParamsPerItem: Int32Array.from({ length: data.nItems }, (_, j) => (layout.isFixed(j) ? 0 : free)),
    freeLatentParams: (layout.meanIndex >= 0 ? 1 : 0) + (layout.varIndex >= 0 ? 1 : 0),
  });
}

function itemResults(
  data: ResponseData,
  em: EmResult,
  se: SeArrays | null,
  fits: ItemFitResult | null,
): ItemResult[] {
  const { bank, layout } = em;
  const items: ItemResult[] = [];
  for (let j = 0; j < data.nItems; j++) {
    const a = bank.a[j];
    const d = bank.d[j];
    const fixed = layout.isFixed(j);
    const seOf = (v: Float64Array | undefined) => (fixed ? null : finiteOrNull(v?.[j]));
    const fit: ItemFit = fits?.fit[j] ?? { kind: 'unavailable', reason: 'item fit not requested' };
    const meanSquares = fits?.meanSquares[j] ?? null;
    const u = bank.u ? bank.u[j] : 1;
    items.push({
      id: data.itemIds[j],
      a,
      b: -d / a,
      c: bank.c[j],
      u,
      d,
      se: { a: seOf(se?.a), b: seOf(se?.b), c: seOf(se?.c), u: seOf(se?.u) },
      anchored: fixed,
      n: data.itemN[j],
      pCorrect: data.itemCorrect[j] / data.itemN[j],
      fit,
      meanSquares,
      flags: itemFlags({
        a,
        b: -d / a,
        c: bank.c[j],
        u,
        n: data.itemN[j],
        pCorrect: data.itemCorrect[j] / data.itemN[j],
        seB: seOf(se?.b),
        fitP: fit.kind === 'unavailable' ? null : fit.p,
        meanSquares,
        converged: em.converged,
      }),
    });
  }
  return items;
}

function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}
