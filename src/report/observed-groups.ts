/**
 * What the report needs from the answers themselves, computed where the report's input is built
 * (the job, `fit`) and carried in `fit_meta.metrics`, compactly:
 *
 *  - `observed_by_group`: for each item, its respondents sorted by their ability estimate and cut
 *    into up to 10 groups of equal size (mirt's itemfit empirical.plot: 10 quantile groups of
 *    theta), each `[mean theta, answers, right answers]`. Drawn as dots over the item's curve: a
 *    model that fits puts the dots on the curve. On sparse data each item is grouped among its
 *    own respondents (mirt's data are complete, where the two agree). An item with few answers
 *    gets fewer groups (at least 10 answers each), so that a dot is not one learner's answer.
 *  - `answers_per_learner`: the median and quartiles of the number of answers per learner, the
 *    length of a typical form on incomplete data (the test information is drawn for it).
 *
 * About 150 bytes per item in the JSON (10 triples); it is not written to the database.
 */
import type { CalibrateResponse } from '../contract/types.js';
import type { ResponseData } from '../engine/responses.js';
import { finite, obj } from './format.js';

/** [mean theta of the group, answers, right answers] */
export type ObservedGroup = [number, number, number];

export interface AnswersPerLearner {
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

export interface ReportEvidence {
  observed_by_group: Record<string, ObservedGroup[]>;
  answers_per_learner: AnswersPerLearner;
}

const MAX_GROUPS = 10;
const MIN_PER_GROUP = 10;

/** The evidence, from the data the run calibrated and the result's (final-scale) abilities. */
export function reportEvidence(data: ResponseData, result: CalibrateResponse): ReportEvidence {
  const theta = thetaByUser(data, result);
  const estimated = new Set(result.item_params.map((it) => it.item_id));

  // The learners with a finite theta, by theta (ties by learner, as a stable sort of the answers
  // in learner order had them): scattering their answers to items in this order hands each item
  // its respondents already sorted, one sort of the learners instead of one per item.
  let nRanked = 0;
  for (let u = 0; u < data.nUsers; u++) if (Number.isFinite(theta[u])) nRanked++;
  const ranked = new Int32Array(nRanked);
  for (let u = 0, i = 0; u < data.nUsers; u++) if (Number.isFinite(theta[u])) ranked[i++] = u;
  ranked.sort((p, q) => theta[p] - theta[q] || p - q);

  // Answers by item, in that order: (theta, right) of every respondent with a finite theta.
  const start = new Int32Array(data.nItems + 1);
  for (const u of ranked)
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) start[data.userItem[k] + 1]++;
  for (let j = 0; j < data.nItems; j++) start[j + 1] += start[j];
  const fill = start.slice(0, data.nItems);
  const th = new Float64Array(start[data.nItems]);
  const right = new Uint8Array(th.length);
  for (const u of ranked) {
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
      const at = fill[data.userItem[k]]++;
      th[at] = theta[u];
      right[at] = data.userResp[k];
    }
  }

  const observed: Record<string, ObservedGroup[]> = {};
  for (let j = 0; j < data.nItems; j++) {
    if (!estimated.has(data.itemIds[j])) continue;
    const first = start[j];
    const n = start[j + 1] - first;
    const groups = Math.min(MAX_GROUPS, Math.max(1, Math.floor(n / MIN_PER_GROUP)));
    const out: ObservedGroup[] = [];
    for (let g = 0; g < groups && n > 0; g++) {
      const lo = Math.floor((g * n) / groups);
      const hi = Math.floor(((g + 1) * n) / groups);
      let sum = 0;
      let r = 0;
      for (let i = first + lo; i < first + hi; i++) {
        sum += th[i];
        r += right[i];
      }
      out.push([Math.round((sum / (hi - lo)) * 100) / 100, hi - lo, r]);
    }
    observed[data.itemIds[j]] = out;
  }

  const lengths = new Int32Array(data.nUsers);
  for (let u = 0; u < data.nUsers; u++) lengths[u] = data.userPtr[u + 1] - data.userPtr[u];
  lengths.sort();
  const q = (p: number) =>
    lengths.length ? lengths[Math.min(lengths.length - 1, Math.floor(p * lengths.length))] : 0;
  const median =
    lengths.length % 2 === 1 || lengths.length === 0
      ? q(0.5)
      : (lengths[lengths.length / 2 - 1] + lengths[lengths.length / 2]) / 2;
  return {
    observed_by_group: observed,
    answers_per_learner: { min: q(0), q1: q(0.25), median, q3: q(0.75), max: lengths.at(-1) ?? 0 },
  };
}

/**
 * Each learner's theta (NaN: none, or not finite), by index. The abilities of a local fit come
 * in the data's learner order, and are then taken by position; any other order (a remote
 * calibrator's answer) goes through the ids.
 */
function thetaByUser(data: ResponseData, result: CalibrateResponse): Float64Array {
  const abilities = result.abilities;
  const theta = new Float64Array(data.nUsers).fill(Number.NaN);
  let inOrder = abilities.length === data.nUsers;
  for (let u = 0; inOrder && u < data.nUsers; u++) inOrder = String(abilities[u].user_id) === data.userIds[u];
  if (inOrder) {
    for (let u = 0; u < data.nUsers; u++) if (finite(abilities[u].theta)) theta[u] = abilities[u].theta;
    return theta;
  }
  const index = new Map<string, number>(data.userIds.map((id, u) => [id, u]));
  for (const a of abilities) {
    const u = index.get(String(a.user_id));
    if (u !== undefined && finite(a.theta)) theta[u] = a.theta;
  }
  return theta;
}

/** Adds the evidence to the result's metrics (the report's input) and returns the result. */
export function withReportEvidence<R extends CalibrateResponse>(result: R, data: ResponseData): R {
  Object.assign(result.fit_meta.metrics, reportEvidence(data, result));
  return result;
}

/** The groups of each item from a result (result-shape.ts checked their shape), or none. */
export function observedGroups(metrics: Record<string, unknown>): Map<string, ObservedGroup[]> {
  return new Map(Object.entries(obj(metrics.observed_by_group)) as [string, ObservedGroup[]][]);
}

/** The answers-per-learner summary, when the result has it. */
export function answersPerLearner(metrics: Record<string, unknown>): AnswersPerLearner | null {
  const a = obj(metrics.answers_per_learner);
  return finite(a.median) && a.median > 0 ? (a as unknown as AnswersPerLearner) : null;
}
