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
  const thetaOf = new Map<string, number>();
  for (const a of result.abilities) if (finite(a.theta)) thetaOf.set(String(a.user_id), a.theta);
  const theta = Float64Array.from(data.userIds, (id) => thetaOf.get(id) ?? Number.NaN);
  const estimated = new Set(result.item_params.map((it) => it.item_id));

  // Answers by item: (theta, right) of every respondent with a finite theta.
  const start = new Int32Array(data.nItems + 1);
  for (let k = 0; k < data.nObs; k++) start[data.userItem[k] + 1]++;
  for (let j = 0; j < data.nItems; j++) start[j + 1] += start[j];
  const fill = start.slice(0, data.nItems);
  const th = new Float64Array(data.nObs);
  const right = new Uint8Array(data.nObs);
  for (let u = 0; u < data.nUsers; u++) {
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
      const at = fill[data.userItem[k]]++;
      th[at] = theta[u];
      right[at] = data.userResp[k];
    }
  }

  const observed: Record<string, ObservedGroup[]> = {};
  for (let j = 0; j < data.nItems; j++) {
    if (!estimated.has(data.itemIds[j])) continue;
    const order: number[] = [];
    for (let k = start[j]; k < start[j + 1]; k++) if (Number.isFinite(th[k])) order.push(k);
    order.sort((p, q) => th[p] - th[q]);
    const n = order.length;
    const groups = Math.min(MAX_GROUPS, Math.max(1, Math.floor(n / MIN_PER_GROUP)));
    const out: ObservedGroup[] = [];
    for (let g = 0; g < groups && n > 0; g++) {
      const lo = Math.floor((g * n) / groups);
      const hi = Math.floor(((g + 1) * n) / groups);
      let sum = 0;
      let r = 0;
      for (let i = lo; i < hi; i++) {
        sum += th[order[i]];
        r += right[order[i]];
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
