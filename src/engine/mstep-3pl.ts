/**
 * M-step of a 3PL item (see mstep.ts for the objective): exact derivatives in (a, d, logit c),
 * a damped Newton solve with Fisher scoring where the Hessian is not negative definite, and the
 * restart off the c = 0 boundary.
 */

import {
  clamp,
  type ItemCounts,
  itemObjective,
  logPriorG,
  MAX_ABS_PARAM,
  MAX_NEWTON,
  MIN_LOGIT_C,
  NEWTON_TOL,
} from './mstep.js';
import type { CPrior } from './types.js';

/**
 * Gradient and Hessian of the 3PL item objective in (a, d, g). With l(P) = r1 log P + r0 log(1-P):
 *   dl/dP = r1/P - r0/(1-P),  d2l/dP2 = -r1/P^2 - r0/(1-P)^2,
 *   P_a = (1-c) s' x, P_d = (1-c) s', P_g = c (1-c) (1-s),   s' = s(1-s), s'' = s'(1-2s),
 *   P_aa = (1-c) s'' x^2, P_ad = (1-c) s'' x, P_dd = (1-c) s'',
 *   P_ag = -c(1-c) s' x, P_dg = -c(1-c) s', P_gg = c(1-c)(1-2c)(1-s),
 *   H_ij = d2l/dP2 P_i P_j + dl/dP P_ij   (exact), or  F_ij = -n/(P(1-P)) P_i P_j  (Fisher).
 * out = [ga, gd, gg, Haa, Had, Hag, Hdd, Hdg, Hgg, Faa, Fad, Fag, Fdd, Fdg, Fgg]
 */
export function itemDerivs3PL(cnt: ItemCounts, a: number, d: number, g: number, out: Float64Array): void {
  const { nodes, r0, r1, offset } = cnt;
  out.fill(0);
  const c = 1 / (1 + Math.exp(-g));
  const cc = c * (1 - c);
  for (let q = 0; q < nodes.length; q++) {
    const x = nodes[q];
    const z = a * x + d;
    // s and t = 1 - s computed apart (1 - s rounds to 0 from z ~ 37 on), and every term written
    // so that 1 - P = (1 - c) t cancels instead of being divided by: r0 / (1 - P) never appears.
    const s = 1 / (1 + Math.exp(-z));
    const t = 1 / (1 + Math.exp(z));
    const p = c + (1 - c) * s;
    const y1 = r1[offset + q];
    const y0 = r0[offset + q];
    const n = y0 + y1;
    const u1 = y1 / p;
    const pd = (1 - c) * s * t; // dP/dd
    const pg = cc * t; // dP/dg
    const gD = u1 * pd - y0 * s; // dl/dP * P_d
    const gG = u1 * pg - y0 * c; // dl/dP * P_g
    const hDD = -(u1 / p) * pd * pd - y0 * s * s + gD * (t - s);
    const hDG = -u1 * cc * s * t * ((1 - c) * (t / p) + 1);
    const hGG = -(u1 / p) * pg * pg - y0 * c * c + gG * (1 - 2 * c);
    const fDD = (-n * (1 - c) * s * s * t) / p;
    const fDG = (-n * cc * s * t) / p;
    const fGG = (-n * c * c * (1 - c) * t) / p;
    out[0] += gD * x;
    out[1] += gD;
    out[2] += gG;
    out[3] += hDD * x * x;
    out[4] += hDD * x;
    out[5] += hDG * x;
    out[6] += hDD;
    out[7] += hDG;
    out[8] += hGG;
    out[9] += fDD * x * x;
    out[10] += fDD * x;
    out[11] += fDG * x;
    out[12] += fDD;
    out[13] += fDG;
    out[14] += fGG;
  }
}

const d3 = new Float64Array(15);

/**
 * Exact M-step of a 3PL item. On the logit scale the gradient in g carries a factor c(1-c), so
 * once c is near 0 it vanishes and Newton can never bring c back, even when later cycles move
 * the optimum inside (0, 1). So when the solve ends with c below ~1e-3, a second solve starts
 * from c = 0.05 and the better of the two local maxima of the item's objective is kept.
 */
export function mStep3PL(
  cnt: ItemCounts,
  a0: number,
  d0: number,
  g0: number,
  prior: CPrior,
): { a: number; d: number; g: number } {
  const first = newton3PL(cnt, a0, d0, g0, prior);
  if (first.g > LOW_LOGIT_C) return first;
  const second = newton3PL(cnt, first.a, first.d, RESTART_LOGIT_C, prior);
  return second.f > first.f ? second : first;
}

const LOW_LOGIT_C = -7;
const RESTART_LOGIT_C = Math.log(0.05 / 0.95);

/** Damped Newton in (a, d, logit c) with a line search on f + prior. */
function newton3PL(
  cnt: ItemCounts,
  a0: number,
  d0: number,
  g0: number,
  prior: CPrior,
): { a: number; d: number; g: number; f: number } {
  let a = a0;
  let d = d0;
  let g = Math.max(g0, MIN_LOGIT_C);
  const objective = (aa: number, dd: number, gg: number) =>
    itemObjective(cnt, aa, dd, gg) + logPriorG(prior, gg).f;
  let f = objective(a, d, g);
  const h = new Float64Array(9);
  const step = new Float64Array(3);
  for (let it = 0; it < MAX_NEWTON; it++) {
    itemDerivs3PL(cnt, a, d, g, d3);
    const lp = logPriorG(prior, g);
    const grad = [d3[0], d3[1], d3[2] + lp.df];
    // Negative Hessian; Fisher information where the exact one is not positive definite.
    setSym3(h, -d3[3], -d3[4], -d3[5], -d3[6], -d3[7], -d3[8] - lp.d2f);
    if (!solveSpd3(h, grad, step)) {
      setSym3(h, -d3[9], -d3[10], -d3[11], -d3[12], -d3[13], -d3[14] - lp.d2f);
      if (!solveSpd3(h, grad, step)) break;
    }
    const m = Math.max(Math.abs(step[0]), Math.abs(step[1]), Math.abs(step[2]));
    let t = m > 1 ? 1 / m : 1;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      const an = clamp(a + t * step[0], -MAX_ABS_PARAM, MAX_ABS_PARAM);
      const dn = clamp(d + t * step[1], -MAX_ABS_PARAM, MAX_ABS_PARAM);
      const gn = clamp(g + t * step[2], MIN_LOGIT_C, -MIN_LOGIT_C);
      const fn = objective(an, dn, gn);
      if (fn >= f - 1e-12 * Math.abs(f)) {
        accepted = true;
        a = an;
        d = dn;
        g = gn;
        f = fn;
        break;
      }
      t *= 0.5;
    }
    if (!accepted || m * t < NEWTON_TOL) break;
  }
  return { a, d, g, f };
}

function setSym3(
  h: Float64Array,
  aa: number,
  ad: number,
  ag: number,
  dd: number,
  dg: number,
  gg: number,
): void {
  h[0] = aa;
  h[1] = ad;
  h[2] = ag;
  h[3] = ad;
  h[4] = dd;
  h[5] = dg;
  h[6] = ag;
  h[7] = dg;
  h[8] = gg;
}

/** Solves H x = b for symmetric positive definite 3x3 H by Cholesky; false if not SPD. */
export function solveSpd3(h: Float64Array, b: ArrayLike<number>, x: Float64Array): boolean {
  const l00 = h[0];
  if (!(l00 > 0)) return false;
  const L00 = Math.sqrt(l00);
  const L10 = h[3] / L00;
  const L20 = h[6] / L00;
  const l11 = h[4] - L10 * L10;
  if (!(l11 > 1e-300)) return false;
  const L11 = Math.sqrt(l11);
  const L21 = (h[7] - L20 * L10) / L11;
  const l22 = h[8] - L20 * L20 - L21 * L21;
  if (!(l22 > 1e-300)) return false;
  const L22 = Math.sqrt(l22);
  const y0 = b[0] / L00;
  const y1 = (b[1] - L10 * y0) / L11;
  const y2 = (b[2] - L20 * y0 - L21 * y1) / L22;
  x[2] = y2 / L22;
  x[1] = (y1 - L21 * x[2]) / L11;
  x[0] = (y0 - L10 * x[1] - L20 * x[2]) / L00;
  return true;
}
