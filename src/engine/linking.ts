/**
 * Scale linking of two calibrations through their common items (pure maths on plain numbers).
 *
 * Two runs of a unidimensional IRT model identify the latent scale only up to a linear map: a run
 * standardised on its own learners ("new") relates to an earlier scale ("old") by
 *   theta_old = A theta_new + B,   b_old = A b_new + B,   a_old = a_new / A,   c unchanged,
 * (logistic link without 1.702, P = c + (1-c) / (1 + exp(-a (theta - b)))). The linking
 * constants (A, B) are estimated from items calibrated on both scales:
 *
 * - mean/sigma (Marco 1977): A = sd(b_old) / sd(b_new), B = mean(b_old) - A mean(b_new).
 * - mean/mean (Loyd & Hoover 1980): A = mean(a_new) / mean(a_old), B = mean(b_old) - A mean(b_new).
 * - Stocking–Lord (1983): the (A, B) that make the test characteristic curves of the common items
 *   agree on the old scale,
 *     F(A, B) = sum_k w_k [ sum_j P_j(theta_k; a_old, b_old, c_old)
 *                         - sum_j P_j(theta_k; a_new / A, A b_new + B, c_new) ]^2,
 *   with theta_k, w_k a normal quadrature on the old scale; minimised by Gauss–Newton with a
 *   Levenberg damping, started at mean/sigma.
 *
 * With `fixSlope` (Rasch: the unit is fixed by a = 1) only B is estimated and A = 1.
 */

/** Item parameters in IRT form, one entry per common item (c: 0 outside the 3PL). */
export interface LinkItems {
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly c?: ArrayLike<number>;
}

export type LinkMethod = 'stocking-lord' | 'mean-sigma' | 'mean-mean';
export const LINK_METHODS: readonly LinkMethod[] = ['stocking-lord', 'mean-sigma', 'mean-mean'];

export interface LinkConstants {
  readonly A: number;
  readonly B: number;
}

export interface LinkGrid {
  readonly nodes: ArrayLike<number>;
  readonly weights: ArrayLike<number>;
}

export interface LinkOptions {
  /** Estimate B only, A = 1 (Rasch). */
  readonly fixSlope?: boolean;
  /** Stocking–Lord quadrature on the old scale; default 41 nodes on [-4, 4], N(0, 1) weights. */
  readonly grid?: LinkGrid;
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

function sd(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

function check(newItems: LinkItems, oldItems: LinkItems): void {
  const n = newItems.b.length;
  if (n < 2) throw new RangeError(`linking needs at least 2 common items, got ${n}`);
  if (oldItems.b.length !== n || newItems.a.length !== n || oldItems.a.length !== n)
    throw new RangeError('linking: new and old item arrays differ in length');
}

export function meanSigma(newItems: LinkItems, oldItems: LinkItems, opts: LinkOptions = {}): LinkConstants {
  check(newItems, oldItems);
  const sNew = sd(newItems.b);
  const A = opts.fixSlope ? 1 : sd(oldItems.b) / sNew;
  if (!(Number.isFinite(A) && A > 0))
    throw new RangeError('mean/sigma: the common items have no spread of b');
  return { A, B: mean(oldItems.b) - A * mean(newItems.b) };
}

export function meanMean(newItems: LinkItems, oldItems: LinkItems, opts: LinkOptions = {}): LinkConstants {
  check(newItems, oldItems);
  const A = opts.fixSlope ? 1 : mean(newItems.a) / mean(oldItems.a);
  if (!(Number.isFinite(A) && A > 0)) throw new RangeError('mean/mean: the mean slope is not positive');
  return { A, B: mean(oldItems.b) - A * mean(newItems.b) };
}

/** 41 nodes on [-4, 4] with normalised N(0, 1) density weights. */
export function normalGrid(points = 41, range = 4): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(points);
  const weights = new Float64Array(points);
  let s = 0;
  for (let k = 0; k < points; k++) {
    nodes[k] = -range + (2 * range * k) / (points - 1);
    weights[k] = Math.exp(-0.5 * nodes[k] * nodes[k]);
    s += weights[k];
  }
  for (let k = 0; k < points; k++) weights[k] /= s;
  return { nodes, weights };
}

/** Test characteristic curve of the old items on the grid. */
function oldTcc(oldItems: LinkItems, nodes: ArrayLike<number>): Float64Array {
  const t = new Float64Array(nodes.length);
  for (let k = 0; k < nodes.length; k++) {
    for (let j = 0; j < oldItems.b.length; j++) {
      const c = oldItems.c?.[j] ?? 0;
      t[k] += c + (1 - c) / (1 + Math.exp(-oldItems.a[j] * (nodes[k] - oldItems.b[j])));
    }
  }
  return t;
}

/**
 * The Stocking–Lord criterion F(A, B) and, when `grad` is given, the residuals' Jacobian
 * products for Gauss–Newton: g = J'Wr and H = J'WJ (2x2, row-major).
 * With z = (a / A)(theta - A b - B):  dz/dA = -a (theta - B) / A^2,  dz/dB = -a / A,
 * dP/dz = (1 - c) s (1 - s), s = logistic(z).
 */
export function stockingLordCriterion(
  newItems: LinkItems,
  oldItems: LinkItems,
  k: LinkConstants,
  grid: LinkGrid = normalGrid(),
  target = oldTcc(oldItems, grid.nodes),
  grad?: { g: Float64Array; H: Float64Array },
): number {
  const { A, B } = k;
  let f = 0;
  if (grad) {
    grad.g.fill(0);
    grad.H.fill(0);
  }
  for (let q = 0; q < grid.nodes.length; q++) {
    const theta = grid.nodes[q];
    let tNew = 0;
    let dA = 0;
    let dB = 0;
    for (let j = 0; j < newItems.b.length; j++) {
      const a = newItems.a[j];
      const c = newItems.c?.[j] ?? 0;
      const z = (a / A) * (theta - A * newItems.b[j] - B);
      const s = 1 / (1 + Math.exp(-z));
      tNew += c + (1 - c) * s;
      const dz = (1 - c) * s * (1 - s);
      dA += (dz * -a * (theta - B)) / (A * A);
      dB += (dz * -a) / A;
    }
    // r = target - tNew; dr = -dtNew.
    const r = target[q] - tNew;
    const w = grid.weights[q];
    f += w * r * r;
    if (grad) {
      // Gradient of F: 2 w r dr; Gauss–Newton Hessian: 2 w dr dr'.
      grad.g[0] += -2 * w * r * dA;
      grad.g[1] += -2 * w * r * dB;
      grad.H[0] += 2 * w * dA * dA;
      grad.H[1] += 2 * w * dA * dB;
      grad.H[3] += 2 * w * dB * dB;
    }
  }
  if (grad) grad.H[2] = grad.H[1];
  return f;
}

export function stockingLord(
  newItems: LinkItems,
  oldItems: LinkItems,
  opts: LinkOptions = {},
): LinkConstants {
  check(newItems, oldItems);
  const grid = opts.grid ?? normalGrid();
  const target = oldTcc(oldItems, grid.nodes);
  let k: LinkConstants;
  try {
    k = meanSigma(newItems, oldItems, opts);
  } catch {
    k = { A: 1, B: mean(oldItems.b) - mean(newItems.b) };
  }
  const d = { g: new Float64Array(2), H: new Float64Array(4) };
  let f = stockingLordCriterion(newItems, oldItems, k, grid, target, d);
  let lambda = 1e-3;
  for (let it = 0; it < 200; it++) {
    const [gA, gB] = d.g;
    const [hAA, hAB, , hBB] = d.H;
    let step: [number, number];
    if (opts.fixSlope) step = [0, -gB / (hBB * (1 + lambda))];
    else {
      // Levenberg: (H + lambda diag(H)) step = -g.
      const a11 = hAA * (1 + lambda);
      const a22 = hBB * (1 + lambda);
      const det = a11 * a22 - hAB * hAB;
      step = [(-gA * a22 + gB * hAB) / det, (-gB * a11 + gA * hAB) / det];
    }
    // Keep A positive: at most halve or double it in one step.
    const nextA = Math.min(Math.max(k.A + step[0], k.A / 2), k.A * 2);
    const next = { A: nextA, B: k.B + step[1] };
    const d2 = { g: new Float64Array(2), H: new Float64Array(4) };
    const f2 = stockingLordCriterion(newItems, oldItems, next, grid, target, d2);
    if (Number.isFinite(f2) && f2 <= f) {
      const done = Math.abs(next.A - k.A) < 1e-12 && Math.abs(next.B - k.B) < 1e-12;
      k = next;
      f = f2;
      d.g.set(d2.g);
      d.H.set(d2.H);
      lambda = Math.max(lambda / 10, 1e-12);
      if (done) break;
    } else {
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  return k;
}

export function linkConstants(
  method: LinkMethod,
  newItems: LinkItems,
  oldItems: LinkItems,
  opts: LinkOptions = {},
): LinkConstants {
  switch (method) {
    case 'stocking-lord':
      return stockingLord(newItems, oldItems, opts);
    case 'mean-sigma':
      return meanSigma(newItems, oldItems, opts);
    case 'mean-mean':
      return meanMean(newItems, oldItems, opts);
  }
}
