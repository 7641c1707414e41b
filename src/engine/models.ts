/**
 * Item response functions. Every item is held in slope-intercept form (a, d) with a lower
 * asymptote c (0 outside the 3PL):
 *
 *   P(theta) = c + (1 - c) * s(a*theta + d),   s(z) = 1 / (1 + exp(-z)),   b = -d / a.
 *
 * The kernels never call exp/log per observation: they read per-item, per-node tables of
 * log P and log(1 - P) built once per EM cycle (nItems x nodes each).
 */

/** Item parameters of a whole bank, slope-intercept form, index = item index. */
export interface ItemBank {
  readonly a: Float64Array;
  readonly d: Float64Array;
  /** Lower asymptote as a probability. */
  readonly c: Float64Array;
}

export function makeItemBank(nItems: number): ItemBank {
  return { a: new Float64Array(nItems).fill(1), d: new Float64Array(nItems), c: new Float64Array(nItems) };
}

/** IRT difficulty from slope-intercept form. */
export function difficulty(a: number, d: number): number {
  return -d / a;
}

/** log s(z) and log(1 - s(z)) without overflow: log s(z) = -log1p(exp(-z)). */
export function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/**
 * Fills logP[j*Q + q] = log P_j(x_q) and logQ[j*Q + q] = log(1 - P_j(x_q)).
 * For c > 0: log P = log(c + (1-c) s), log(1-P) = log(1-c) + log(1-s).
 */
export function fillLogTables(
  bank: ItemBank,
  nodes: Float64Array,
  logP: Float64Array,
  logQ: Float64Array,
): void {
  const nQ = nodes.length;
  const nItems = bank.a.length;
  for (let j = 0; j < nItems; j++) {
    const a = bank.a[j];
    const d = bank.d[j];
    const c = bank.c[j];
    const base = j * nQ;
    if (c === 0) {
      for (let q = 0; q < nQ; q++) {
        const z = a * nodes[q] + d;
        logP[base + q] = logSigmoid(z);
        logQ[base + q] = logSigmoid(-z);
      }
    } else {
      const log1mc = Math.log1p(-c);
      for (let q = 0; q < nQ; q++) {
        const z = a * nodes[q] + d;
        const ls = logSigmoid(z);
        // P = c + (1-c) s; in log space: log(c + exp(log(1-c) + ls)).
        const t = log1mc + ls;
        const lc = Math.log(c);
        logP[base + q] = t > lc ? t + Math.log1p(Math.exp(lc - t)) : lc + Math.log1p(Math.exp(t - lc));
        logQ[base + q] = log1mc + logSigmoid(-z);
      }
    }
  }
}
