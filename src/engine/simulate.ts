/**
 * Simulated response data with known truth, for parameter-recovery tests and benchmarks.
 * Deterministic: a seeded xorshift generator, normal draws by Box–Muller.
 */
import { probabilityIrt } from './models/logistic.js';
import { modelFor } from './models/registry.js';
import { ResponseBuilder, type ResponseData } from './responses.js';
import type { ModelName } from './types.js';

/** xorshift32 with a scrambled seed: uniform in (0, 1). */
export function seededRandom(seed: number): () => number {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}

export function normalDraw(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
}

export interface SimulationSpec {
  readonly model: ModelName;
  readonly nUsers: number;
  readonly nItems: number;
  /** Answers per user, items drawn without replacement; nItems (default) = complete data. */
  readonly perUser?: number;
  readonly seed: number;
}

export interface SimulationTruth {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  readonly u: Float64Array;
  readonly theta: Float64Array;
}

/**
 * Item truth from the model (models/*.ts simulateItem: a ~ logN(0, 0.25^2), 1 for Rasch, 1.3
 * shared for 1PL; b ~ N(0, 1); c ~ U(0.1, 0.3) for the 3PL/4PL; u ~ U(0.85, 0.97) for the 4PL);
 * theta ~ N(0, 1). Calls `answer(u, j, x)` for every simulated answer, users in order, each
 * user's perUser items drawn without replacement.
 */
export function simulateAnswers(
  spec: SimulationSpec,
  answer: (u: number, j: number, x: 0 | 1) => void,
): SimulationTruth {
  const rand = seededRandom(spec.seed);
  const norm = () => normalDraw(rand);
  const { nUsers, nItems } = spec;
  const model = modelFor(spec.model);
  const perUser = Math.min(spec.perUser ?? nItems, nItems);
  const a = new Float64Array(nItems);
  const b = new Float64Array(nItems);
  const c = new Float64Array(nItems);
  const up = new Float64Array(nItems);
  for (let j = 0; j < nItems; j++) {
    const t = model.simulateItem(rand, norm);
    a[j] = t.a;
    b[j] = t.b;
    c[j] = t.c;
    up[j] = t.u;
  }
  const theta = new Float64Array(nUsers);
  const pick = new Int32Array(nItems);
  for (let j = 0; j < nItems; j++) pick[j] = j;
  for (let u = 0; u < nUsers; u++) {
    theta[u] = normalDraw(rand);
    // Partial Fisher–Yates: the first perUser entries of pick are a random subset.
    for (let k = 0; k < perUser; k++) {
      const r = k + Math.floor(rand() * (nItems - k));
      const t = pick[k];
      pick[k] = pick[r];
      pick[r] = t;
      const j = pick[k];
      const p = probabilityIrt(a[j], b[j], c[j], up[j], theta[u]);
      answer(u, j, rand() < p ? 1 : 0);
    }
  }
  return { a, b, c, u: up, theta };
}

/** Simulated compact data; user u is `u<u>`, item j is `i<j>`. */
export function simulateResponses(spec: SimulationSpec): { data: ResponseData; truth: SimulationTruth } {
  const builder = new ResponseBuilder();
  const truth = simulateAnswers(spec, (u, j, x) => builder.add(`u${u}`, `i${j}`, x));
  return { data: builder.build(), truth };
}
