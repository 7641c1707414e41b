/**
 * Standard errors of the item parameters from the observed information matrix.
 *
 * `full`: the Hessian of the marginal log-posterior by central differences of its analytic
 * gradient. By Fisher's identity the marginal gradient at x is the complete-data gradient of
 * the M-step objective with the expected counts of an E-step at x; differencing it gives the
 * observed information (the quantity Oakes' identity gives, mirt's default SE method). Costs two
 * E-steps per free parameter, so it is used for small problems.
 *
 * `item`: for large banks, Louis' formula restricted to each item's own parameters:
 *   I_jj = sum_q -(complete Hessian at q, weighted by the expected counts)
 *          - sum_u [E(s_uj s_uj') - E(s_uj) E(s_uj)'],
 * where s_uj(x_q) is user u's complete-data score for item j at node q. The first two sums come
 * from the E-step counts; the last needs one pass over the users. It ignores the covariance
 * between items' estimates (documented approximation; exact as the number of items grows).
 *
 * Results are mapped to IRT form by the delta method: b = -d/a, c = s(g).
 */

import type { EmMap } from './em.js';
import type { EStepInput } from './estep.js';
import { itemDerivs2PL, logPriorG } from './mstep.js';
import { itemDerivs3PL } from './mstep-3pl.js';

export interface ItemStandardErrors {
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  readonly method: 'full' | 'item';
}

/** Marginal gradient (log-likelihood + log prior) at x, into g. */
export async function marginalGradient(em: EmMap, x: Float64Array, g: Float64Array): Promise<void> {
  await em.eStep(x);
  const { layout, nodes, acc } = em;
  const J = layout.nItems;
  const nQ = nodes.length;
  const out = new Float64Array(15);
  const cnt = (j: number) => ({ nodes, r0: acc.r0, r1: acc.r1, offset: j * nQ });
  // Anchored items are not parameters: their entries stay 0 (and drop out of the inverse).
  g.fill(0);
  let sharedSlope = 0;
  for (let j = 0; j < J; j++) {
    if (layout.isFixed(j)) continue;
    switch (layout.model) {
      case '2PL':
        itemDerivs2PL(cnt(j), x[2 * j], x[2 * j + 1], out);
        g[2 * j] = out[0];
        g[2 * j + 1] = out[1];
        break;
      case '3PL':
        itemDerivs3PL(cnt(j), x[3 * j], x[3 * j + 1], x[3 * j + 2], out);
        g[3 * j] = out[0];
        g[3 * j + 1] = out[1];
        g[3 * j + 2] = out[2] + logPriorG(em.options.cPrior, x[3 * j + 2]).df;
        break;
      case '1PL':
        itemDerivs2PL(cnt(j), x[J], x[j], out);
        sharedSlope += out[0];
        g[j] = out[1];
        break;
      case 'Rasch':
        itemDerivs2PL(cnt(j), 1, x[j], out);
        g[j] = out[1];
        break;
    }
  }
  if (layout.model === '1PL') g[J] = sharedSlope;
  // Latent part, G = sum_q N_q log w_q with w the N(mu, s2) density normalised on the grid:
  //   dG/dmu = (sum_q N_q x_q - N E_w[x]) / s2,
  //   dG/dlog s2 = (sum_q N_q (x_q - mu)^2 - N E_w[(x - mu)^2]) / (2 s2).
  if (layout.varIndex >= 0 || layout.meanIndex >= 0) {
    const mu = layout.meanIndex >= 0 ? x[layout.meanIndex] : 0;
    const s2 = layout.varIndex >= 0 ? Math.exp(x[layout.varIndex]) : 1;
    let n = 0;
    let n1 = 0;
    let n2 = 0;
    let w0 = 0;
    let w1 = 0;
    let w2 = 0;
    for (let q = 0; q < nQ; q++) {
      const e = nodes[q] - mu;
      n += acc.nodeN[q];
      n1 += acc.nodeN[q] * nodes[q];
      n2 += acc.nodeN[q] * e * e;
      const w = Math.exp((-0.5 * e * e) / s2);
      w0 += w;
      w1 += w * nodes[q];
      w2 += w * e * e;
    }
    if (layout.meanIndex >= 0) g[layout.meanIndex] = (n1 - (n * w1) / w0) / s2;
    if (layout.varIndex >= 0) g[layout.varIndex] = (n2 - (n * w2) / w0) / (2 * s2);
  }
}

/** Observed information by central differences of the marginal gradient. */
export async function fullInformation(em: EmMap, x: Float64Array): Promise<Float64Array> {
  const n = em.layout.size;
  const info = new Float64Array(n * n);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  const xs = x.slice();
  for (let i = 0; i < n; i++) {
    const h = 1e-5 * Math.max(1, Math.abs(x[i]));
    xs[i] = x[i] + h;
    await marginalGradient(em, xs, gp);
    xs[i] = x[i] - h;
    await marginalGradient(em, xs, gm);
    xs[i] = x[i];
    for (let k = 0; k < n; k++) info[k * n + i] = -(gp[k] - gm[k]) / (2 * h);
  }
  for (let i = 0; i < n; i++) {
    for (let k = i + 1; k < n; k++) {
      const v = 0.5 * (info[i * n + k] + info[k * n + i]);
      info[i * n + k] = v;
      info[k * n + i] = v;
    }
  }
  return info;
}

/** Inverse of a symmetric positive definite matrix by Cholesky; null if it is not SPD. */
export function invertSpd(m: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = m[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > 0)) return null;
    const ljj = Math.sqrt(s);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = m[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / ljj;
    }
  }
  // Inverse of L (lower), then inv(M) = inv(L)' inv(L).
  const Li = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    Li[i * n + i] = 1 / L[i * n + i];
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * n + k] * Li[k * n + j];
      Li[i * n + j] = s / L[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k * n + i] * Li[k * n + j];
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}

/**
 * Item-block observed information (Louis) for the 2PL and 3PL: returns, per item, the inverse of
 * its own block, as p x p matrices laid end to end (p = 2 or 3). NaN-filled where singular.
 * Expects the accumulators and tables of an E-step at x (em.eStep(x) just before).
 */
export async function itemBlockCovariances(em: EmMap, x: Float64Array): Promise<Float64Array> {
  const { layout, nodes, acc } = em;
  const J = layout.nItems;
  const nQ = nodes.length;
  const p = layout.model === '3PL' ? 3 : 2;
  // Rasch and 1PL: the slope is shared (or fixed), so each item's block is its intercept alone,
  // with the slope taken as known; the 2 x 2 machinery runs and only the (d, d) entry is used.
  const shared = layout.model === 'Rasch' || layout.model === '1PL';
  const slope = (j: number) => (layout.model === 'Rasch' ? 1 : shared ? x[J] : x[p * j]);
  const intercept = (j: number) => (shared ? x[j] : x[p * j + 1]);
  const pp = p * p;
  // Per item, parameter and node (planar: [(j p + k) nQ + q]): the complete-data score of a
  // right (s1) and a wrong (s0) answer, s_x = (x - P) / (P (1 - P)) * dP/dparam.
  const s1 = new Float64Array(J * p * nQ);
  const s0 = new Float64Array(J * p * nQ);
  const info = new Float64Array(J * pp);
  const out = new Float64Array(15);
  for (let j = 0; j < J; j++) {
    const a = slope(j);
    const d = intercept(j);
    const gl = p === 3 ? x[3 * j + 2] : null;
    const c = gl === null ? 0 : 1 / (1 + Math.exp(-gl));
    for (let q = 0; q < nQ; q++) {
      const th = nodes[q];
      const z = a * th + d;
      const s = 1 / (1 + Math.exp(-z));
      const t = 1 / (1 + Math.exp(z));
      const P = c + (1 - c) * s;
      const Q = (1 - c) * t;
      const grad = [(1 - c) * s * t * th, (1 - c) * s * t, c * (1 - c) * t];
      for (let k = 0; k < p; k++) {
        s1[(j * p + k) * nQ + q] = ((1 - P) / (P * Q)) * grad[k];
        s0[(j * p + k) * nQ + q] = (-P / (P * Q)) * grad[k];
      }
    }
    // Complete information from the counts: -Hessian (exact).
    const cnt = { nodes, r0: acc.r0, r1: acc.r1, offset: j * nQ };
    const base = j * pp;
    if (p === 2) {
      itemDerivs2PL(cnt, a, d, out);
      info[base] = -out[2];
      info[base + 1] = -out[3];
      info[base + 2] = -out[3];
      info[base + 3] = -out[4];
    } else {
      itemDerivs3PL(cnt, a, d, gl as number, out);
      const h = [out[3], out[4], out[5], out[4], out[6], out[7], out[5], out[7], out[8]];
      for (let k = 0; k < 9; k++) info[base + k] = -h[k];
      info[base + 8] -= logPriorG(em.options.cPrior, gl as number).d2f;
    }
    // Louis: minus sum_u E(s s'), which is a sum over the expected counts.
    for (let q = 0; q < nQ; q++) {
      const w1 = acc.r1[j * nQ + q];
      const w0 = acc.r0[j * nQ + q];
      for (let k = 0; k < p; k++) {
        for (let l = 0; l < p; l++) {
          const i1 = (j * p + k) * nQ + q;
          const i2 = (j * p + l) * nQ + q;
          info[base + k * p + l] -= w1 * s1[i1] * s1[i2] + w0 * s0[i1] * s0[i2];
        }
      }
    }
  }
  // Plus sum_u E(s) E(s)': one pass over the users with their posteriors (3x3 slots per item).
  const outer = await em.scoreOuterProducts(s1, s0, p);
  for (let j = 0; j < J; j++) {
    for (let k = 0; k < p; k++) {
      for (let l = 0; l < p; l++)
        info[j * pp + k * p + l] += outer[j * 9 + Math.min(k, l) * 3 + Math.max(k, l)];
    }
  }
  const cov = new Float64Array(J * pp).fill(Number.NaN);
  for (let j = 0; j < J; j++) {
    if (shared) {
      if (info[j * pp + 3] > 0) cov[j * pp + 3] = 1 / info[j * pp + 3];
      continue;
    }
    const inv = invertSpd(info.subarray(j * pp, (j + 1) * pp), p);
    if (inv) cov.set(inv, j * pp);
  }
  return cov;
}

/**
 * Reference implementation of the users pass: per answer m = E_posterior[s], and
 * out[j * 9 + k * 3 + l] += m_k m_l for k <= l (the upper triangle of a 3x3 slot).
 */
export function scoreOuterProductsJs(
  input: EStepInput,
  s1: Float64Array,
  s0: Float64Array,
  p: number,
  nItems: number,
): Float64Array {
  const { nQ, userPtr, userItem, userResp } = input;
  const out = new Float64Array(nItems * 9);
  const post = new Float64Array(nQ);
  const m = new Float64Array(3);
  for (let u = 0; u < userPtr.length - 1; u++) {
    posterior(input, u, post);
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
      const j = userItem[k];
      const S = userResp[k] === 1 ? s1 : s0;
      for (let l = 0; l < p; l++) {
        let v = 0;
        const o = (j * p + l) * nQ;
        for (let q = 0; q < nQ; q++) v += post[q] * S[o + q];
        m[l] = v;
      }
      for (let a = 0; a < p; a++) for (let b = a; b < p; b++) out[j * 9 + a * 3 + b] += m[a] * m[b];
    }
  }
  return out;
}

/** Posterior weights of user u at the given tables. */
function posterior(input: EStepInput, u: number, post: Float64Array): void {
  const { nQ, userPtr, userItem, userResp, logP, logQ, logW } = input;
  for (let q = 0; q < nQ; q++) post[q] = logW[q];
  for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
    const t = userResp[k] === 1 ? logP : logQ;
    const base = userItem[k] * nQ;
    for (let q = 0; q < nQ; q++) post[q] += t[base + q];
  }
  let max = -Infinity;
  for (let q = 0; q < nQ; q++) if (post[q] > max) max = post[q];
  let sum = 0;
  for (let q = 0; q < nQ; q++) {
    post[q] = Math.exp(post[q] - max);
    sum += post[q];
  }
  for (let q = 0; q < nQ; q++) post[q] /= sum;
}
