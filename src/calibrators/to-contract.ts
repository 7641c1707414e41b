/**
 * Engine result -> the /calibrate response contract (the R Plumber service's JSON shape), with
 * our additions in optional fields: item standard errors, counts and fit; metrics and hygiene.
 */
import { hygieneRecord } from '../contract/hygiene.js';
import type { AbilityRecord, CalibrateResponse, ItemParamsRecord } from '../contract/types.js';
import { type FlagThresholds, ITEM_FLAGS } from '../engine/item-flags.js';
import { type CalibrationResult, formatItemPrior, type IrtParam, type ItemResult } from '../engine/types.js';
import { echoOptions } from '../options/engine.js';

export interface RunLabels {
  readonly version: string;
  readonly runId: string;
}

function num(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : x;
}

export function toCalibrateResponse(
  r: CalibrationResult,
  labels: RunLabels,
  seconds: number,
): CalibrateResponse {
  const model = r.settings.model;
  // Only the parameters the model has: c for the 3PL/4PL, u for the 4PL (the contract's seed
  // shape {a, b} otherwise).
  const pick = <T>(values: Record<IrtParam, T>) =>
    Object.fromEntries(r.itemParameters.map((p) => [p, values[p]])) as { a: T; b: T; c?: T; u?: T };
  const item_params: ItemParamsRecord[] = r.items.map((it) => ({
    item_id: it.id,
    model,
    params: pick({ a: it.a, b: it.b, c: it.c, u: it.u }),
    version: labels.version,
    se: pick(it.se),
    n: it.n,
    p_correct: it.pCorrect,
    ...(it.anchored ? { anchored: true } : {}),
    fit:
      it.fit.kind === 'unavailable'
        ? { statistic: null, reason: it.fit.reason }
        : Number.isFinite(it.fit.statistic)
          ? {
              statistic: it.fit.kind,
              value: it.fit.statistic,
              df: it.fit.df,
              p: it.fit.p,
              rmsea: it.fit.rmsea,
            }
          : {
              statistic: null,
              reason: 'S-X2 has no degrees of freedom left once cells are merged (mirt: NA)',
            },
    ...(it.meanSquares && Number.isFinite(it.meanSquares.infit) && Number.isFinite(it.meanSquares.outfit)
      ? {
          mean_squares: {
            infit: it.meanSquares.infit,
            infit_z: num(it.meanSquares.infitZ),
            outfit: it.meanSquares.outfit,
            outfit_z: num(it.meanSquares.outfitZ),
            n: it.meanSquares.n,
          },
        }
      : {}),
    flags: [...it.flags],
  }));
  const abilities: AbilityRecord[] = [];
  const ab = r.abilities;
  if (ab) {
    for (let u = 0; u < r.userIds.length; u++) {
      abilities.push({
        user_id: r.userIds[u],
        theta: ab.theta[u],
        se: num(ab.se[u]),
        model,
        version: labels.version,
      });
    }
  }
  const response: CalibrateResponse = {
    item_params,
    abilities,
    fit_meta: {
      run_id: labels.runId,
      model_spec: {
        model,
        n_items: r.itemIds.length,
        n_users: r.userIds.length,
        n_obs: r.nObs,
        quadrature: { points: r.settings.quadPoints, range: [-r.settings.quadRange, r.settings.quadRange] },
        // The item priors (engine/types.ts DEFAULT_A_PRIOR, DEFAULT_B_PRIOR; not yet options of
        // contract/options.ts), and the items whose slope ran off without a slope prior, held
        // by the fallback one (engine/calibrate.ts).
        a_prior: formatItemPrior(r.settings.aPrior),
        b_prior: formatItemPrior(r.settings.bPrior),
        ...(r.slopesHeld
          ? { a_prior_fallback: { prior: formatItemPrior(r.slopesHeld.prior), items: r.slopesHeld.items } }
          : {}),
        latent: r.latent,
        anchors: r.anchors.used > 0 || r.anchors.unused.length > 0 ? r.anchors : null,
        acceleration: r.settings.acceleration,
        engine: 'mirt-calibrate',
      },
      metrics: {
        logLik: r.fit.logLik,
        logPrior: r.fit.logPrior,
        AIC: r.fit.AIC,
        BIC: r.fit.BIC,
        SABIC: r.fit.SABIC,
        n_params: r.fit.nParams,
        reliability: r.fit.reliability,
        empirical_reliability: r.fit.empiricalReliability,
        cycles: r.cycles,
        e_steps: r.eSteps,
        converged: r.converged,
        n_obs: r.nObs,
        seconds,
        timings: r.timings,
        item_flags: flagSummary(r.items, r.flagThresholds),
        em_history: {
          ...r.history,
          maxChange: r.history.maxChange.map((x) => (Number.isFinite(x) ? x : null)),
          objective: r.history.objective.map((x) => (Number.isFinite(x) ? x : null)),
        },
        hygiene: hygieneRecord(r.hygiene),
      },
    },
  };
  // The options the run used: c_prior, u_prior, score_method, tol, max_cycles (options/engine.ts).
  echoOptions(r.settings, r.itemParameters, response.fit_meta.model_spec);
  return response;
}

/** fit_meta.metrics.item_flags: how many items carry each flag, and the thresholds used. */
function flagSummary(
  items: readonly ItemResult[],
  thresholds: FlagThresholds,
): {
  counts: Record<string, number>;
  flagged: number;
  thresholds: FlagThresholds;
} {
  const counts: Record<string, number> = Object.fromEntries(ITEM_FLAGS.map((f) => [f, 0]));
  for (const it of items) for (const f of it.flags) counts[f]++;
  return {
    counts,
    flagged: items.filter((it) => it.flags.length > 0).length,
    thresholds,
  };
}

/** Adds the not_identified flag (calibrators/identification.ts) to these items and its count. */
export function markNotIdentified(response: CalibrateResponse, ids: readonly string[]): void {
  const set = new Set(ids);
  let n = 0;
  for (const it of response.item_params) {
    if (!set.has(it.item_id) || it.flags?.includes('not_identified')) continue;
    it.flags = [...(it.flags ?? []), 'not_identified'];
    n++;
  }
  const summary = response.fit_meta.metrics.item_flags as ReturnType<typeof flagSummary> | undefined;
  if (summary) {
    summary.counts.not_identified += n;
    summary.flagged = response.item_params.filter((it) => (it.flags?.length ?? 0) > 0).length;
  }
}
