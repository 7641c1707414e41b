/**
 * The users pass of Louis' formula (information.ts, `item` mode), reference implementation: per
 * answer m = E_posterior[s] of its complete-data score, and the upper triangle of m m' added into
 * the answer's item slot. Slots are W x W with W = max(3, p), so that up to three parameters the
 * layout is the WebAssembly kernel's (3 x 3 slots: out[j * 9 + k * 3 + l], k <= l).
 */

import type { EStepInput } from './estep.js';

export function slotWidth(p: number): number {
  return Math.max(3, p);
}

export function scoreOuterProductsJs(
  input: EStepInput,
  s1: Float64Array,
  s0: Float64Array,
  p: number,
  nItems: number,
): Float64Array {
  const { nQ, userPtr, userItem, userResp } = input;
  const W = slotWidth(p);
  const out = new Float64Array(nItems * W * W);
  const post = new Float64Array(nQ);
  const m = new Float64Array(p);
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
      for (let a = 0; a < p; a++) for (let b = a; b < p; b++) out[j * W * W + a * W + b] += m[a] * m[b];
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
