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

/**
 * countDerivs with an asymptote estimated (3PL, 4PL): the general ratio form. Per node, with
 * p_i = P_i / P and q_i = P_i / Q (the first-derivative ratios) and the distinct factors of
 * P_ij / P and P_ij / Q (secondOverP below), the node adds
 *   gradient   y1 p_i - y0 q_i,
 *   Hessian    -y1 p_i p_j - y0 q_i q_j + y1 P_ij/P - y0 P_ij/Q,
 *   Fisher     -n p_i q_j
 * to the upper triangles. The 24 sums are scalars (this runs for every item, every Newton
 * iteration, every EM cycle: 4PL fits spend most of their time here); each term is the same
 * expression, summed over the nodes in the same order, as the array form it replaces.
 */
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
  const c2 = 1 - 2 * c;
  const u2 = 1 - 2 * u;
  let ga = 0,
    gd = 0,
    gg = 0,
    gh = 0;
  // Exact Hessian (upper triangle, a d g h) and Fisher information.
  let eaa = 0,
    ead = 0,
    eag = 0,
    eah = 0,
    edd = 0,
    edg = 0,
    edh = 0,
    egg = 0,
    egh = 0,
    ehh = 0;
  let faa = 0,
    fad = 0,
    fag = 0,
    fah = 0,
    fdd = 0,
    fdg = 0,
    fdh = 0,
    fgg = 0,
    fgh = 0,
    fhh = 0;
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
    const pd = sr * t;
    const pa = pd * x;
    const pg = c === 0 ? 0 : (cc * t) / P;
    const ph = w > 0 ? (uu / w) * sr : 0;
    const qd = rho * s;
    const qa = qd * x;
    const qg = w > 0 ? (cc / w) * rho : 0;
    const qh = qu === 0 ? 0 : (uu * s) / Q;
    // Distinct factors of P_ij / P and / Q: the slope-intercept block shares one.
    const sdP = sr * t * (t - s);
    const sdQ = rho * s * (t - s);
    const gxP = w > 0 ? (-cc / w) * sr * t : 0;
    const gxQ = w > 0 ? (-cc / w) * rho * s : 0;
    const hxP = w > 0 ? (uu / w) * sr * t : 0;
    const hxQ = w > 0 ? (uu / w) * rho * s : 0;
    const ggP = c2 * pg;
    const ggQ = c2 * qg;
    const hhP = u2 * ph;
    const hhQ = u2 * qh;
    ga += y1 * pa - y0 * qa;
    gd += y1 * pd - y0 * qd;
    gg += y1 * pg - y0 * qg;
    gh += y1 * ph - y0 * qh;
    eaa += -y1 * pa * pa - y0 * qa * qa + y1 * (sdP * x * x) - y0 * (sdQ * x * x);
    ead += -y1 * pa * pd - y0 * qa * qd + y1 * (sdP * x) - y0 * (sdQ * x);
    eag += -y1 * pa * pg - y0 * qa * qg + y1 * (gxP * x) - y0 * (gxQ * x);
    eah += -y1 * pa * ph - y0 * qa * qh + y1 * (hxP * x) - y0 * (hxQ * x);
    edd += -y1 * pd * pd - y0 * qd * qd + y1 * sdP - y0 * sdQ;
    edg += -y1 * pd * pg - y0 * qd * qg + y1 * gxP - y0 * gxQ;
    edh += -y1 * pd * ph - y0 * qd * qh + y1 * hxP - y0 * hxQ;
    egg += -y1 * pg * pg - y0 * qg * qg + y1 * ggP - y0 * ggQ;
    egh += -y1 * pg * ph - y0 * qg * qh;
    ehh += -y1 * ph * ph - y0 * qh * qh + y1 * hhP - y0 * hhQ;
    faa += -n * pa * qa;
    fad += -n * pa * qd;
    fag += -n * pa * qg;
    fah += -n * pa * qh;
    fdd += -n * pd * qd;
    fdg += -n * pd * qg;
    fdh += -n * pd * qh;
    fgg += -n * pg * qg;
    fgh += -n * pg * qh;
    fhh += -n * ph * qh;
  }
  out[0] = ga;
  out[1] = gd;
  out[2] = gg;
  out[3] = gh;
  symmetric(out, 4, eaa, ead, eag, eah, edd, edg, edh, egg, egh, ehh);
  symmetric(out, 20, faa, fad, fag, fah, fdd, fdg, fdh, fgg, fgh, fhh);
}

/** A symmetric 4 x 4 matrix (row-major at `base`) from its upper triangle. */
function symmetric(
  out: Float64Array,
  base: number,
  aa: number,
  ad: number,
  ag: number,
  ah: number,
  dd: number,
  dg: number,
  dh: number,
  gg: number,
  gh: number,
  hh: number,
): void {
  out[base] = aa;
  out[base + 1] = out[base + 4] = ad;
  out[base + 2] = out[base + 8] = ag;
  out[base + 3] = out[base + 12] = ah;
  out[base + 5] = dd;
  out[base + 6] = out[base + 9] = dg;
  out[base + 7] = out[base + 13] = dh;
  out[base + 10] = gg;
  out[base + 11] = out[base + 14] = gh;
  out[base + 15] = hh;
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
