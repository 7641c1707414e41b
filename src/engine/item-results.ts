/**
 * Per-item results and the run's fit statistics, from the converged EM: IRT-form parameters,
 * standard errors, item fit and the screening flags (item-flags.ts), including the two that
 * depend on the priors: `prior_dominated` (the prior holds more than half of a parameter's
 * posterior precision) and `slope_held` (the fallback slope prior of calibrate.ts).
 */

import type { EmResult, EStepExecutor } from './em.js';
import { DEFAULT_FLAG_THRESHOLDS, type FlagThresholds, itemFlags, type PriorShare } from './item-flags.js';
import { type ItemFitResult, itemFitAnyDesign } from './itemfit-sparse.js';
import { slopePriorOf } from './models/priors.js';
import type { ResponseData } from './responses.js';
import type { SeArrays } from './standard-errors.js';
import type { CalibrationResult, CalibrationSettings, ItemFit, ItemResult } from './types.js';

/**
 * Under a slope prior (which keeps a > 0) an item is flagged negative_discrimination when the
 * score test of a = 0 rejects a >= 0 at one-sided 5% (EmResult.slopeZAtZero): the data say the
 * slope is negative, not merely that a handful of answers happened to point that way.
 */
export const NEGATIVE_SLOPE_Z = -1.645;

/** The flag thresholds of a run: `provisional` below the data's minimum-answers setting. */
export function runFlagThresholds(data: ResponseData): FlagThresholds {
  return { ...DEFAULT_FLAG_THRESHOLDS, minResponses: data.hygiene.minItemResponses };
}

/** logLik, log prior and the information criteria on the free parameters (mirt's counts). */
export function fitStatistics(
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

/**
 * Item fit (itemfit-sparse.ts): mirt's S-X2 on complete data, its generalisation to incomplete
 * designs otherwise (S-X2's df counted as mirt counts the model's parameters), infit and outfit
 * on any design; null when not requested. Its per-learner passes run on the executor's threads
 * when it has them.
 */
export async function itemFit(
  data: ResponseData,
  settings: CalibrationSettings,
  options: { readonly itemFit?: boolean },
  em: EmResult,
  executor?: EStepExecutor,
): Promise<ItemFitResult | null> {
  const { layout } = em;
  if (options.itemFit === false) return null;
  const free = layout.model.sx2ItemParams;
  return itemFitAnyDesign(
    data,
    em.bank,
    em.latent,
    {
      quadPoints: settings.quadPoints,
      quadRange: settings.quadRange,
      freeParamsPerItem: Int32Array.from({ length: data.nItems }, (_, j) => (layout.isFixed(j) ? 0 : free)),
      freeLatentParams: (layout.meanIndex >= 0 ? 1 : 0) + (layout.varIndex >= 0 ? 1 : 0),
    },
    executor,
  );
}

/** Per item: parameters in IRT form, SEs, fit and flags. */
export function itemResults(
  data: ResponseData,
  settings: CalibrationSettings,
  em: EmResult,
  se: SeArrays | null,
  fits: ItemFitResult | null,
): ItemResult[] {
  const { bank, layout } = em;
  const thresholds = runFlagThresholds(data);
  const priors = { ...em.priors };
  const items: ItemResult[] = [];
  for (let j = 0; j < data.nItems; j++) {
    const a = bank.a[j];
    const d = bank.d[j];
    const fixed = layout.isFixed(j);
    const seOf = (v: Float64Array | undefined) => (fixed ? null : finiteOrNull(v?.[j]));
    const fit: ItemFit = fits?.fit[j] ?? { kind: 'unavailable', reason: 'item fit not requested' };
    const meanSquares = fits?.meanSquares[j] ?? null;
    const u = bank.u ? bank.u[j] : 1;
    const c = bank.c[j];
    const itemSe = { a: seOf(se?.a), b: seOf(se?.b), c: seOf(se?.c), u: seOf(se?.u) };
    const slopePrior = fixed ? 'none' : slopePriorOf(priors, j).kind;
    items.push({
      id: data.itemIds[j],
      a,
      b: -d / a,
      c,
      u,
      d,
      se: itemSe,
      anchored: fixed,
      n: data.itemN[j],
      pCorrect: data.itemCorrect[j] / data.itemN[j],
      fit,
      meanSquares,
      flags: itemFlags(
        {
          a,
          b: -d / a,
          c,
          u,
          n: data.itemN[j],
          pCorrect: data.itemCorrect[j] / data.itemN[j],
          seB: itemSe.b,
          fitP: fit.kind === 'unavailable' ? null : fit.p,
          meanSquares,
          converged: em.converged,
          priors: fixed ? [] : priorShares(settings, priors, j, { a, c, u }, itemSe),
          dataSlopeNegative: slopePrior !== 'none' && em.slopeZAtZero[j] < NEGATIVE_SLOPE_Z,
          slopeHeld: !fixed && em.priors.heldSlopes?.[j] === 1,
        },
        thresholds,
      ),
    });
  }
  return items;
}

/**
 * Each prior's SD against the parameter's posterior SD on the prior's scale (log a, b, logit c,
 * logit u; by the delta method from the IRT-form SEs), for the prior_dominated flag. Parameters
 * without an SE are left out (nothing to decide).
 */
function priorShares(
  settings: CalibrationSettings,
  priors: EmResult['priors'],
  j: number,
  p: { a: number; c: number; u: number },
  se: ItemResult['se'],
): PriorShare[] {
  const out: PriorShare[] = [];
  const ap = slopePriorOf(priors, j);
  if (ap.kind === 'lognormal' && se.a !== null && p.a > 0)
    out.push({ param: 'a', priorSd: ap.sdlog, posteriorSd: se.a / p.a });
  if (settings.bPrior.kind === 'normal' && se.b !== null)
    out.push({ param: 'b', priorSd: settings.bPrior.sd, posteriorSd: se.b });
  const logit = (prior: CalibrationSettings['cPrior'], v: number, s: number | null, param: string) => {
    if (prior.kind === 'normal' && s !== null && v > 0 && v < 1)
      out.push({ param, priorSd: prior.sd, posteriorSd: s / (v * (1 - v)) });
  };
  logit(settings.cPrior, p.c, se.c, 'c');
  logit(settings.uPrior, p.u, se.u, 'u');
  return out;
}

function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}
