/**
 * M-step of the latent distribution, given the expected number of users per node N_q. With
 * natural parameters e1 = mean/var, e2 = -1/(2 var), the grid weights are an exponential family,
 * w_q = exp(e1 x_q + e2 x_q^2) / Z, so G = sum_q N_q log w_q is concave in (e1, e2) with gradient
 * N (m - E_w[x, x^2]) and Hessian -N Cov_w(x, x^2): Newton matches the grid moments to the
 * expected ones, m = sum_q N_q (x_q, x_q^2) / N. The Rasch model (mean fixed at 0) solves for e2
 * alone; anchored runs for both.
 */

import { type NewtonProblem, type NewtonWorkspace, newtonMaximise } from './newton.js';
import type { LatentDistribution } from './types.js';

const OPTIONS = { maxStep: Number.POSITIVE_INFINITY, maxIterations: 100, tol: 1e-13 };

/** y = (e2) or (e2, e1). */
class LatentProblem implements NewtonProblem {
  readonly size: number;
  private readonly m1: number;
  private readonly m2: number;
  private readonly total: number;

  constructor(
    private readonly nodes: Float64Array,
    nodeN: Float64Array,
    withMean: boolean,
  ) {
    this.size = withMean ? 2 : 1;
    let total = 0;
    let m1 = 0;
    let m2 = 0;
    for (let q = 0; q < nodes.length; q++) {
      total += nodeN[q];
      m1 += nodeN[q] * nodes[q];
      m2 += nodeN[q] * nodes[q] * nodes[q];
    }
    this.total = total;
    this.m1 = m1 / total;
    this.m2 = m2 / total;
  }

  /** Grid moments E_w[x^k], k = 0..4 (unnormalised sums s_k over the max-shifted weights). */
  private sums(y: Float64Array): { s: number[]; logZ: number } {
    const e2 = y[0];
    const e1 = this.size === 2 ? y[1] : 0;
    const { nodes } = this;
    let max = Number.NEGATIVE_INFINITY;
    for (let q = 0; q < nodes.length; q++) max = Math.max(max, e1 * nodes[q] + e2 * nodes[q] * nodes[q]);
    const s = [0, 0, 0, 0, 0];
    for (let q = 0; q < nodes.length; q++) {
      const x = nodes[q];
      const w = Math.exp(e1 * x + e2 * x * x - max);
      s[0] += w;
      s[1] += w * x;
      s[2] += w * x * x;
      s[3] += w * x * x * x;
      s[4] += w * x * x * x * x;
    }
    return { s, logZ: max + Math.log(s[0]) };
  }

  value(y: Float64Array): number {
    const e1 = this.size === 2 ? y[1] : 0;
    return this.total * (e1 * this.m1 + y[0] * this.m2 - this.sums(y).logZ);
  }

  direction(y: Float64Array, step: Float64Array): boolean {
    const { s } = this.sums(y);
    const E1 = s[1] / s[0];
    const E2 = s[2] / s[0];
    const c22 = s[4] / s[0] - E2 * E2;
    const g2 = this.m2 - E2;
    if (this.size === 1) {
      if (!(c22 > 0)) return false;
      step[0] = g2 / c22;
      return true;
    }
    // Covariance of (x, x^2) under the grid weights; the step solves Cov step = (g1, g2).
    const c11 = E2 - E1 * E1;
    const c12 = s[3] / s[0] - E1 * E2;
    const g1 = this.m1 - E1;
    const det = c11 * c22 - c12 * c12;
    if (!(det > 0)) return false;
    step[1] = (c22 * g1 - c12 * g2) / det;
    step[0] = (-c12 * g1 + c11 * g2) / det;
    return true;
  }

  project(y: Float64Array): void {
    // Keep e2 < 0: a proper variance.
    if (!(y[0] < -1e-10)) y[0] = -1e-10;
  }
}

/**
 * The latent mean (when `withMean`, else 0) and variance maximising G, from the current ones.
 */
export function mStepLatent(
  nodes: Float64Array,
  nodeN: Float64Array,
  current: LatentDistribution,
  withMean: boolean,
  ws: NewtonWorkspace,
): LatentDistribution {
  const problem = new LatentProblem(nodes, nodeN, withMean);
  const mean = withMean ? current.mean : 0;
  const y = withMean
    ? Float64Array.of(-1 / (2 * current.variance), mean / current.variance)
    : Float64Array.of(-1 / (2 * current.variance));
  newtonMaximise(problem, y, ws, OPTIONS);
  const e1 = withMean ? y[1] : 0;
  return { mean: -e1 / (2 * y[0]), variance: -1 / (2 * y[0]) };
}
