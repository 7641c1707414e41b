/**
 * Scoring learners against fixed item parameters (a stored version, or the parameters a sample
 * calibration just estimated): the engine's scoreAbilities on the learners' answers to the items
 * that have parameters. Answers to other items (new items, items left out of the calibration)
 * carry no usable information here and are counted, not scored.
 */
import type { ItemBank } from '../engine/models.js';
import type { ResponseData } from '../engine/responses.js';
import { withoutItems } from '../engine/responses-subset.js';
import { scoreAbilities } from '../engine/scoring.js';
import type { Abilities, ItemParams, LatentDistribution, ScoreMethod } from '../engine/types.js';

export interface FixedScores {
  /** The data that was scored: only items with parameters, only learners with such answers. */
  readonly data: ResponseData;
  readonly abilities: Abilities;
  /** Answers to items without parameters, and learners left with none. */
  readonly answersWithoutParams: number;
  readonly learnersWithoutParams: number;
}

export function scoreWithParams(
  data: ResponseData,
  params: ReadonlyMap<string, ItemParams>,
  method: ScoreMethod,
  latent: LatentDistribution,
): FixedScores {
  const drop: number[] = [];
  for (let j = 0; j < data.nItems; j++) if (!params.has(data.itemIds[j])) drop.push(j);
  const kept = drop.length ? withoutItems(data, drop, 'too_few_responses').data : data;
  const n = kept.nItems;
  // Slope-intercept form of the engine: P = c + (1 - c) / (1 + exp(-(a theta + d))), d = -a b.
  const bank: ItemBank = { a: new Float64Array(n), d: new Float64Array(n), c: new Float64Array(n) };
  for (let j = 0; j < n; j++) {
    const p = params.get(kept.itemIds[j]) as ItemParams;
    bank.a[j] = p.a;
    bank.d[j] = -p.a * p.b;
    bank.c[j] = p.c;
  }
  const abilities =
    kept.nUsers > 0
      ? scoreAbilities(kept, bank, { method, latent })
      : { method, theta: new Float64Array(0), se: new Float64Array(0), pattern: new Uint8Array(0) };
  return {
    data: kept,
    abilities,
    answersWithoutParams: data.nObs - kept.nObs,
    learnersWithoutParams: data.nUsers - kept.nUsers,
  };
}

/** Parameters as stored (jsonb `{a, b, c?}`), checked: finite, a real probability for c. */
export function itemParamsOf(id: string, raw: unknown): ItemParams {
  const p = (raw ?? {}) as { a?: unknown; b?: unknown; c?: unknown };
  const a = Number(p.a);
  const b = Number(p.b);
  const c = p.c === undefined || p.c === null ? 0 : Number(p.c);
  if (![a, b, c].every(Number.isFinite) || c < 0 || c >= 1)
    throw new Error(
      `item ${id}: stored parameters ${JSON.stringify(raw)} are not finite a, b and 0 <= c < 1`,
    );
  return { a, b, c };
}
