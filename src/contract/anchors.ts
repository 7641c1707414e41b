/**
 * Anchors as callers send them, in any of these shapes:
 *   [{ "item_id": "q1", "a": 1.2, "b": 0.3, "c"?: 0.2, "fixed"?: bool }, ...]          a list
 *   [{ "item_id": "q1", "params": { "a", "b", "c"?, "model"? }, "fixed"?: bool }, ...] the R service's
 *                                                   callers (the old nightly job) and item_params records
 *   { "q1": { "a": 1.2, "b": 0.3 }, ... }                                                a map by id
 *   { "item_params": [{ "item_id": "q1", "params": { "a", "b", "c"? } }, ...] }         a /calibrate
 *                                                                                        response
 *
 * What an entry means (the old job's meaning, which the R service's callers rely on):
 *  - `fixed: true`, or no `fixed` at all: the item is pinned at these values (the run is put on
 *    their scale);
 *  - `fixed: false`: the values are where estimation starts for that item, nothing more (the
 *    old job sends every item with stored values this way);
 *  - no `a` and `b` (an `anchor` tag without stored values): ignored and listed, never a 400.
 * Values outside the documented bounds (bounds.ts) are a 400 naming the field.
 */
import { boundedItemParams } from './bounds.js';
import { ContractError } from './contract-error.js';

type Json = Record<string, unknown>;

/** IRT-form parameters of one anchor or starting value (c = 0, u = 1 when not given). */
export interface AnchorParams {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** Whether the caller sent a c at all (a c of 0 from a 2PL record is not a 3PL asymptote). */
  readonly hasC: boolean;
  /** The 4PL's upper asymptote (1 when not given). */
  readonly u: number;
}

export interface AnchorSet {
  /** Pinned items. */
  readonly fixed: Map<string, AnchorParams>;
  /** Starting values only (`fixed: false`). */
  readonly start: Map<string, AnchorParams>;
  /** Entries that carried no usable a and b: listed in the response, not used. */
  readonly ignored: { item_id: string; reason: string }[];
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null;
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** One entry into the set; `p` holds a/b/c, `fixedFlag` the caller's `fixed`. */
function add(set: AnchorSet, id: string, p: Json, fixedFlag: unknown, field: string, idField: string): void {
  if (fixedFlag !== undefined && fixedFlag !== null && typeof fixedFlag !== 'boolean')
    throw new ContractError(`${field}.fixed`, 'must be true or false');
  if (set.fixed.has(id) || set.start.has(id) || set.ignored.some((x) => x.item_id === id))
    throw new ContractError(idField, `duplicate anchor ${JSON.stringify(id)}`);
  if (isAbsent(p.a) && isAbsent(p.b)) {
    set.ignored.push({ item_id: id, reason: 'no parameters (a, b) given' });
    return;
  }
  if (isAbsent(p.a) || isAbsent(p.b)) {
    set.ignored.push({ item_id: id, reason: `no ${isAbsent(p.a) ? 'a' : 'b'} given` });
    return;
  }
  const v = boundedItemParams(p, field);
  const out: AnchorParams = { ...v, hasC: !isAbsent(p.c) };
  (fixedFlag === false ? set.start : set.fixed).set(id, out);
}

/** Reads every accepted shape; errors name the field (`anchors[3].params.a`). */
export function readAnchors(value: unknown, field = 'anchors'): AnchorSet {
  const set: AnchorSet = { fixed: new Map(), start: new Map(), ignored: [] };
  if (isAbsent(value)) return set;
  const list = isObject(value) && Array.isArray(value.item_params) ? value.item_params : value;
  const listField = list === value ? field : `${field}.item_params`;
  if (Array.isArray(list)) {
    list.forEach((e, k) => {
      const f = `${listField}[${k}]`;
      if (!isObject(e)) throw new ContractError(f, 'must be an object with item_id');
      // `item` is what the R service's own /irt/score records call the id.
      const id = idOf(e.item_id ?? e.item);
      if (id === null) throw new ContractError(`${f}.item_id`, 'must be a non-empty string');
      if (e.params !== undefined && e.params !== null && !isObject(e.params))
        throw new ContractError(`${f}.params`, 'must be an object {a, b, c?}');
      const p = isObject(e.params) ? e.params : e;
      add(set, id, p, e.fixed, isObject(e.params) ? `${f}.params` : f, `${f}.item_id`);
    });
    return set;
  }
  if (!isObject(value))
    throw new ContractError(field, 'must be a list of {item_id, a, b, c?} or a map of item id -> {a, b, c?}');
  for (const [id, p] of Object.entries(value)) {
    if (!isObject(p)) throw new ContractError(`${field}.${id}`, 'must be an object {a, b, c?}');
    add(set, id, p, p.fixed, `${field}.${id}`, `${field}.${id}`);
  }
  return set;
}

/**
 * Fixed anchors only, for `fit --anchors`, where every entry must pin an item: starting values
 * and entries without parameters are refused there rather than silently dropped.
 */
export function parseAnchors(
  value: unknown,
  field = 'anchors',
): Map<string, { a: number; b: number; c: number; u: number }> {
  const set = readAnchors(value, field);
  if (set.start.size > 0)
    throw new ContractError(
      field,
      `${set.start.size} entr(ies) are starting values (fixed: false); only fixed anchors are accepted here`,
    );
  if (set.ignored.length > 0)
    throw new ContractError(
      field,
      `anchor ${JSON.stringify(set.ignored[0].item_id)}: ${set.ignored[0].reason}`,
    );
  return new Map([...set.fixed].map(([id, p]) => [id, { a: p.a, b: p.b, c: p.c, u: p.u }]));
}
