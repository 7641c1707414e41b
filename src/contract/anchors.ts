/**
 * Anchors (fixed item parameters) as callers send them, in any of three shapes:
 *   [{ "item_id": "q1", "a": 1.2, "b": 0.3, "c"?: 0.2 }, ...]                  a list
 *   { "q1": { "a": 1.2, "b": 0.3 }, ... }                                         a map by id
 *   { "item_params": [{ "item_id": "q1", "params": { "a", "b", "c"? } }, ...] }  a /calibrate
 *                                                                                 response (the previous run)
 * and the list form of item params with `params` ({ item_id, params: {a, b, c?} }).
 * Returns a map by item id; errors name the field.
 */
import type { ItemParams } from '../engine/types.js';
import { ContractError } from './validate.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, field: string, optional = false): number {
  if (optional && (v === undefined || v === null)) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ContractError(field, 'must be a finite number');
  return v;
}

function one(field: string, p: unknown): ItemParams {
  if (!isObject(p)) throw new ContractError(field, 'must be an object {a, b, c?}');
  const a = num(p.a, `${field}.a`);
  const b = num(p.b, `${field}.b`);
  const c = num(p.c, `${field}.c`, true);
  if (!(a > 0)) throw new ContractError(`${field}.a`, 'must be positive');
  if (!(c >= 0 && c < 1)) throw new ContractError(`${field}.c`, 'must be in [0, 1)');
  return { a, b, c };
}

export function parseAnchors(value: unknown, field = 'anchors'): Map<string, ItemParams> {
  const out = new Map<string, ItemParams>();
  if (value === undefined || value === null) return out;
  const list = isObject(value) && Array.isArray(value.item_params) ? value.item_params : value;
  const listField = list === value ? field : `${field}.item_params`;
  if (Array.isArray(list)) {
    list.forEach((e, k) => {
      const f = `${listField}[${k}]`;
      if (!isObject(e)) throw new ContractError(f, 'must be an object with item_id');
      if (typeof e.item_id !== 'string' || e.item_id === '')
        throw new ContractError(`${f}.item_id`, 'must be a non-empty string');
      if (out.has(e.item_id))
        throw new ContractError(`${f}.item_id`, `duplicate anchor ${JSON.stringify(e.item_id)}`);
      out.set(e.item_id, one(isObject(e.params) ? `${f}.params` : f, isObject(e.params) ? e.params : e));
    });
    return out;
  }
  if (!isObject(value))
    throw new ContractError(field, 'must be a list of {item_id, a, b, c?} or a map of item id -> {a, b, c?}');
  for (const [id, p] of Object.entries(value)) out.set(id, one(`${field}.${id}`, p));
  return out;
}
