/**
 * Standard errors of the item parameters in IRT form, from the observed information
 * (information.ts) by the delta method on the covariance of (a, d, logit c, logit u):
 *   var b = (d/a^2)^2 var a + (1/a)^2 var d - 2 (d/a^3) cov(a, d),
 *   se c = c (1 - c) se(logit c),   se u = u (1 - u) se(logit u).
 * A slope the model fixes (Rasch) or takes as known (the 1PL's shared one in `item` mode) has no
 * SE, and b's is then se d / |a|.
 */

import type { EmMap } from './em.js';
import { fullInformation, itemBlockCovariances } from './information.js';
import { invertSpd } from './linalg.js';
import { sigmoid } from './models/logistic.js';
import type { CalibrationSettings } from './types.js';

/** Problems up to this many (free parameters x observations) get the full information matrix. */
const FULL_SE_LIMIT = 4e6;
/** A shared parameter couples all items: the full matrix for such models while it stays this small. */
const SHARED_FULL_LIMIT = 400;

export interface SeArrays {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  readonly u: Float64Array;
}

/**
 * Covariance from the information matrix, leaving out parameters with (next to) no curvature:
 * an asymptote pressed against 0 or 1 has a vanishing gradient on the logit scale, which makes
 * the whole matrix singular. Those parameters get no standard error (NaN), the rest are inverted
 * as if they were fixed.
 */
function reducedCovariance(info: Float64Array, n: number): ((i: number, k: number) => number) | null {
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, info[i * n + i]);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (info[i * n + i] > 1e-8 * maxDiag) keep.push(i);
  const m = keep.length;
  const sub = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) sub[i * m + k] = info[keep[i] * n + keep[k]];
  const inv = invertSpd(sub, m);
  if (!inv) return null;
  const pos = new Int32Array(n).fill(-1);
  keep.forEach((i, r) => {
    pos[i] = r;
  });
  return (i, k) => (pos[i] < 0 || pos[k] < 0 ? Number.NaN : inv[pos[i] * m + pos[k]]);
}

export async function standardErrors(
  map: EmMap,
  x: Float64Array,
  s: Pick<CalibrationSettings, 'standardErrors'>,
): Promise<SeArrays | null> {
  const layout = map.layout;
  const J = layout.nItems;
  const n = layout.size;
  let mode = s.standardErrors;
  if (mode === 'none') return null;
  const sharedSmall = layout.perItem === 1 && n <= SHARED_FULL_LIMIT;
  if (mode === 'auto') mode = n * map.data.nObs <= FULL_SE_LIMIT || sharedSmall ? 'full' : 'item';
  const out: SeArrays = {
    a: new Float64Array(J).fill(Number.NaN),
    b: new Float64Array(J).fill(Number.NaN),
    c: new Float64Array(J).fill(Number.NaN),
    u: new Float64Array(J).fill(Number.NaN),
  };
  // cov(i, k) over family indices of item j; idx(j, k) = -1 where not estimated (or taken as known).
  let cov: (j: number, k: number, l: number) => number;
  let has: (j: number, k: number) => boolean;
  if (mode === 'full') {
    const v = reducedCovariance(await fullInformation(map, x), n);
    if (!v) return out;
    has = (j, k) => layout.index(j, k) >= 0;
    cov = (j, k, l) => v(layout.index(j, k), layout.index(j, l));
  } else {
    await map.eStep(x);
    const blocks = await itemBlockCovariances(map, x);
    const p = layout.perItem;
    const slot = (k: number) => layout.freeFamilyIndices.indexOf(k);
    has = (_j, k) => slot(k) >= 0;
    cov = (j, k, l) => blocks[j * p * p + slot(k) * p + slot(l)];
  }
  const par = new Float64Array(4);
  for (let j = 0; j < J; j++) {
    if (layout.isFixed(j)) continue;
    layout.readItem(x, j, par);
    const [a, d, g, h] = par;
    const vd = cov(j, 1, 1);
    if (has(j, 0)) {
      const va = cov(j, 0, 0);
      out.a[j] = Math.sqrt(va);
      const db = d / (a * a);
      const dd = -1 / a;
      out.b[j] = Math.sqrt(db * db * va + dd * dd * vd + 2 * db * dd * cov(j, 0, 1));
    } else {
      out.b[j] = Math.sqrt(vd) / Math.abs(a);
    }
    if (has(j, 2)) out.c[j] = sigmoid(g) * sigmoid(-g) * Math.sqrt(cov(j, 2, 2));
    if (has(j, 3)) out.u[j] = sigmoid(h) * sigmoid(-h) * Math.sqrt(cov(j, 3, 3));
  }
  return out;
}
