/**
 * Item parameter drift between a run and a reference scale, with iterative purification of the
 * linking set (pure maths on plain numbers).
 *
 * For a common item j with this run's free estimate b_j (SE s_j) and its reference value
 * r_j (SE t_j; 0 when the reference has none, e.g. an anchor from question.meta), once this run
 * is put on the reference scale by (A, B):
 *   displacement  d_j = A b_j + B - r_j
 *   standardised  z_j = d_j / sqrt((A s_j)^2 + t_j^2)
 * (the two estimates come from different learners, so their errors add; the linking error is
 * ignored: with many common items it is far below either SE). An item drifts when |z_j| >= zMin
 * AND |d_j| >= shiftMin: significant and large enough to matter (with many answers per item a
 * tiny, harmless shift is significant; with few, a large one is noise).
 *
 * Purification (as in DIF purification, Candell & Drasgow 1988): link on all common items, flag,
 * relink on the unflagged ones, re-evaluate every item, until the flagged set stops changing.
 * One leaked item then cannot drag the constants that judge it.
 */
import {
  type LinkConstants,
  type LinkItems,
  type LinkMethod,
  type LinkOptions,
  linkConstants,
} from './linking.js';

export interface DriftItems extends LinkItems {
  /** Standard errors of b (NaN or non-finite: treated as 0). */
  readonly seB: ArrayLike<number>;
}

export interface DriftThresholds {
  /** |z| at or above which an item may be flagged. */
  readonly zMin: number;
  /** |displacement of b| at or above which an item may be flagged (logits of the reference scale). */
  readonly shiftMin: number;
}

export interface DriftResult extends LinkConstants {
  /** Per common item, on the reference scale. */
  readonly displacement: Float64Array;
  readonly z: Float64Array;
  readonly drift: Uint8Array;
  /** Items used for the final constants (not drifted). */
  readonly nLinking: number;
  readonly iterations: number;
  /** True when purification stopped because too few items would be left to link on. */
  readonly purificationStopped: boolean;
}

function finiteOr0(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

export function displacements(
  now: DriftItems,
  ref: DriftItems,
  k: LinkConstants,
  t: DriftThresholds,
): { displacement: Float64Array; z: Float64Array; drift: Uint8Array } {
  const n = now.b.length;
  const displacement = new Float64Array(n);
  const z = new Float64Array(n);
  const drift = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    const d = k.A * now.b[j] + k.B - ref.b[j];
    const se = Math.hypot(k.A * finiteOr0(now.seB[j]), finiteOr0(ref.seB[j]));
    displacement[j] = d;
    // No SE on either side: the displacement cannot be judged, never flagged.
    z[j] = se > 0 ? d / se : 0;
    drift[j] = Math.abs(z[j]) >= t.zMin && Math.abs(d) >= t.shiftMin ? 1 : 0;
  }
  return { displacement, z, drift };
}

function pick<T extends ArrayLike<number> | undefined>(x: T, keep: readonly number[]): number[] | undefined {
  return x === undefined ? undefined : keep.map((j) => x[j]);
}

function subset(items: DriftItems, keep: readonly number[]): DriftItems {
  return {
    a: pick(items.a, keep)!,
    b: pick(items.b, keep)!,
    c: pick(items.c, keep),
    seB: pick(items.seB, keep)!,
  };
}

/**
 * Links `now` onto `ref` with `method`, flags drift and purifies the linking set. `minItems`:
 * purification never leaves fewer items than this to link on (it stops and says so).
 */
export function linkWithPurification(
  method: LinkMethod,
  now: DriftItems,
  ref: DriftItems,
  t: DriftThresholds,
  opts: LinkOptions & { readonly minItems?: number; readonly maxIterations?: number } = {},
): DriftResult {
  const n = now.b.length;
  const minItems = Math.max(2, opts.minItems ?? 2);
  let keep = Array.from({ length: n }, (_, j) => j);
  let keptKey = keep.join(',');
  let iterations = 0;
  let stopped = false;
  for (;;) {
    iterations++;
    const k = linkConstants(method, subset(now, keep), subset(ref, keep), opts);
    const d = displacements(now, ref, k, t);
    const next = Array.from({ length: n }, (_, j) => j).filter((j) => !d.drift[j]);
    const key = next.join(',');
    if (key === keptKey || iterations >= (opts.maxIterations ?? 20)) {
      return { ...k, ...d, nLinking: keep.length, iterations, purificationStopped: stopped };
    }
    if (next.length < minItems) {
      stopped = true;
      return { ...k, ...d, nLinking: keep.length, iterations, purificationStopped: stopped };
    }
    keptKey = key;
    keep = next;
  }
}
