/**
 * POST /irt/score bodies in every shape the existing callers send, normalised to one request:
 *
 *   ours:      {"item_params": [{"item_id", "params": {a, b, c?}}], "observations": [{user_id, item_id, is_correct}]}
 *   R service: {"item_params": [{"item", "a", "b", "c"}], "responses": [[1, 0, null], ...]}
 *              rows aligned with the item order, one row per learner (shorter rows: the rest missing)
 *   updater:   {"item_params": {"<item_id>": {a, b, c}}, "responses": [{"item_id", "is_correct"}]}
 *              the answers of one learner
 *
 * `item_params` may take any of its three forms with either kind of responses. Parameters are
 * checked against the documented bounds (bounds.ts); errors name the field.
 */
import { boundedItemParams, boundedLatent } from './bounds.js';
import { ContractError } from './contract-error.js';
import type { ScoreItemParams, ScoreRequest, ScoreShape } from './forms.js';
import type { Observation } from './types.js';
import {
  fail,
  isId,
  isObject,
  type Json,
  optionalNumber,
  optionalString,
  rejectUnknownKeys,
  validateObservations,
} from './validate.js';

export const SCORE_KEYS = [
  'item_params',
  'observations',
  'responses',
  'user_id',
  'method',
  'latent',
  'quadpts',
  'model',
  'version',
] as const;

/** The user id the one learner of the updater's shape is answered under, unless `user_id` is sent. */
export const LEARNER_ID = '1';

function itemParams(value: unknown): ScoreItemParams[] {
  const out: ScoreItemParams[] = [];
  const seen = new Set<string>();
  const push = (id: string, p: Json, f: string, idField: string) => {
    if (seen.has(id)) throw new ContractError(idField, `duplicate id ${JSON.stringify(id)}`);
    seen.add(id);
    const v = boundedItemParams(p, f);
    const given = (x: unknown) => x !== undefined && x !== null;
    out.push({
      item_id: id,
      params: { a: v.a, b: v.b, ...(given(p.c) ? { c: v.c } : {}), ...(given(p.u) ? { u: v.u } : {}) },
    });
  };
  if (Array.isArray(value)) {
    value.forEach((it, k) => {
      const f = `item_params[${k}]`;
      if (!isObject(it)) fail(f, 'an object', it);
      // Ours: {item_id, params}; the R service's: {item, a, b, c}.
      const rawId = it.item_id ?? it.item;
      if (!isId(rawId)) fail(`${f}.item_id`, 'a non-empty string (or `item`)', rawId);
      if (it.params !== undefined) {
        if (!isObject(it.params)) fail(`${f}.params`, 'an object {a, b, c?}', it.params);
        push(String(rawId), it.params, `${f}.params`, `${f}.item_id`);
      } else push(String(rawId), it, f, `${f}.item_id`);
    });
  } else if (isObject(value)) {
    for (const [id, p] of Object.entries(value)) {
      if (!isObject(p)) fail(`item_params.${id}`, 'an object {a, b, c?}', p);
      if (id === '') throw new ContractError('item_params', 'item ids must not be empty');
      push(id, p, `item_params.${id}`, `item_params.${id}`);
    }
  } else fail('item_params', 'an array of item records or a map of item id -> {a, b, c?}', value);
  if (out.length === 0) throw new ContractError('item_params', 'must not be empty');
  return out;
}

/** The R service's rows: cell j answers item_params[j]; null (or absent at the end) is missing. */
function matrixObservations(
  rows: unknown[],
  items: ScoreItemParams[],
): { obs: Observation[]; users: string[] } {
  const obs: Observation[] = [];
  const users: string[] = [];
  rows.forEach((row, r) => {
    if (!Array.isArray(row)) fail(`responses[${r}]`, 'an array (rows must all have one form)', row);
    if (row.length > items.length)
      throw new ContractError(`responses[${r}]`, `has ${row.length} cells for ${items.length} items`);
    const user = String(r + 1); // R's row names
    users.push(user);
    row.forEach((x, j) => {
      if (x === null) return;
      if (x !== 0 && x !== 1 && x !== true && x !== false)
        fail(`responses[${r}][${j}]`, '0, 1, true, false or null', x);
      obs.push({ user_id: user, item_id: items[j].item_id, is_correct: x });
    });
  });
  return { obs, users };
}

/** The updater's answers of one learner. */
function learnerObservations(list: unknown[], user: string): Observation[] {
  return list.map((o, k) => {
    const f = `responses[${k}]`;
    if (!isObject(o)) fail(f, 'an object {item_id, is_correct}', o);
    if (!isId(o.item_id)) fail(`${f}.item_id`, 'a non-empty string', o.item_id);
    const c = o.is_correct;
    if (c !== true && c !== false && c !== 0 && c !== 1 && c !== null)
      fail(`${f}.is_correct`, 'true, false, 0, 1 or null', c);
    return { user_id: user, item_id: String(o.item_id), is_correct: c };
  });
}

/** Validates a POST /irt/score body of any accepted shape. */
export function validateScoreRequest(body: unknown): ScoreRequest {
  if (!isObject(body)) fail('body', 'a JSON object', body);
  rejectUnknownKeys(body, SCORE_KEYS);
  const items = itemParams(body.item_params);
  let shape: ScoreShape;
  let observations: Observation[];
  let rowUsers: string[] | undefined;
  if (body.observations !== undefined && body.responses !== undefined)
    throw new ContractError('body', 'send either observations or responses, not both');
  if (body.responses !== undefined) {
    const list = body.responses;
    if (!Array.isArray(list) || list.length === 0)
      fail('responses', 'a non-empty array (rows of 0/1/null, or {item_id, is_correct} answers)', list);
    if (Array.isArray(list[0])) {
      shape = 'matrix';
      const m = matrixObservations(list, items);
      observations = m.obs;
      rowUsers = m.users;
    } else {
      shape = 'learner';
      const user = body.user_id === undefined || body.user_id === null ? LEARNER_ID : body.user_id;
      if (!isId(user)) fail('user_id', 'a non-empty string', user);
      observations = learnerObservations(list, String(user));
    }
  } else {
    shape = 'observations';
    if (body.user_id !== undefined)
      throw new ContractError('user_id', 'only goes with responses of one learner');
    observations = validateObservations(body.observations);
  }
  const latent = body.latent;
  if (latent !== undefined && latent !== null && !isObject(latent))
    fail('latent', 'an object {mean, variance}', latent);
  return {
    shape,
    item_params: items,
    observations,
    rowUsers,
    method: optionalString(body, 'method'),
    latent: isObject(latent) ? boundedLatent(latent, 'latent') : undefined,
    quadpts: optionalNumber(
      body,
      'quadpts',
      'an integer from 5 to 401',
      (x) => Number.isInteger(x) && x >= 5 && x <= 401,
    ),
    model: optionalString(body, 'model'),
    version: optionalString(body, 'version'),
  };
}
