/**
 * The run's hook for `--calibration-sample` and `--score`: which data the calibrator gets, and
 * what becomes of its result before it is written.
 *
 * - `--score all` (default): the sample's item parameters score every learner of the window
 *   in-process (EAP with the fitted latent distribution, as the calibration scores), so the run
 *   writes all abilities in its one transaction, as without a sample.
 * - `--score shards`: the run writes the item parameters and fit metadata only, with
 *   model_spec.scoring = 'shards': the version is awaiting scores until every shard of
 *   `mirt-calibrate score` has finished (mirt_complete_versions).
 */
import type { CalibrateResponse } from '../contract/types.js';
import type { ResponseData } from '../engine/responses.js';
import type { ItemParams, LatentDistribution } from '../engine/types.js';
import type { JobConfig } from './config.js';
import { type SampleInfo, stratifiedSample } from './sample.js';
import { itemParamsOf, scoreWithParams } from './score-fixed.js';

export interface SamplePlan {
  /** What the calibrator gets. */
  readonly data: ResponseData;
  /** The calibrator's result as it is to be written. */
  finish(result: CalibrateResponse): CalibrateResponse;
}

export function planSampling(
  config: JobConfig,
  data: ResponseData,
  out: (line: string) => void,
): SamplePlan | null {
  const s = config.sampling;
  if (!s) return null;
  let calib = data;
  let info: SampleInfo | null = null;
  if (s.sample) {
    const drawn = stratifiedSample(data, s.sample, config.minItemResponses);
    calib = drawn.data;
    info = drawn.info;
    out(
      `[INFO] Calibration sample: ${calib.nUsers} of ${data.nUsers} learners (${info.rare_item_learners} who answered one of ${info.rare_items} items with fewer than ${info.rare_item_answers} answers, ${info.drawn_learners} drawn at random, seed ${info.seed}), ${calib.nObs} of ${data.nObs} observations`,
    );
  }
  return {
    data: calib,
    finish(result) {
      const spec: Record<string, unknown> = { ...result.fit_meta.model_spec, scoring: s.scoreMode };
      if (info) spec.calibration_sample = info;
      if (s.runLabel) spec.run_label = s.runLabel;
      let abilities = result.abilities;
      if (s.scoreMode === 'shards') {
        // The shards score everyone, the sample's learners too: nothing of the sample is written.
        abilities = [];
        out('[INFO] Scores left to the shards: the version awaits `mirt-calibrate score` for every shard');
      } else if (info) {
        const scored = scoreEveryone(data, result);
        abilities = scored.abilities;
        spec.n_users_scored = abilities.length;
        out(`[INFO] Scored ${abilities.length} learners with the sample's item parameters`);
      }
      return {
        ...result,
        abilities,
        fit_meta: { ...result.fit_meta, model_spec: spec as CalibrateResponse['fit_meta']['model_spec'] },
      };
    },
  };
}

/** Every learner of the window, EAP against the sample's parameters and latent distribution. */
function scoreEveryone(
  data: ResponseData,
  result: CalibrateResponse,
): { abilities: CalibrateResponse['abilities'] } {
  const params = new Map<string, ItemParams>();
  for (const it of result.item_params)
    params.set(String(it.item_id), itemParamsOf(String(it.item_id), it.params));
  const l = result.fit_meta.model_spec.latent as Partial<LatentDistribution> | undefined;
  // A calibrator that reports no latent distribution (the legacy R service) fitted N(0, 1).
  const latent = { mean: Number(l?.mean ?? 0), variance: Number(l?.variance ?? 1) };
  const model = String(result.fit_meta.model_spec.model);
  const version = result.item_params[0]?.version ?? '';
  const s = scoreWithParams(data, params, 'EAP', latent);
  const abilities: CalibrateResponse['abilities'] = [];
  for (let u = 0; u < s.data.nUsers; u++) {
    const se = s.abilities.se[u];
    abilities.push({
      user_id: s.data.userIds[u],
      theta: s.abilities.theta[u],
      se: Number.isFinite(se) ? se : null,
      model,
      version,
    });
  }
  return { abilities };
}
