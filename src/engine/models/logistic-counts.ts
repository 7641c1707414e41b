/**
 * The logistic family's M-step mathematics (models/logistic.ts has the model): the item's
 * expected complete-data log-likelihood from the counts, its derivatives, and the per-node
 * complete-data scores. For
 *
 *   P(theta) = c + (u - c) s(z),  z = a theta + d,  s(z) = 1 / (1 + exp(-z)),  Q = 1 - P,
 *
 * with lower asymptote c = s(g) and upper asymptote u = s(h) estimated on the logit scale
 * (g = -Inf, c = 0 and h = +Inf, u = 1 where the model fixes them). Parameter order everywhere
 * in this file: (a, d, g, h).
 *
 * Numerics. s and t = 1 - s = s(-z) are computed apart (1 - s rounds to 0 from z ~ 37 on), and
 * every derivative is written through the ratios
 *   sr = (u - c) s / P  and  rho = (u - c) t / Q        (both in [0, 1]; 1 for the 2PL),
 * so that nothing is divided by a P or Q that can underflow: for the 2PL this reduces exactly to
 * the textbook r1 - n P and n P Q forms, for the 3PL to r0 s and r0 c.
 * With w = u - c:
 *   P_a = w s t x,  P_d = w s t,  P_g = c(1-c) t,  P_h = u(1-u) s,
 *   P_aa = w s t (t - s) x^2 (and P_ad, P_dd alike),  P_ag = -c(1-c) s t x,  P_ah = u(1-u) s t x,
 *   P_gg = c(1-c)(1-2c) t,  P_hh = u(1-u)(1-2u) s,  P_gh = 0;
 * for l = r1 log P + r0 log Q:  l_i = r1 P_i/P - r0 P_i/Q,
 *   l_ij = -r1 (P_i/P)(P_j/P) - r0 (P_i/Q)(P_j/Q) + r1 P_ij/P - r0 P_ij/Q   (exact),
 *   F_ij = -n (P_i/P)(P_j/Q)                                               (Fisher).
 */

import { type ItemCounts, logP, logQ, sigmoid } from './logistic.js';

/** Number of family parameters (a, d, g, h) and the derivative layout of countDerivs. */
export const FAMILY_SIZE = 4;
/** out of countDerivs: gradient [0, 4), exact Hessian [4, 20), Fisher [20, 36) (4 x 4 row-major). */
export const DERIV_SIZE = 36;

/** Expected complete-data log-likelihood of one item (no prior). */
export function countObjective(cnt: ItemCounts, a: number, d: number, c: number, u: number): number {
  const { nodes, r0, r1, offset } = cnt;
  const w = u - c;
  let f = 0;
  for (let q = 0; q < nodes.length; q++) {
    const z = a * nodes[q] + d;
    const y1 = r1[offset + q];
    const y0 = r0[offset + q];
    if (y1 !== 0) f += y1 * logP(z, c, w);
    if (y0 !== 0) f += y0 * logQ(z, c, u, w);
  }
  return f;
}

/**
 * Gradient, exact Hessian and Fisher information (negated) of the item objective in (a, d, g, h),
 * from the expected counts; see the file comment. `out` has DERIV_SIZE entries.
 */
export function countDerivs(
  cnt: ItemCounts,
  a: number,
  d: number,
  g: number,
  h: number,
  out: Float64Array,
): void {
  out.fill(0, 0, DERIV_SIZE);
  if (g === Number.NEGATIVE_INFINITY && h === Number.POSITIVE_INFINITY) twoParameterDerivs(cnt, a, d, out);
  else asymptoteDerivs(cnt, a, d, g, h, out);
}

/** countDerivs with an asymptote estimated (3PL, 4PL): the general ratio form. */
function asymptoteDerivs(
  cnt: ItemCounts,
  a: number,
  d: number,
  g: number,
  h: number,
  out: Float64Array,
): void {
  const { nodes, r0, r1, offset } = cnt;
  const c = sigmoid(g);
  const u = sigmoid(h);
  const qu = sigmoid(-h);
  const w = u - c;
  const cc = c * (1 - c);
  const uu = u * qu;
  const rp = [0, 0, 0, 0];
  const rq = [0, 0, 0, 0];
  const pP = new Float64Array(10);
  const pQ = new Float64Array(10);
  for (let q = 0; q < nodes.length; q++) {
    const x = nodes[q];
    const z = a * x + d;
    const s = 1 / (1 + Math.exp(-z));
    const t = 1 / (1 + Math.exp(z));
    const P = c + w * s;
    const Q = qu + w * t;
    const sr = P > 0 ? (w * s) / P : 1;
    const rho = Q > 0 ? (w * t) / Q : 1;
    const y1 = r1[offset + q];
    const y0 = r0[offset + q];
    const n = y0 + y1;
    // P_i / P and P_i / Q.
    rp[1] = sr * t;
    rp[0] = rp[1] * x;
    rp[2] = c === 0 ? 0 : (cc * t) / P;
    rp[3] = w > 0 ? (uu / w) * sr : 0;
    rq[1] = rho * s;
    rq[0] = rq[1] * x;
    rq[2] = w > 0 ? (cc / w) * rho : 0;
    rq[3] = qu === 0 ? 0 : (uu * s) / Q;
    // Second derivatives over P and over Q: the slope-intercept block shares one factor.
    const sdP = sr * t * (t - s);
    const sdQ = rho * s * (t - s);
    const gxP = w > 0 ? (-cc / w) * sr * t : 0;
    const gxQ = w > 0 ? (-cc / w) * rho * s : 0;
    const hxP = w > 0 ? (uu / w) * sr * t : 0;
    const hxQ = w > 0 ? (uu / w) * rho * s : 0;
    for (let i = 0; i < 4; i++) out[i] += y1 * rp[i] - y0 * rq[i];
    // P_ij / P and / Q, upper triangle (a, d, g, h).
    secondOverP(pP, x, sdP, gxP, hxP, (1 - 2 * c) * rp[2], (1 - 2 * u) * rp[3]);
    secondOverP(pQ, x, sdQ, gxQ, hxQ, (1 - 2 * c) * rq[2], (1 - 2 * u) * rq[3]);
    addSecond(out, y1, y0, n, rp, rq, pP, pQ);
  }
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < i; j++) {
      out[4 + i * 4 + j] = out[4 + j * 4 + i];
      out[20 + i * 4 + j] = out[20 + j * 4 + i];
    }
  }
}

/** Adds one node's exact Hessian and Fisher terms (upper triangles; see the file comment). */
function addSecond(
  out: Float64Array,
  y1: number,
  y0: number,
  n: number,
  rp: readonly number[],
  rq: readonly number[],
  pP: Float64Array,
  pQ: Float64Array,
): void {
  let k = 0;
  for (let i = 0; i < 4; i++) {
    for (let j = i; j < 4; j++) {
      out[4 + i * 4 + j] += -y1 * rp[i] * rp[j] - y0 * rq[i] * rq[j] + y1 * pP[k] - y0 * pQ[k];
      out[20 + i * 4 + j] += -n * rp[i] * rq[j];
      k++;
    }
  }
}

/** Upper triangle of P_ij / P (or / Q) in (a, d, g, h) from its distinct factors. */
function secondOverP(
  out: Float64Array,
  x: number,
  sd: number,
  gx: number,
  hx: number,
  gg: number,
  hh: number,
) {
  out[0] = sd * x * x;
  out[1] = sd * x;
  out[2] = gx * x;
  out[3] = hx * x;
  out[4] = sd;
  out[5] = gx;
  out[6] = hx;
  out[7] = gg;
  out[8] = 0;
  out[9] = hh;
}

/**
 * c = 0, u = 1 (Rasch, 1PL, 2PL): the objective is concave in (a, d) and the exact Hessian is
 * the Fisher information,  l_a = sum (r1 - n s) x,  l_d = sum (r1 - n s),
 * H = -sum n s t [x^2, x; x, 1]. Only the (a, d) entries are filled.
 */
function twoParameterDerivs(cnt: ItemCounts, a: number, d: number, out: Float64Array): void {
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
  for (const base of [4, 20]) {
    out[base] = haa;
    out[base + 1] = had;
    out[base + 4] = had;
    out[base + 5] = hdd;
  }
}

/**
 * The complete-data score of one answer at theta: s1[i] = d log P / d param_i (right answer) and
 * s0[i] = d log Q / d param_i (wrong), in (a, d, g, h) (Louis' formula needs them per node).
 */
export function answerScores(
  a: number,
  d: number,
  g: number,
  h: number,
  theta: number,
  s1: Float64Array,
  s0: Float64Array,
): void {
  const c = sigmoid(g);
  const u = sigmoid(h);
  const qu = sigmoid(-h);
  const w = u - c;
  const z = a * theta + d;
  const s = 1 / (1 + Math.exp(-z));
  const t = 1 / (1 + Math.exp(z));
  const P = c + w * s;
  const Q = qu + w * t;
  const sr = P > 0 ? (w * s) / P : 1;
  const rho = Q > 0 ? (w * t) / Q : 1;
  s1[1] = sr * t;
  s1[0] = s1[1] * theta;
  s1[2] = c === 0 ? 0 : (c * (1 - c) * t) / P;
  s1[3] = w > 0 ? ((u * qu) / w) * sr : 0;
  s0[1] = -rho * s;
  s0[0] = s0[1] * theta;
  s0[2] = w > 0 ? (-(c * (1 - c)) / w) * rho : 0;
  s0[3] = qu === 0 ? 0 : -(u * qu * s) / Q;
}
