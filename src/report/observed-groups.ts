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

  const groups = groupSums(data, theta);
  const observed: Record<string, ObservedGroup[]> = {};
  for (let j = 0; j < data.nItems; j++) {
    if (!estimated.has(data.itemIds[j])) continue;
    const n = groups.n[j];
    const out: ObservedGroup[] = [];
    for (let g = 0; g < groups.count[j] && n > 0; g++) {
      const size = groupEnd(g, n, groups.count[j]) - groupEnd(g - 1, n, groups.count[j]);
      const at = j * MAX_GROUPS + g;
      out.push([Math.round((groups.sum[at] / size) * 100) / 100, size, groups.right[at]]);
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

/** Where group g of n answers in `groups` groups ends (g = -1: 0). */
function groupEnd(g: number, n: number, groups: number): number {
  return Math.floor(((g + 1) * n) / groups);
}

/**
 * Per item, its respondents with a finite theta in order of theta (ties in learner order, as a
 * stable sort of the answers in learner order had them) cut into up to MAX_GROUPS groups of equal
 * size: each group's sum of theta and right answers (MAX_GROUPS slots per item). The learners are
 * sorted once and their answers added to their item's current group in that order, so each item
 * sees its respondents sorted without a sort per item or an array per answer.
 */
function groupSums(data: ResponseData, theta: Float64Array) {
  const { nItems, nUsers, userPtr, userItem } = data;
  const ranked: number[] = [];
  for (let u = 0; u < nUsers; u++) if (Number.isFinite(theta[u])) ranked.push(u);
  // Answers per item among the ranked learners: every learner's when all are ranked.
  let n = data.itemN;
  if (ranked.length < nUsers) {
    n = new Int32Array(nItems);
    for (const u of ranked) for (let k = userPtr[u]; k < userPtr[u + 1]; k++) n[userItem[k]]++;
  }
  const order = Int32Array.from(ranked).sort((p, q) => theta[p] - theta[q] || p - q);
  const count = n.map((m) => Math.min(MAX_GROUPS, Math.max(1, Math.floor(m / MIN_PER_GROUP))));
  const sums = {
    n,
    count,
    sum: new Float64Array(nItems * MAX_GROUPS),
    right: new Int32Array(nItems * MAX_GROUPS),
  };
  if (n.every((m) => m === order.length)) sharedGroups(data, theta, order, sums);
  else itemGroups(data, theta, order, sums);
  return sums;
}

interface GroupSums {
  readonly n: Int32Array;
  readonly count: Int32Array;
  readonly sum: Float64Array;
  readonly right: Int32Array;
}

/** Each item's next respondent in order of theta goes into its current group, or the next one. */
function itemGroups(data: ResponseData, theta: Float64Array, order: Int32Array, g: GroupSums): void {
  const { nItems, userPtr, userItem, userResp } = data;
  const { n, count, sum, right } = g;
  const seen = new Int32Array(nItems);
  const group = new Int32Array(nItems);
  const end = n.map((m, j) => groupEnd(0, m, count[j]));
  for (const u of order) {
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
      const j = userItem[k];
      // The item's next respondent in order of theta: past its group's end, the next group.
      while (seen[j] >= end[j]) end[j] = groupEnd(++group[j], n[j], count[j]);
      seen[j]++;
      sum[j * MAX_GROUPS + group[j]] += theta[u];
      right[j * MAX_GROUPS + group[j]] += userResp[k];
    }
  }
}

/**
 * Every item answered by every ranked learner (complete data): every item has the same
 * respondents in the same order, so the same groups. A learner's group is then one per learner,
 * its theta added once to the group's sum (the same additions, in the same order, as each item
 * made them), and each answer adds only its right answer.
 */
function sharedGroups(data: ResponseData, theta: Float64Array, order: Int32Array, g: GroupSums): void {
  const { nItems, userPtr, userItem, userResp } = data;
  const { right } = g;
  const groups = nItems > 0 ? g.count[0] : 0;
  const sum = new Float64Array(MAX_GROUPS);
  let at = 0;
  for (let group = 0; group < groups; group++) {
    const end = groupEnd(group, order.length, groups);
    let s = 0;
    for (; at < end; at++) {
      const u = order[at];
      s += theta[u];
      addRights(right, group, userItem, userResp, userPtr[u], userPtr[u + 1]);
    }
    sum[group] = s;
  }
  for (let j = 0; j < nItems; j++) g.sum.set(sum, j * MAX_GROUPS);
}

/**
 * Answers k in [lo, hi) into their items' slot `group`. A function of its own, called once per
 * learner: on a cold start it is compiled as a whole, where the loop inside sharedGroups was
 * compiled on stack replacement and bailed out at each first exit to code not yet run.
 */
function addRights(
  right: Int32Array,
  group: number,
  userItem: Int32Array,
  userResp: Uint8Array,
  lo: number,
  hi: number,
): void {
  for (let k = lo; k < hi; k++) right[userItem[k] * MAX_GROUPS + group] += userResp[k];
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
