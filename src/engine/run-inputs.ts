/**
 * What a calibration starts from besides the data: anchors (items fixed at given parameters, to
 * put the run on an earlier scale) and starting values (where EM begins for estimated items).
 */

import type { ItemModel } from './models/model.js';
import { PARAM_BOUNDS } from './models/model.js';
import { makeItemBank } from './models.js';
import { type Anchors, type ParamLayout, startValues } from './params.js';
import type { ResponseData } from './responses.js';
import { EngineInputError, type ItemParams } from './types.js';

/**
 * The default start vector with the given items' values put in on EM's scale, for the
 * parameters the model estimates per item: slope a and intercept d = -a b (a model that fixes or
 * shares the slope takes d = -a b with its start slope, 1), logit c for a c inside (0, 1), logit
 * u for a u inside (c, 1), each within its bound. Undefined when there is nothing to seed.
 */
export function seededStart(
  layout: ParamLayout,
  data: ResponseData,
  seeds: ReadonlyMap<string, ItemParams> | undefined,
): Float64Array | undefined {
  if (!seeds || seeds.size === 0) return undefined;
  const x = startValues(layout, data);
  const p = new Float64Array(4);
  const own = (j: number, k: number) => {
    const i = layout.index(j, k);
    return i >= 0 && i !== layout.sharedIndex;
  };
  data.itemIds.forEach((id, j) => {
    const s = seeds.get(id);
    if (!s || layout.isFixed(j) || !(s.a > 0) || !Number.isFinite(s.a * s.b)) return;
    layout.readItem(x, j, p);
    if (own(j, 0)) p[0] = s.a;
    p[1] = -p[0] * s.b;
    const c = s.c ?? 0;
    const u = s.u ?? 1;
    if (own(j, 2) && c > 0 && c < 1) p[2] = Math.max(Math.log(c / (1 - c)), PARAM_BOUNDS.g[0]);
    if (own(j, 3) && u > c && u < 1) p[3] = Math.min(Math.log(u / (1 - u)), PARAM_BOUNDS.h[1]);
    layout.writeItem(j, p, x);
  });
  return x;
}

/** Anchors by item index, checked against the model; ids not in the data are listed apart. */
export function resolveAnchors(
  data: ResponseData,
  given: ReadonlyMap<string, ItemParams> | Readonly<Record<string, ItemParams>> | undefined,
  model: ItemModel,
): { anchors: Anchors | null; unused: string[] } {
  if (!given) return { anchors: null, unused: [] };
  const entries = given instanceof Map ? [...given.entries()] : Object.entries(given);
  if (entries.length === 0) return { anchors: null, unused: [] };
  const index = new Map(data.itemIds.map((id, j) => [id, j]));
  const J = data.nItems;
  const anchors: Anchors = { fixed: new Uint8Array(J), bank: makeItemBank(J) };
  const unused: string[] = [];
  for (const [id, p] of entries) {
    const bad = (why: string) => {
      throw new EngineInputError(`anchor "${id}": ${why}`, 'anchors');
    };
    const c = p.c ?? 0;
    const u = p.u ?? 1;
    if (![p.a, p.b, c, u].every(Number.isFinite)) bad('a, b, c and u must be finite numbers');
    if (!(c >= 0 && c < 1)) bad('c must be in [0, 1)');
    if (!(u > c && u <= 1)) bad('u must be in (c, 1]');
    const problem = model.anchorProblem(p);
    if (problem) bad(problem);
    if (!(Math.abs(p.a) > 0)) bad('a must not be 0');
    const j = index.get(id);
    if (j === undefined) {
      unused.push(id);
      continue;
    }
    anchors.fixed[j] = 1;
    anchors.bank.a[j] = p.a;
    anchors.bank.d[j] = -p.a * p.b;
    anchors.bank.c[j] = c;
    (anchors.bank.u as Float64Array)[j] = u;
  }
  return { anchors: anchors.fixed.some((f) => f === 1) ? anchors : null, unused };
}
