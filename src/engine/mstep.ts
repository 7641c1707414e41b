/**
 * M-step of Bock–Aitkin EM: with the expected counts r1[q] (correct) and r0[q] (wrong) of an
 * item at node x_q, maximise the expected complete-data log-likelihood
 *
 *   f(a, d, g) = sum_q r1[q] log P(x_q) + r0[q] log(1 - P(x_q)) + log prior(g),
 *   P = c + (1 - c) s(a x + d),  c = s(g)  (g = logit c, 3PL only),
 *
 * exactly, by Newton's method on each item (2x2 or 3x3), instead of one capped step per cycle:
 * an exact M-step makes EM converge in far fewer cycles (DESIGN.md). Steps are capped and
 * backtracked on f; where the 3PL Hessian is not negative definite, Fisher scoring is used.
 */

import { logSigmoid } from './models.js';
import { logGamma } from './stats.js';
import type { CPrior } from './types.js';

/** Lowest logit c: below it c underflows to a zero gradient and never recovers (DESIGN.md). */
export const MIN_LOGIT_C = -20;
const MAX_ABS_PARAM = 100;
const MAX_NEWTON = 60;
const NEWTON_TOL = 1e-10;

export interface ItemCounts {
  readonly nodes: Float64Array;
  readonly r0: Float64Array;
  readonly r1: Float64Array;
  /** Offset of this item's counts in r0/r1. */
  readonly offset: number;
}

/** log prior density of g = logit c, and its first two derivatives in g. */
export function logPriorG(prior: CPrior, g: number): { f: number; df: number; d2f: number } {
  switch (prior.kind) {
    case 'none':
      return { f: 0, df: 0, d2f: 0 };
    case 'normal': {
      const z = (g - prior.mean) / prior.sd;
      return {
        f: -0.5 * z * z - Math.log(prior.sd) - 0.5 * Math.log(2 * Math.PI),
        df: -z / prior.sd,
        d2f: -1 / (prior.sd * prior.sd),
      };
    }
    case 'beta': {
      // Density of c = s(g) under Beta(alpha, beta), evaluated at c (mirt applies it on c).
      const { alpha, beta } = prior;
      const c = 1 / (1 + Math.exp(-g));
      return {
        f: (alpha - 1) * logSigmoid(g) + (beta - 1) * logSigmoid(-g) - logBeta(alpha, beta),
        df: (alpha - 1) * (1 - c) - (beta - 1) * c,
        d2f: -(alpha + beta - 2) * c * (1 - c),
      };
    }
  }
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** Expected complete-data log-likelihood of one item (no prior). */
export function itemObjective(cnt: ItemCounts, a: number, d: number, g: number | null): number {
  const { nodes, r0, r1, offset } = cnt;
  let f = 0;
  if (g === null) {
    for (let q = 0; q < nodes.length; q++) {
      const z = a * nodes[q] + d;
      f += r1[offset + q] * logSigmoid(z) + r0[offset + q] * logSigmoid(-z);
    }
    return f;
  }
  const c = 1 / (1 + Math.exp(-g));
  const log1mc = logSigmoid(-g);
  for (let q = 0; q < nodes.length; q++) {
    const z = a * nodes[q] + d;
    const s = 1 / (1 + Math.exp(-z));
    f += r1[offset + q] * Math.log(c + (1 - c) * s) + r0[offset + q] * (log1mc + logSigmoid(-z));
  }
  return f;
}

/**
 * Gradient and Hessian of the 2PL item objective in (a, d) (a fixed to `a` when only d moves):
 *   df/da = sum (r1 - n P) x,  df/dd = sum (r1 - n P),
 *   d2f = -sum n P (1 - P) [x^2, x; x, 1].
 */
export function itemDerivs2PL(cnt: ItemCounts, a: number, d: number, out: Float64Array): void {
  const { nodes, r0, r1, offset } = cnt;
  let ga = 0;
  let gd = 0;
  let haa = 0;
  let had = 0;
  let hdd = 0;
  for (let q = 0; q < nodes.length; q++) {
    const x = nodes[q];
    const p = 1 / (1 + Math.exp(-(a * x + d)));
    const n = r0[offset + q] + r1[offset + q];
    const res = r1[offset + q] - n * p;
    const w = n * p * (1 - p);
    ga += res * x;
    gd += res;
    haa -= w * x * x;
    had -= w * x;
    hdd -= w;
  }
  out[0] = ga;
  out[1] = gd;
  out[2] = haa;
  out[3] = had;
  out[4] = hdd;
}

const scratch = new Float64Array(5);

/** Exact M-step of a 2PL item (concave: plain Newton with a step cap converges). */
export function mStep2PL(cnt: ItemCounts, a0: number, d0: number): { a: number; d: number } {
  let a = a0;
  let d = d0;
  for (let it = 0; it < MAX_NEWTON; it++) {
    itemDerivs2PL(cnt, a, d, scratch);
    const [ga, gd, haa, had, hdd] = scratch;
    const det = haa * hdd - had * had;
    if (!(det > 0) || !(haa < 0)) break; // flat or degenerate: keep the current point
    let da = -(hdd * ga - had * gd) / det;
    let dd = -(-had * ga + haa * gd) / det;
    const m = Math.max(Math.abs(da), Math.abs(dd));
    if (m > 1) {
      da /= m;
      dd /= m;
    }
    a = clamp(a + da, -MAX_ABS_PARAM, MAX_ABS_PARAM);
    d = clamp(d + dd, -MAX_ABS_PARAM, MAX_ABS_PARAM);
    if (m < NEWTON_TOL) break;
  }
  return { a, d };
}

/** Exact M-step of the intercept alone (Rasch: a fixed). */
export function mStepIntercept(cnt: ItemCounts, a: number, d0: number): number {
  let d = d0;
  for (let it = 0; it < MAX_NEWTON; it++) {
    itemDerivs2PL(cnt, a, d, scratch);
    if (!(scratch[4] < 0)) break;
    let dd = -scratch[1] / scratch[4];
    if (Math.abs(dd) > 1) dd = Math.sign(dd);
    d = clamp(d + dd, -MAX_ABS_PARAM, MAX_ABS_PARAM);
    if (Math.abs(dd) < NEWTON_TOL) break;
  }
  return d;
}

/**
 * Exact M-step of the 1PL: one slope shared by all items and an intercept per item.
 * The Hessian is an arrow matrix (a couples to every d_j, the d_j do not couple), solved by
 * its Schur complement: da = (-g_a + sum h_ad,j g_d,j / h_dd,j) / (h_aa - sum h_ad,j^2 / h_dd,j),
 * then dd_j = (-g_d,j - h_ad,j da) / h_dd,j. The objective is jointly concave.
 */
export function mStep1PL(counts: ItemCounts[], a0: number, d: Float64Array): number {
  const nItems = counts.length;
  let a = a0;
  const gd = new Float64Array(nItems);
  const had = new Float64Array(nItems);
  const hdd = new Float64Array(nItems);
  for (let it = 0; it < MAX_NEWTON; it++) {
    let ga = 0;
    let haa = 0;
    for (let j = 0; j < nItems; j++) {
      itemDerivs2PL(counts[j], a, d[j], scratch);
      ga += scratch[0];
      gd[j] = scratch[1];
      haa += scratch[2];
      had[j] = scratch[3];
      hdd[j] = scratch[4];
    }
    let num = -ga;
    let den = haa;
    for (let j = 0; j < nItems; j++) {
      if (!(hdd[j] < 0)) continue;
      num += (had[j] * gd[j]) / hdd[j];
      den -= (had[j] * had[j]) / hdd[j];
    }
    if (!(den < 0)) break;
    let da = num / den;
    let m = Math.abs(da);
    const dd = new Float64Array(nItems);
    for (let j = 0; j < nItems; j++) {
      dd[j] = hdd[j] < 0 ? (-gd[j] - had[j] * da) / hdd[j] : 0;
      m = Math.max(m, Math.abs(dd[j]));
    }
    const scale = m > 1 ? 1 / m : 1;
    da *= scale;
    a = clamp(a + da, -MAX_ABS_PARAM, MAX_ABS_PARAM);
    for (let j = 0; j < nItems; j++) d[j] = clamp(d[j] + dd[j] * scale, -MAX_ABS_PARAM, MAX_ABS_PARAM);
    if (m < NEWTON_TOL) break;
  }
  return a;
}

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

/**
 * Latent variance (mean fixed at 0) given the expected number of users per node N_q: maximise
 *   G(tau) = sum_q N_q log w_q,  w_q = exp(-tau x_q^2) / sum_k exp(-tau x_k^2),  tau = 1/(2 var).
 * G is concave in tau; dG/dtau = N E_w[x^2] - sum_q N_q x_q^2, d2G/dtau2 = -N Var_w[x^2].
 * The optimum matches the grid-weighted second moment to the expected one.
 */
export function mStepVariance(nodes: Float64Array, nodeN: Float64Array, var0: number): number {
  let total = 0;
  let m2 = 0;
  for (let q = 0; q < nodes.length; q++) {
    total += nodeN[q];
    m2 += nodeN[q] * nodes[q] * nodes[q];
  }
  m2 /= total;
  let tau = 1 / (2 * var0);
  for (let it = 0; it < 100; it++) {
    let s0 = 0;
    let s2 = 0;
    let s4 = 0;
    for (let q = 0; q < nodes.length; q++) {
      const x2 = nodes[q] * nodes[q];
      const w = Math.exp(-tau * x2);
      s0 += w;
      s2 += w * x2;
      s4 += w * x2 * x2;
    }
    const e2 = s2 / s0;
    const v2 = s4 / s0 - e2 * e2;
    const step = (e2 - m2) / v2;
    let next = tau + step;
    if (next <= 0) next = tau / 2;
    if (Math.abs(next - tau) < 1e-14 * tau) {
      tau = next;
      break;
    }
    tau = next;
  }
  return 1 / (2 * tau);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
