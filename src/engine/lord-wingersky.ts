/**
 * Sum-score distributions without one item, from the distribution over all items, in O(J Q)
 * per item instead of a fresh Lord–Wingersky recursion (O(J^2 Q)): S-X2 over J items costs
 * O(J^2 Q) in all instead of O(J^3 Q).
 *
 * The recursion adds item i to the distribution v = L^{(-i)} of the other items:
 *   L_s = v_s Q_i + v_{s-1} P_i,   s = 0..J  (v_{-1} = v_J = 0),
 * so at each node it can be run backwards to take item i out again, in either direction:
 *   upwards:   v_s     = (L_s - v_{s-1} P_i) / Q_i,   s = 0, 1, ...
 *   downwards: v_{s-1} = (L_s - v_s Q_i) / P_i,       s = J, J-1, ...
 * Each step subtracts one of L_s's two terms. An upward step is well conditioned while the term
 * it keeps is the larger one, v_s Q_i >= v_{s-1} P_i, i.e. L_s <= 2 v_s Q_i: then the error
 * carried from v_{s-1} is multiplied by v_{s-1} P_i / (v_s Q_i) <= 1 and nothing cancels. A
 * downward step likewise while v_{s-1} P_i >= v_s Q_i. A sum of independent Bernoulli
 * variables has a log-concave distribution (v_s / v_{s-1} decreases in s), so the upward
 * condition holds on a prefix of the scores and the downward one on the rest: each node runs
 * upwards while the condition holds (with a little slack, 2.5 for 2, so that rounding at the
 * switch cannot leave a gap) and downwards from the top to meet it. Only the low tail of an
 * upward pass or the high tail of a downward one ever cancels, and neither is used.
 *
 * (Running one direction over all scores, chosen by P_i vs Q_i, keeps absolute errors small
 * but loses the far tail to cancellation: at 500 items, 57% of the (item, node) pairs failed
 * the check below and fell back to the O(J^2) recursion, which kept S-X2 at O(J^3 Q) there.)
 *
 * Each node's result is still checked: no value below zero and a total of 1 (it is a
 * distribution) to 1e-12; a node that fails (the passes did not meet) is computed again by the
 * direct recursion over the other items.
 */

/** Slack on the conditioning bound 2 of each step (see the file comment). */
const SLACK = 2.5;

/**
 * Writes into `out` (rows s = 0..J-1, node-minor: out[s*nQ + q]) the distribution of the sum
 * score over all items but `skip`, given `full` (rows s = 0..J) over all J items, and
 * P, Qt (item-major, P[j*nQ + q]) with P + Qt = 1. Returns how many nodes failed the check and
 * were computed by the direct recursion.
 */
export function scoreDistributionWithout(
  full: Float64Array,
  P: Float64Array,
  Qt: Float64Array,
  J: number,
  nQ: number,
  skip: number,
  out: Float64Array,
): number {
  const base = skip * nQ;
  let direct = 0;
  for (let q = 0; q < nQ; q++) {
    if (!withoutAtNode(full, P[base + q], Qt[base + q], J, nQ, q, out)) {
      directAtNode(P, Qt, J, nQ, skip, q, out);
      direct++;
    }
  }
  return direct;
}

/**
 * Node q of scoreDistributionWithout, the item taken out having P = p and Q = t there: the
 * upward and downward passes, and whether they met in a distribution (else the caller recomputes
 * the node). A function of its own, called for every node of every item: it is compiled within
 * the first items of a cold start instead of its loops on stack replacement.
 */
function withoutAtNode(
  full: Float64Array,
  p: number,
  t: number,
  J: number,
  nQ: number,
  q: number,
  out: Float64Array,
): boolean {
  // Upwards over s = 0..up-1, while each step keeps the larger term.
  let up = 0;
  if (t > 0) {
    let prev = 0;
    for (; up < J; up++) {
      const L = full[up * nQ + q];
      const v = (L - prev * p) / t;
      if (!(L <= SLACK * v * t)) break;
      out[up * nQ + q] = v;
      prev = v;
    }
  }
  // Downwards over s = J-1..down, to meet the upward pass.
  let down = J;
  if (p > 0) {
    let next = 0;
    for (; down > up; down--) {
      const L = full[down * nQ + q];
      const v = (L - next * t) / p;
      if (!(L <= SLACK * v * p)) break;
      out[(down - 1) * nQ + q] = v;
      next = v;
    }
  }
  if (down > up) return false;
  let sum = 0;
  for (let s = 0; s < J; s++) {
    const v = out[s * nQ + q];
    if (!(v >= 0)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= 1e-12;
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
