/**
 * Sparse simulated banks with known misfitting items, to measure item fit's false-positive rate
 * and power (test/engine/itemfit-sparse.test.ts, bench/itemfit.ts). Deterministic (seeded).
 *
 * Clean items are 2PL: a ~ logN(0, 0.25^2), b ~ N(0, 1). Misfitting items, true form:
 *   guessing  P = c + (1 - c) s(a (theta - b)) with a = 1.5, b = 1, c = 0.3: a 3PL item, which a
 *             2PL can only approximate by flattening;
 *   miskeyed  the key names a distractor: P = share (1 - s(a (theta - b))) with a = 1.5, b = 0,
 *             share = 0.4 (the keyed distractor's share of wrong answers): falling, and capped.
 * theta ~ N(0, 1); each learner answers `perUser` items drawn without replacement.
 */
import { ResponseBuilder, type ResponseData } from './responses.js';
import { normalDraw, seededRandom } from './simulate.js';

export type ItemKind = 'clean' | 'guessing' | 'miskeyed';

export interface MisfitBankSpec {
  readonly nUsers: number;
  readonly nItems: number;
  readonly perUser: number;
  /** Items 0..guessing-1 are guessing items, the next `miskeyed` miskeyed, the rest clean. */
  readonly guessing: number;
  readonly miskeyed: number;
  readonly seed: number;
}

/** Item j is `i<j>`; `kindOf(id)` tells what it truly is. */
export function simulateMisfitBank(spec: MisfitBankSpec): {
  data: ResponseData;
  kindOf: (itemId: string) => ItemKind;
} {
  const rand = seededRandom(spec.seed);
  const { nUsers, nItems, perUser } = spec;
  const kinds: ItemKind[] = Array.from({ length: nItems }, (_, j) =>
    j < spec.guessing ? 'guessing' : j < spec.guessing + spec.miskeyed ? 'miskeyed' : 'clean',
  );
  const a = new Float64Array(nItems);
  const b = new Float64Array(nItems);
  for (let j = 0; j < nItems; j++) {
    a[j] = Math.exp(0.25 * normalDraw(rand));
    b[j] = normalDraw(rand);
    if (kinds[j] === 'guessing') [a[j], b[j]] = [1.5, 1];
    if (kinds[j] === 'miskeyed') [a[j], b[j]] = [1.5, 0];
  }
  const builder = new ResponseBuilder();
  const pick = Int32Array.from({ length: nItems }, (_, j) => j);
  for (let u = 0; u < nUsers; u++) {
    const theta = normalDraw(rand);
    for (let k = 0; k < perUser; k++) {
      const r = k + Math.floor(rand() * (nItems - k));
      [pick[k], pick[r]] = [pick[r], pick[k]];
      const j = pick[k];
      const s = 1 / (1 + Math.exp(-a[j] * (theta - b[j])));
      const p = kinds[j] === 'guessing' ? 0.3 + 0.7 * s : kinds[j] === 'miskeyed' ? 0.4 * (1 - s) : s;
      builder.add(`u${u}`, `i${j}`, rand() < p ? 1 : 0);
    }
  }
  return { data: builder.build(), kindOf: (id) => kinds[Number(id.slice(1))] };
}
