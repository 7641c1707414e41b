/**
 * Sum-score distributions without one item, from the distribution over all items, in O(J Q)
 * per item instead of a fresh Lord–Wingersky recursion (O(J^2 Q)): S-X2 over J items costs
 * O(J^2 Q) in all instead of O(J^3 Q).
 *
 * The recursion adds item i to the distribution L^{(-i)} of the other items:
 *   L_s = L^{(-i)}_s Q_i + L^{(-i)}_{s-1} P_i,   s = 0..J  (L^{(-i)}_{-1} = L^{(-i)}_J = 0),
 * so at each node it can be run backwards to take item i out again, in either direction:
 *   upwards:   L^{(-i)}_s     = (L_s     - L^{(-i)}_{s-1} P_i) / Q_i,   s = 0, 1, ..., J-1
 *   downwards: L^{(-i)}_{s-1} = (L_s     - L^{(-i)}_s     Q_i) / P_i,   s = J, J-1, ..., 1.
 * An error in one term reaches the next multiplied by P_i/Q_i (upwards) or Q_i/P_i (downwards):
 * dividing by the larger of P_i and Q_i (>= 1/2, since P + Q = 1) keeps that factor at most 1,
 * so errors do not grow along the recursion.
 *
 * Subtraction can still cancel where the distribution falls steeply. Each node's result is
 * therefore checked: no value below zero and a total of 1 (it is a distribution) to 1e-12;
 * a node that fails is computed again by the direct recursion over the other items.
 */

/**
 * Writes into `out` (rows s = 0..J-1, node-minor: out[s*nQ + q]) the distribution of the sum
 * score over all items but `skip`, given `full` (rows s = 0..J) over all J items, and
 * P, Qt (item-major, P[j*nQ + q]) with P + Qt = 1.
 */
export function scoreDistributionWithout(
  full: Float64Array,
  P: Float64Array,
  Qt: Float64Array,
  J: number,
  nQ: number,
  skip: number,
  out: Float64Array,
): void {
  const base = skip * nQ;
  for (let q = 0; q < nQ; q++) {
    const p = P[base + q];
    const t = Qt[base + q];
    let sum = 0;
    let ok = true;
    if (t >= p) {
      let prev = 0;
      for (let s = 0; s < J; s++) {
        const v = (full[s * nQ + q] - prev * p) / t;
        out[s * nQ + q] = v;
        if (!(v >= -1e-300)) ok = false;
        sum += v;
        prev = v;
      }
    } else {
      let next = 0;
      for (let s = J - 1; s >= 0; s--) {
        const v = (full[(s + 1) * nQ + q] - next * t) / p;
        out[s * nQ + q] = v;
        if (!(v >= -1e-300)) ok = false;
        sum += v;
        next = v;
      }
    }
    if (!ok || !(Math.abs(sum - 1) <= 1e-12)) directAtNode(P, Qt, J, nQ, skip, q, out);
  }
}

/** The plain Lord–Wingersky recursion at node q over all items but `skip` (the fallback). */
function directAtNode(
  P: Float64Array,
  Qt: Float64Array,
  J: number,
  nQ: number,
  skip: number,
  q: number,
  out: Float64Array,
): void {
  const L = new Float64Array(J);
  L[0] = 1;
  let n = 0;
  for (let j = 0; j < J; j++) {
    if (j === skip) continue;
    const p = P[j * nQ + q];
    const t = Qt[j * nQ + q];
    L[n + 1] = L[n] * p;
    for (let s = n; s >= 1; s--) L[s] = L[s] * t + L[s - 1] * p;
    L[0] *= t;
    n++;
  }
  for (let s = 0; s < J; s++) out[s * nQ + q] = L[s];
}
