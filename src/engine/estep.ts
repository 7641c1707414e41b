/**
 * The E-step kernel of Bock–Aitkin EM: the hot loop (cost = observations x nodes per cycle).
 *
 * For user u with answers x_uj, in log space so that long answer records never underflow:
 *   l_q  = log w_q + sum_j [x_uj log P_j(x_q) + (1 - x_uj) log(1 - P_j(x_q))]
 *   log L_u = log sum_q exp(l_q)                      (marginal log-likelihood of u)
 *   post_q  = exp(l_q - log L_u)                      (posterior weight of node q)
 * and the expected counts per item and node:
 *   r1[j,q] += post_q if x_uj = 1,   r0[j,q] += post_q if x_uj = 0,   nodeN[q] += post_q.
 * The log tables hold log P and log(1 - P) per item and node (models.ts), so each
 * observation costs one add per node in the first pass and one add per node in the second.
 */

export interface EStepInput {
  readonly nQ: number;
  readonly userPtr: Int32Array;
  readonly userItem: Int32Array;
  readonly userResp: Uint8Array;
  /** log P and log(1-P), item-major: [j * nQ + q]. */
  readonly logP: Float64Array;
  readonly logQ: Float64Array;
  /** Log prior weights of the nodes. */
  readonly logW: Float64Array;
}

export interface EStepAccumulators {
  readonly r0: Float64Array;
  readonly r1: Float64Array;
  readonly nodeN: Float64Array;
}

export function makeAccumulators(nItems: number, nQ: number): EStepAccumulators {
  return {
    r0: new Float64Array(nItems * nQ),
    r1: new Float64Array(nItems * nQ),
    nodeN: new Float64Array(nQ),
  };
}

export function clearAccumulators(acc: EStepAccumulators): void {
  acc.r0.fill(0);
  acc.r1.fill(0);
  acc.nodeN.fill(0);
}

/**
 * Runs the E-step for users [u0, u1), adding into `acc`; returns the sum of their marginal
 * log-likelihoods. `work` is scratch of length nQ (no allocation per user).
 */
export function eStepRange(
  inp: EStepInput,
  u0: number,
  u1: number,
  acc: EStepAccumulators,
  work: Float64Array,
): number {
  const { nQ, userPtr, userItem, userResp, logP, logQ, logW } = inp;
  const { r0, r1, nodeN } = acc;
  const l = work;
  let logLik = 0;
  for (let u = u0; u < u1; u++) {
    const k0 = userPtr[u];
    const k1 = userPtr[u + 1];
    for (let q = 0; q < nQ; q++) l[q] = logW[q];
    for (let k = k0; k < k1; k++) {
      const base = userItem[k] * nQ;
      const t = userResp[k] === 1 ? logP : logQ;
      for (let q = 0; q < nQ; q++) l[q] += t[base + q];
    }
    let max = l[0];
    for (let q = 1; q < nQ; q++) if (l[q] > max) max = l[q];
    let sum = 0;
    for (let q = 0; q < nQ; q++) {
      const e = Math.exp(l[q] - max);
      l[q] = e;
      sum += e;
    }
    logLik += max + Math.log(sum);
    const inv = 1 / sum;
    for (let q = 0; q < nQ; q++) {
      const p = l[q] * inv;
      l[q] = p;
      nodeN[q] += p;
    }
    for (let k = k0; k < k1; k++) {
      const base = userItem[k] * nQ;
      const acc1 = userResp[k] === 1 ? r1 : r0;
      for (let q = 0; q < nQ; q++) acc1[base + q] += l[q];
    }
  }
  return logLik;
}
