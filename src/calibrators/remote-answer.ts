/**
 * Checks a remote service's /calibrate answer against the request it answers, after the
 * contract check (shapes, finite numbers, ids sent and not repeated: contract/validate.ts) and
 * before anything is written. A service that answers for part of the data, for another model,
 * or with numbers no calibration produces fails the try; nothing of it reaches the database.
 *
 * - Coverage: every item sent has parameters unless the answer lists it in
 *   `fit_meta.metrics.hygiene.excluded_items` (what our service reports; `all_correct` /
 *   `all_wrong` claims are checked against the answers sent). Every user sent has an ability
 *   unless every item the user answered is excluded. At least one item and one user come back.
 * - Model: the model of every item, every ability and `fit_meta.model_spec` is the one asked
 *   for (names compared case-insensitively); a lower asymptote `c` only where the model has one
 *   (3PL, 4PL: required, in [0, 1)), an upper asymptote `u` only for the 4PL; Rasch slopes are 1,
 *   1PL slopes all equal (anchored items aside).
 * - Bounds (ANSWER_BOUNDS, documented in docs/service.md): the engine bounds slopes and
 *   intercepts at 100 in magnitude (beyond that an item is a step at the quadrature's
 *   resolution and the number means nothing), its abilities lie within mirt's ML search range,
 *   and a log-likelihood of 0/1 answers is never positive.
 */
import type { CalibrateResponse } from '../contract/types.js';
import { modelFor } from '../engine/models/registry.js';
import type { ResponseData } from '../engine/responses.js';
import { parseModel } from '../engine/types.js';
import type { CalibrationJob } from './types.js';

export const ANSWER_BOUNDS = {
  /** |a| (IRT slope, = the slope-intercept slope). */
  slope: 100,
  /** |d| = |a b| (slope-intercept intercept). */
  intercept: 100,
  /** |b|: beyond it the slope is zero in all but name. */
  difficulty: 1e6,
  /** Standard errors of item parameters. */
  itemSe: 1e6,
  /** |theta|. */
  theta: 50,
  /** Standard error of theta. */
  thetaSe: 50,
} as const;

/** The answer does not fit the request; the message says how, with ids of items (never of users). */
export class AnswerMismatchError extends Error {
  override name = 'AnswerMismatchError';
}

const SHOWN = 5;
const fail = (why: string): never => {
  throw new AnswerMismatchError(why);
};
const list = (ids: readonly string[]) =>
  ids
    .slice(0, SHOWN)
    .map((id) => JSON.stringify(id))
    .join(', ') + (ids.length > SHOWN ? `, ... (${ids.length} in all)` : '');
const same = (a: unknown, b: string) =>
  typeof a === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();
const within = (x: number, bound: number) => Math.abs(x) <= bound;

interface Excluded {
  id: string;
  reason: string;
}

/** The answer's list of excluded items (absent: none), each one sent. */
function excludedItems(r: CalibrateResponse, sent: ReadonlyMap<string, number>): Excluded[] {
  const hygiene = (r.fit_meta.metrics as { hygiene?: unknown }).hygiene;
  if (hygiene === undefined || hygiene === null) return [];
  const raw = (hygiene as { excluded_items?: unknown }).excluded_items;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return fail('fit_meta.metrics.hygiene.excluded_items is not a list');
  return raw.map((e, k) => {
    const id = (e as { id?: unknown } | null)?.id;
    const reason = (e as { reason?: unknown } | null)?.reason;
    if (typeof id !== 'string' || !sent.has(id))
      fail(`fit_meta.metrics.hygiene.excluded_items[${k}] names an item that was not sent`);
    return { id: id as string, reason: typeof reason === 'string' ? reason : 'unknown' };
  });
}

function checkCoverage(r: CalibrateResponse, data: ResponseData): void {
  const index = new Map(data.itemIds.map((id, j) => [id, j]));
  const excluded = excludedItems(r, index);
  const returned = new Set(r.item_params.map((it) => it.item_id));
  const out = new Uint8Array(data.nItems);
  for (const e of excluded) {
    const j = index.get(e.id) as number;
    if (returned.has(e.id)) fail(`item ${JSON.stringify(e.id)} is both excluded and given parameters`);
    // Claims the answers sent can refute.
    const right = data.itemCorrect[j];
    const n = data.itemN[j];
    if ((e.reason === 'all_correct' && right !== n) || (e.reason === 'all_wrong' && right !== 0))
      fail(
        `item ${JSON.stringify(e.id)} is excluded as ${e.reason}, but ${right} of its ${n} answers sent are right`,
      );
    out[j] = 1;
  }
  const missingItems = data.itemIds.filter((id, j) => !out[j] && !returned.has(id));
  if (missingItems.length > 0)
    fail(
      `${missingItems.length} of the ${data.nItems} items sent have no parameters and are not listed as excluded: ${list(missingItems)}`,
    );
  if (r.item_params.length === 0)
    fail(`no item parameters (all ${data.nItems} items sent listed as excluded)`);

  const scored = new Set(r.abilities.map((a) => a.user_id));
  let expected = 0;
  let missing = 0;
  for (let u = 0; u < data.nUsers; u++) {
    let answersKeptItem = false;
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1] && !answersKeptItem; k++)
      answersKeptItem = out[data.userItem[k]] === 0;
    if (!answersKeptItem) continue;
    expected++;
    if (!scored.has(data.userIds[u])) missing++;
  }
  // Counts only: user ids are personal data and stay out of the log.
  if (missing > 0)
    fail(
      `${missing} of the ${expected} users with answers to estimated items have no ability (${r.abilities.length} came back)`,
    );
  if (r.abilities.length === 0) fail('no abilities');
}

function checkModel(r: CalibrateResponse, model: string): void {
  // What the model has, from its module (the job validated the name: parseModel cannot fail here).
  const m = parseModel(model);
  const { itemParams, sharedSlope } = modelFor(m);
  const hasC = itemParams.includes('g');
  const hasU = itemParams.includes('h');
  const slopeFixedAt1 = !sharedSlope && !itemParams.includes('a');
  const spec = r.fit_meta.model_spec.model;
  if (!same(spec, model))
    fail(`fit_meta.model_spec.model is ${JSON.stringify(spec)}, ${model} was asked for`);
  const slopes: number[] = [];
  r.item_params.forEach((it, k) => {
    const f = `item_params[${k}] (item ${JSON.stringify(it.item_id)})`;
    if (!same(it.model, model)) fail(`${f}: model ${JSON.stringify(it.model)}, ${model} was asked for`);
    const p = it.params as { a: number; b: number; c?: unknown; u?: unknown };
    if (hasC) {
      if (typeof p.c !== 'number' || !(p.c >= 0 && p.c < 1))
        fail(`${f}: params.c must be in [0, 1) for the ${m}`);
    } else if (p.c !== undefined && p.c !== null && p.c !== 0) {
      fail(`${f}: params.c = ${String(p.c)}, but the ${m} has no lower asymptote`);
    }
    if (hasU) {
      if (typeof p.u !== 'number' || !(p.u > ((p.c as number | undefined) ?? 0) && p.u <= 1))
        fail(`${f}: params.u must be in (c, 1] for the ${m}`);
    } else if (p.u !== undefined && p.u !== null && p.u !== 1) {
      fail(`${f}: params.u = ${String(p.u)}, but the ${m} has no upper asymptote`);
    }
    // Anchored items keep the slope they were fixed at.
    if (it.anchored !== true) slopes.push(p.a);
  });
  if (slopeFixedAt1 && slopes.some((a) => Math.abs(a - 1) > 1e-6))
    fail(`a ${m} answer with slopes other than 1`);
  if (sharedSlope && slopes.some((a) => Math.abs(a - slopes[0]) > 1e-6 * Math.max(1, Math.abs(slopes[0]))))
    fail(`a ${m} answer whose items do not share one slope`);
  r.abilities.forEach((a, k) => {
    if (!same(a.model, model))
      fail(`abilities[${k}]: model ${JSON.stringify(a.model)}, ${model} was asked for`);
  });
}

function checkBounds(r: CalibrateResponse): void {
  const B = ANSWER_BOUNDS;
  r.item_params.forEach((it, k) => {
    const f = `item_params[${k}] (item ${JSON.stringify(it.item_id)})`;
    const { a, b } = it.params;
    if (!within(a, B.slope) || a === 0) fail(`${f}: params.a = ${a}, outside 0 < |a| <= ${B.slope}`);
    if (!within(b, B.difficulty)) fail(`${f}: params.b = ${b}, outside |b| <= ${B.difficulty}`);
    // d = -a b, with room for the rounding of b = -d / a.
    if (!within(a * b, B.intercept * (1 + 1e-9)))
      fail(`${f}: intercept a*b = ${a * b}, outside |a b| <= ${B.intercept}`);
    for (const [name, v] of Object.entries(it.se ?? {})) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number' || !(v >= 0 && v <= B.itemSe))
        fail(`${f}: se.${name} = ${String(v)}, outside [0, ${B.itemSe}]`);
    }
    if (it.n !== undefined && !(Number.isInteger(it.n) && it.n >= 0)) fail(`${f}: n = ${it.n}, not a count`);
    if (it.p_correct !== undefined && !(it.p_correct >= 0 && it.p_correct <= 1))
      fail(`${f}: p_correct = ${it.p_correct}, not a proportion`);
  });
  r.abilities.forEach((a, k) => {
    if (!within(a.theta, B.theta)) fail(`abilities[${k}]: theta = ${a.theta}, outside |theta| <= ${B.theta}`);
    if (a.se !== null && !(a.se >= 0 && a.se <= B.thetaSe))
      fail(`abilities[${k}]: se = ${a.se}, outside [0, ${B.thetaSe}]`);
  });
  const { logLik, AIC } = r.fit_meta.metrics;
  if (logLik > 0)
    fail(`fit_meta.metrics.logLik = ${logLik}: a log-likelihood of 0/1 answers is never positive`);
  if (AIC < 0) fail(`fit_meta.metrics.AIC = ${AIC}: never negative for 0/1 answers`);
  const spec = r.fit_meta.model_spec;
  for (const key of ['n_items', 'n_users'] as const)
    if (!(Number.isInteger(spec[key]) && spec[key] >= 0))
      fail(`fit_meta.model_spec.${key} = ${spec[key]}, not a count`);
}

/** Throws AnswerMismatchError when the (contract-valid) answer does not answer this request. */
export function checkAnswer(r: CalibrateResponse, data: ResponseData, job: CalibrationJob): void {
  checkModel(r, job.model);
  checkBounds(r);
  checkCoverage(r, data);
}
