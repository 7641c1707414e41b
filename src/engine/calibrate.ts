/**
 * The engine's one entry point: calibrate(responses, options) -> CalibrationResult.
 * EM (em.ts), then standard errors (information.ts), scores (scoring.ts), item fit and
 * reliability (itemfit.ts). Pure computation: E-steps may be run elsewhere through `executor`.
 */

import { EmMap, type EStepExecutor, inlineExecutor, runEm } from './em.js';
import { fullInformation, invertSpd, itemBlockCovariances } from './information.js';
import { itemFlags } from './item-flags.js';
import { itemFitAnyDesign } from './itemfit-sparse.js';
import { makeItemBank } from './models.js';
import { type Anchors, ParamLayout } from './params.js';
import { marginalReliability, marginalRxx } from './reliability.js';
import type { HygieneReport, ResponseData } from './responses.js';
import { withoutItems } from './responses-subset.js';
import { eapFromMoments, eapTables, scoreAbilities } from './scoring.js';
import {
  type Abilities,
  type CalibrationResult,
  type CalibrationSettings,
  DEFAULT_C_PRIOR,
  EngineInputError,
  type ItemFit,
  type ItemParams,
  type ItemResult,
  type ModelName,
  parseModel,
  parseScoreMethod,
} from './types.js';

export interface CalibrateOptions extends Partial<Omit<CalibrationSettings, 'model' | 'scoreMethod'>> {
  /** Rasch, 1PL, 2PL or 3PL (case-insensitive). */
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
  /** Called after each EM cycle with the objective and the largest parameter change. */
  readonly onCycle?: (cycle: number, objective: number, change: number) => void;
}

/** Problems up to this many (free parameters x observations) get the full information matrix. */
const FULL_SE_LIMIT = 4e6;

export function resolveSettings(options: CalibrateOptions): CalibrationSettings {
  const model = parseModel(options.model);
  const s: CalibrationSettings = {
    model,
    quadPoints: options.quadPoints ?? 61,
    quadRange: options.quadRange ?? 6,
    maxCycles: options.maxCycles ?? 500,
    tol: options.tol ?? 1e-4,
    cPrior: model === '3PL' ? (options.cPrior ?? DEFAULT_C_PRIOR) : { kind: 'none' },
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
  const now = () => performance.now() / 1000;
  const t0 = now();
  // EM; an item whose slope runs off (no finite estimate) is left out and EM goes on from where
  // it was for the others, until none does.
  let data = input;
  const anchors = resolveAnchors(input, options.anchors, settings.model);
  let start: { layout: ParamLayout; x?: Float64Array } = {
    layout: new ParamLayout(settings.model, input.nItems, anchors.anchors),
  };
  let executor: EStepExecutor;
  let em: Awaited<ReturnType<typeof runEm>>;
  const spent = { cycles: 0, eSteps: 0 };
  for (;;) {
    checkEstimable(data, settings.model);
    executor = await executorFor(data);
    try {
      em = await runEm(data, settings, executor, options.onCycle, start);
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

/** Anchors by item index, checked against the model; ids not in the data are listed apart. */
function resolveAnchors(
  data: ResponseData,
  given: CalibrateOptions['anchors'],
  model: ModelName,
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
    if (![p.a, p.b, c].every(Number.isFinite)) bad('a, b and c must be finite numbers');
    if (!(c >= 0 && c < 1)) bad('c must be in [0, 1)');
    if (model !== '3PL' && c !== 0) bad(`c must be 0 for the ${model} model`);
    if (model === 'Rasch' && Math.abs(p.a - 1) > 1e-9) bad('a must be 1 for the Rasch model');
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
  em: Awaited<ReturnType<typeof runEm>>,
  t0: number,
  unusedAnchors: readonly string[],
): Promise<CalibrationResult> {
  const now = () => performance.now() / 1000;
  const t1 = now();
  // The executor knows how many threads it really runs (the request may have been capped).
  const settings = { ...resolved, threads: (executor as { threads?: number }).threads ?? resolved.threads };

  const J = data.nItems;
  const bank = em.bank;
  const latent = em.latent;
  const layout = em.layout;
  const map = new EmMap(data, settings, executor, layout);
  const se = await standardErrors(map, em.x, settings);
  const t2 = now();

  let abilities: Abilities | null = null;
  if (settings.scoreMethod === 'EAP' && executor.posteriorMoments) {
    const t = eapTables(bank, latent);
    const moments = await executor.posteriorMoments(
      { ...map.lastInput(), nQ: t.nodes.length, ...t },
      t.nodes,
    );
    abilities = eapFromMoments(data, bank, latent, moments);
  } else if (settings.scoreMethod) {
    abilities = scoreAbilities(data, bank, { method: settings.scoreMethod, latent });
  }
  const t3 = now();

  // Counted as mirt counts them for S-X2's df (itemfit.ts): the 1PL's shared slope in every item.
  const free = settings.model === '3PL' ? 3 : settings.model === 'Rasch' ? 1 : 2;
  const fits =
    options.itemFit === false
      ? null
      : itemFitAnyDesign(data, bank, latent, {
          quadPoints: settings.quadPoints,
          quadRange: settings.quadRange,
          freeParamsPerItem: Int32Array.from({ length: J }, (_, j) => (layout.isFixed(j) ? 0 : free)),
          freeLatentParams: (layout.meanIndex >= 0 ? 1 : 0) + (layout.varIndex >= 0 ? 1 : 0),
        });
  const reliability = marginalRxx(bank, latent);
  const empiricalReliability =
    abilities && (abilities.method === 'EAP' || abilities.method === 'MAP')
      ? marginalReliability(abilities.theta, abilities.se)
      : null;
  const t4 = now();

  const items: ItemResult[] = [];
  for (let j = 0; j < J; j++) {
    const a = bank.a[j];
    const d = bank.d[j];
    const fixed = layout.isFixed(j);
    const fit: ItemFit = fits?.fit[j] ?? { kind: 'unavailable', reason: 'item fit not requested' };
    items.push({
      id: data.itemIds[j],
      a,
      b: -d / a,
      c: bank.c[j],
      d,
      se: {
        a: settings.model === 'Rasch' || fixed ? null : finiteOrNull(se?.a[j]),
        b: fixed ? null : finiteOrNull(se?.b[j]),
        c: settings.model === '3PL' && !fixed ? finiteOrNull(se?.c[j]) : null,
      },
      anchored: fixed,
      n: data.itemN[j],
      pCorrect: data.itemCorrect[j] / data.itemN[j],
      fit,
      meanSquares: fits?.meanSquares[j] ?? null,
      flags: itemFlags({
        a,
        b: -d / a,
        c: bank.c[j],
        n: data.itemN[j],
        pCorrect: data.itemCorrect[j] / data.itemN[j],
        seB: fixed ? null : finiteOrNull(se?.b[j]),
        fitP: fit.kind === 'unavailable' ? null : fit.p,
        meanSquares: fits?.meanSquares[j],
        converged: em.converged,
      }),
    });
  }
  const k = layout.freeCount();
  const N = data.nUsers;
  const dev = -2 * em.logLik;
  return {
    settings,
    userIds: data.userIds,
    itemIds: data.itemIds,
    items,
    latent,
    abilities,
    fit: {
      logLik: em.logLik,
      logPrior: em.logPrior,
      AIC: dev + 2 * k,
      BIC: dev + k * Math.log(N),
      SABIC: dev + k * Math.log((N + 2) / 24),
      nParams: k,
      reliability,
      empiricalReliability: Number.isFinite(empiricalReliability) ? empiricalReliability : null,
    },
    converged: em.converged,
    cycles: em.cycles,
    eSteps: em.eSteps,
    nObs: data.nObs,
    hygiene: data.hygiene,
    anchors: { used: J - layout.freeItemCount(), unused: unusedAnchors },
    timings: { em: t1 - t0, se: t2 - t1, scoring: t3 - t2, itemFit: t4 - t3 },
  };
}

/**
 * Covariance from the information matrix, leaving out parameters with (next to) no curvature:
 * a lower asymptote pressed against c = 0 has a vanishing gradient on the logit scale, which
 * makes the whole matrix singular. Those parameters get no standard error (NaN), the rest are
 * inverted as if they were fixed.
 */
function reducedCovariance(info: Float64Array, n: number): ((i: number, k: number) => number) | null {
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, info[i * n + i]);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (info[i * n + i] > 1e-8 * maxDiag) keep.push(i);
  const m = keep.length;
  const sub = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) sub[i * m + k] = info[keep[i] * n + keep[k]];
  const inv = invertSpd(sub, m);
  if (!inv) return null;
  const pos = new Int32Array(n).fill(-1);
  keep.forEach((i, r) => {
    pos[i] = r;
  });
  return (i, k) => (pos[i] < 0 || pos[k] < 0 ? Number.NaN : inv[pos[i] * m + pos[k]]);
}

function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

interface SeArrays {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

/**
 * Standard errors in IRT form by the delta method from the covariance of (a, d, logit c):
 *   var b = (d/a^2)^2 var a + (1/a)^2 var d - 2 (d/a^3) cov(a, d),   se c = c (1 - c) se(logit c).
 */
async function standardErrors(map: EmMap, x: Float64Array, s: CalibrationSettings): Promise<SeArrays | null> {
  const J = map.layout.nItems;
  const n = map.layout.size;
  let mode = s.standardErrors;
  if (mode === 'none') return null;
  // Rasch/1PL: the shared parameter couples all items, so the full matrix while it stays small.
  const sharedSmall = (s.model === 'Rasch' || s.model === '1PL') && n <= 400;
  if (mode === 'auto') mode = n * map.data.nObs <= FULL_SE_LIMIT || sharedSmall ? 'full' : 'item';
  const out = {
    a: new Float64Array(J).fill(Number.NaN),
    b: new Float64Array(J).fill(Number.NaN),
    c: new Float64Array(J).fill(Number.NaN),
  };
  const setIrt = (j: number, a: number, d: number, va: number, vd: number, cad: number) => {
    out.a[j] = Math.sqrt(va);
    const db = d / (a * a);
    const dd = -1 / a;
    out.b[j] = Math.sqrt(db * db * va + dd * dd * vd + 2 * db * dd * cad);
  };
  if (mode === 'full') {
    const v = reducedCovariance(await fullInformation(map, x), n);
    if (!v) return out;
    for (let j = 0; j < J; j++) {
      switch (s.model) {
        case '2PL':
          setIrt(j, x[2 * j], x[2 * j + 1], v(2 * j, 2 * j), v(2 * j + 1, 2 * j + 1), v(2 * j, 2 * j + 1));
          break;
        case '3PL': {
          setIrt(j, x[3 * j], x[3 * j + 1], v(3 * j, 3 * j), v(3 * j + 1, 3 * j + 1), v(3 * j, 3 * j + 1));
          const c = 1 / (1 + Math.exp(-x[3 * j + 2]));
          out.c[j] = c * (1 - c) * Math.sqrt(v(3 * j + 2, 3 * j + 2));
          break;
        }
        case '1PL':
          setIrt(j, x[J], x[j], v(J, J), v(j, j), v(J, j));
          break;
        case 'Rasch':
          out.b[j] = Math.sqrt(v(j, j));
          break;
      }
    }
    return out;
  }
  await map.eStep(x);
  const cov = await itemBlockCovariances(map, x);
  for (let j = 0; j < J; j++) {
    if (s.model === 'Rasch' || s.model === '1PL') {
      // Intercept blocks only (slope taken as known): se b = se d / a; no se for the shared a.
      const a = s.model === 'Rasch' ? 1 : x[J];
      out.b[j] = Math.sqrt(cov[j * 4 + 3]) / Math.abs(a);
      continue;
    }
    const p = s.model === '3PL' ? 3 : 2;
    const o = j * p * p;
    setIrt(j, x[p * j], x[p * j + 1], cov[o], cov[o + p + 1], cov[o + 1]);
    if (p === 3) {
      const c = 1 / (1 + Math.exp(-x[3 * j + 2]));
      out.c[j] = c * (1 - c) * Math.sqrt(cov[o + 8]);
    }
  }
  return out;
}
