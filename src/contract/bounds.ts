/**
 * The range of item and population parameters the service accepts from a caller (anchors,
 * starting values, /irt/score's item bank and prior). Values outside are not an item anyone
 * calibrated: a = 1e308 made every probability 0 or 1 (theta came back null), b = 1e300 a
 * log-likelihood of -1e302. They are refused with a 400 naming the field.
 *
 * The item bounds are the engine's, the same the job applies to a remote service's answer
 * (ANSWER_BOUNDS of calibrators/remote-answer.ts): slope a in (0, 100] and intercept
 * |d| = |a b| <= 100 (beyond them an item is a step at the quadrature's resolution), |b| <= 1e6;
 * c in [0, 1) (a lower asymptote of 1 makes a wrong answer impossible).
 * Prior: |mean| <= 10, variance in (0, 100].
 */
import { ContractError } from './contract-error.js';

export const ITEM_BOUNDS = { aMax: 100, interceptAbsMax: 100, bAbsMax: 1e6 } as const;
export const LATENT_BOUNDS = { meanAbsMax: 10, varianceMax: 100 } as const;

function describe(v: unknown): string {
  if (v === undefined) return 'nothing: the field is missing';
  if (typeof v === 'number') return String(v);
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? 'a long string' : JSON.stringify(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ContractError(field, `must be a finite number (got ${describe(v)})`);
  return v;
}

/**
 * a, b, an optional c (absent or null: 0) and an optional 4PL upper asymptote u (absent or null:
 * 1), checked against ITEM_BOUNDS; errors name `field.a` etc.
 */
export function boundedItemParams(
  p: Record<string, unknown>,
  field: string,
): { a: number; b: number; c: number; u: number } {
  const a = finite(p.a, `${field}.a`);
  if (!(a > 0 && a <= ITEM_BOUNDS.aMax))
    throw new ContractError(`${field}.a`, `must be in (0, ${ITEM_BOUNDS.aMax}] (got ${a})`);
  const b = finite(p.b, `${field}.b`);
  if (!(Math.abs(b) <= ITEM_BOUNDS.bAbsMax && Math.abs(a * b) <= ITEM_BOUNDS.interceptAbsMax))
    throw new ContractError(
      `${field}.b`,
      `must keep |a b| <= ${ITEM_BOUNDS.interceptAbsMax} and |b| <= ${ITEM_BOUNDS.bAbsMax} (got b = ${b} with a = ${a})`,
    );
  const c = p.c === undefined || p.c === null ? 0 : finite(p.c, `${field}.c`);
  if (!(c >= 0 && c < 1)) throw new ContractError(`${field}.c`, `must be in [0, 1) (got ${c})`);
  const u = p.u === undefined || p.u === null ? 1 : finite(p.u, `${field}.u`);
  if (!(u > c && u <= 1)) throw new ContractError(`${field}.u`, `must be in (c, 1] (got ${u} with c = ${c})`);
  return { a, b, c, u };
}

/** A population prior {mean, variance} inside LATENT_BOUNDS. */
export function boundedLatent(v: Record<string, unknown>, field: string): { mean: number; variance: number } {
  const mean = finite(v.mean, `${field}.mean`);
  if (!(Math.abs(mean) <= LATENT_BOUNDS.meanAbsMax))
    throw new ContractError(
      `${field}.mean`,
      `must be in [-${LATENT_BOUNDS.meanAbsMax}, ${LATENT_BOUNDS.meanAbsMax}] (got ${mean})`,
    );
  const variance = finite(v.variance, `${field}.variance`);
  if (!(variance > 0 && variance <= LATENT_BOUNDS.varianceMax))
    throw new ContractError(
      `${field}.variance`,
      `must be in (0, ${LATENT_BOUNDS.varianceMax}] (got ${variance})`,
    );
  return { mean, variance };
}
