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
export const MAX_ABS_PARAM = 100;
export const MAX_NEWTON = 60;
export const NEWTON_TOL = 1e-10;

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

/**
 * Latent mean and variance together (anchored runs), given the expected number of users per
 * node N_q. With natural parameters e1 = mean/var, e2 = -1/(2 var), the grid weights are an
 * exponential family, w_q = exp(e1 x_q + e2 x_q^2) / Z, so G = sum_q N_q log w_q is concave in
 * (e1, e2) with gradient N (m - E_w[x, x^2]) and Hessian -N Cov_w(x, x^2): Newton matches the
 * grid moments to the expected ones, m = sum_q N_q (x_q, x_q^2) / N.
 */
export function mStepLatent(
  nodes: Float64Array,
  nodeN: Float64Array,
  mean0: number,
  var0: number,
): { mean: number; variance: number } {
  let total = 0;
  let m1 = 0;
  let m2 = 0;
  for (let q = 0; q < nodes.length; q++) {
    total += nodeN[q];
    m1 += nodeN[q] * nodes[q];
    m2 += nodeN[q] * nodes[q] * nodes[q];
  }
  m1 /= total;
  m2 /= total;
  let e1 = mean0 / var0;
  let e2 = -1 / (2 * var0);
  for (let it = 0; it < 100; it++) {
    let max = -Infinity;
    for (let q = 0; q < nodes.length; q++) max = Math.max(max, e1 * nodes[q] + e2 * nodes[q] * nodes[q]);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let q = 0; q < nodes.length; q++) {
      const x = nodes[q];
      const w = Math.exp(e1 * x + e2 * x * x - max);
      s0 += w;
      s1 += w * x;
      s2 += w * x * x;
      s3 += w * x * x * x;
      s4 += w * x * x * x * x;
    }
    const E1 = s1 / s0;
    const E2 = s2 / s0;
    // Covariance of (x, x^2) under the grid weights.
    const c11 = E2 - E1 * E1;
    const c12 = s3 / s0 - E1 * E2;
    const c22 = s4 / s0 - E2 * E2;
    const g1 = m1 - E1;
    const g2 = m2 - E2;
    const det = c11 * c22 - c12 * c12;
    if (!(det > 0)) break;
    let d1 = (c22 * g1 - c12 * g2) / det;
    let d2 = (-c12 * g1 + c11 * g2) / det;
    // Keep e2 < 0 (a proper variance): halve the step until it is.
    while (e2 + d2 >= 0) {
      d1 /= 2;
      d2 /= 2;
    }
    e1 += d1;
    e2 += d2;
    if (Math.abs(d1) + Math.abs(d2) < 1e-13) break;
  }
  return { mean: -e1 / (2 * e2), variance: -1 / (2 * e2) };
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
