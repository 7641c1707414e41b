/**
 * Quadrature of the latent distribution: equally spaced nodes on [-range, range] with normal
 * density weights normalised to sum to one on the grid (what mirt uses for one factor).
 */

/** n equally spaced points from -range to range inclusive. */
export function equallySpacedNodes(n: number, range: number): Float64Array {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`quadrature needs at least 2 nodes, got ${n}`);
  const nodes = new Float64Array(n);
  const step = (2 * range) / (n - 1);
  for (let q = 0; q < n; q++) nodes[q] = -range + q * step;
  return nodes;
}

/**
 * log w_q with w_q = phi(x_q; mean, variance) / sum_k phi(x_k; mean, variance).
 * Computed in log space so that extreme nodes do not underflow.
 */
export function normalLogWeights(
  nodes: Float64Array,
  mean: number,
  variance: number,
  out?: Float64Array,
): Float64Array {
  const n = nodes.length;
  const w = out ?? new Float64Array(n);
  let max = -Infinity;
  for (let q = 0; q < n; q++) {
    const z = nodes[q] - mean;
    w[q] = (-0.5 * z * z) / variance;
    if (w[q] > max) max = w[q];
  }
  let sum = 0;
  for (let q = 0; q < n; q++) sum += Math.exp(w[q] - max);
  const logNorm = max + Math.log(sum);
  for (let q = 0; q < n; q++) w[q] -= logNorm;
  return w;
}
