/**
 * The observed information matrix of the item parameters.
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
 */

import type { EmMap } from './em.js';
import { invertSpd, symmetrize } from './linalg.js';
import { slotWidth } from './posterior-scores.js';

/** Marginal gradient (log-likelihood + log prior) at x, into g. */
export async function marginalGradient(em: EmMap, x: Float64Array, g: Float64Array): Promise<void> {
  await em.eStep(x);
  const { layout, nodes, acc, counts, model } = em;
  const out = new Float64Array(36);
  const p = new Float64Array(4);
  // Anchored items are not parameters: their entries stay 0 (and drop out of the inverse).
  g.fill(0);
  for (let j = 0; j < layout.nItems; j++) {
    if (layout.isFixed(j)) continue;
    layout.readItem(x, j, p);
    model.response.countDerivs(counts[j], p[0], p[1], p[2], p[3], out);
    const prior = em.itemPrior(j, p);
    for (let k = 0; k < 4; k++) {
      const i = layout.index(j, k);
      // The shared slope (1PL) collects every item's slope gradient.
      if (i >= 0) g[i] += out[k] + prior.grad[k];
    }
  }
  // Latent part, G = sum_q N_q log w_q with w the N(mu, s2) density normalised on the grid:
  //   dG/dmu = (sum_q N_q x_q - N E_w[x]) / s2,
  //   dG/dlog s2 = (sum_q N_q (x_q - mu)^2 - N E_w[(x - mu)^2]) / (2 s2).
  if (layout.varIndex < 0 && layout.meanIndex < 0) return;
  const mu = layout.meanIndex >= 0 ? x[layout.meanIndex] : 0;
  const s2 = layout.varIndex >= 0 ? Math.exp(x[layout.varIndex]) : 1;
  let n = 0;
  let n1 = 0;
  let n2 = 0;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  for (let q = 0; q < nodes.length; q++) {
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
  symmetrize(info, n);
  return info;
}

/**
 * Item-block observed information (Louis): returns, per item, the inverse of the block of its
 * own parameters (p x p matrices end to end, p = parameters per item in x; a shared slope is
 * taken as known). NaN-filled where singular. Expects the accumulators and tables of an E-step at
 * x (em.eStep(x) just before).
 */
export async function itemBlockCovariances(em: EmMap, x: Float64Array): Promise<Float64Array> {
  const { layout, nodes } = em;
  const J = layout.nItems;
  const nQ = nodes.length;
  const p = layout.perItem;
  const pp = p * p;
  // Per item, parameter and node (planar: [(j p + k) nQ + q]): the complete-data score of a
  // right (s1) and a wrong (s0) answer.
  const s1 = new Float64Array(J * p * nQ);
  const s0 = new Float64Array(J * p * nQ);
  const info = new Float64Array(J * pp);
  const scratch = {
    out: new Float64Array(36),
    par: new Float64Array(4),
    a1: new Float64Array(4),
    a0: new Float64Array(4),
  };
  for (let j = 0; j < J; j++) itemBlock(em, x, j, s1, s0, info, scratch);
  // Plus sum_u E(s) E(s)': one pass over the users with their posteriors.
  addOuterProducts(info, await em.scoreOuterProducts(s1, s0, p), J, p);
  const cov = new Float64Array(J * pp).fill(Number.NaN);
  for (let j = 0; j < J; j++) {
    const inv = invertSpd(info.subarray(j * pp, (j + 1) * pp), p);
    if (inv) cov.set(inv, j * pp);
  }
  return cov;
}

/**
 * Item j's scores s1, s0 at every node and its block of info without the users pass. A function
 * of its own, called once per item: on a cold start it is compiled after the first items instead
 * of its loops on stack replacement inside itemBlockCovariances.
 */
function itemBlock(
  em: EmMap,
  x: Float64Array,
  j: number,
  s1: Float64Array,
  s0: Float64Array,
  info: Float64Array,
  scratch: { out: Float64Array; par: Float64Array; a1: Float64Array; a0: Float64Array },
): void {
  const { layout, nodes, acc, counts, model } = em;
  const { out, par, a1, a0 } = scratch;
  const nQ = nodes.length;
  const p = layout.perItem;
  const fam = layout.freeFamilyIndices;
  const pp = p * p;
  layout.readItem(x, j, par);
  for (let q = 0; q < nQ; q++) {
    model.response.answerScores(par[0], par[1], par[2], par[3], nodes[q], a1, a0);
    for (let k = 0; k < p; k++) {
      s1[(j * p + k) * nQ + q] = a1[fam[k]];
      s0[(j * p + k) * nQ + q] = a0[fam[k]];
    }
  }
  // Complete information from the counts: -Hessian (exact), plus the priors' (exact, as mirt).
  model.response.countDerivs(counts[j], par[0], par[1], par[2], par[3], out);
  const prior = em.itemPrior(j, par);
  const base = j * pp;
  for (let k = 0; k < p; k++) {
    for (let l = 0; l < p; l++)
      info[base + k * p + l] = -out[4 + fam[k] * 4 + fam[l]] - prior.hess[fam[k] * 4 + fam[l]];
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

/** info (p x p blocks) += the users pass's upper-triangle slots, mirrored. */
function addOuterProducts(info: Float64Array, outer: Float64Array, J: number, p: number): void {
  const W = slotWidth(p);
  for (let j = 0; j < J; j++) {
    for (let k = 0; k < p; k++) {
      for (let l = 0; l < p; l++)
        info[j * p * p + k * p + l] += outer[j * W * W + Math.min(k, l) * W + Math.max(k, l)];
    }
  }
}
