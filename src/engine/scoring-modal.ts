/**
 * ML, MAP and WLE scoring (see scoring.ts for the conventions and the notation): per-user
 * evaluation of the log-likelihood and test information with derivatives, a grid search, and a
 * safeguarded Newton solve.
 */

import { fillLogTables, type ItemBank } from './models.js';
import { equallySpacedNodes } from './quadrature.js';
import type { ScoringData } from './scoring.js';
import type { LatentDistribution, ScoreMethod } from './types.js';

/** Optimisation range for ML/MAP/WLE (mirt's default max_theta). */
const SEARCH = 20;
/** Grid step of the initial search. */
const GRID_STEP = 0.25;
/** mirt turns an ML estimate with an SE above 30 into +-Inf. */
const ML_MAX_SE = 30;

/**
 * Per-user evaluation of the log-likelihood and, for WLE, the test information, with first and
 * second derivatives in theta. Results go to the module scratch `EV` (no allocation):
 *   EV[0] = l, EV[1] = l', EV[2] = l'', EV[3] = I, EV[4] = I', EV[5] = I''.
 */
export const EV = new Float64Array(6);

export function evaluate(
  th: number,
  k0: number,
  k1: number,
  userItem: Int32Array,
  userResp: Uint8Array,
  bank: ItemBank,
  withInfo: boolean,
): void {
  const A = bank.a;
  const D = bank.d;
  const C = bank.c;
  let l = 0;
  let l1 = 0;
  let l2 = 0;
  let I = 0;
  let I1 = 0;
  let I2 = 0;
  for (let k = k0; k < k1; k++) {
    const j = userItem[k];
    const a = A[j];
    const c = C[j];
    const z = a * th + D[j];
    // s = s(z), t = s(-z), both without cancellation.
    let s: number;
    let t: number;
    if (z >= 0) {
      const e = Math.exp(-z);
      s = 1 / (1 + e);
      t = e / (1 + e);
    } else {
      const e = Math.exp(z);
      s = e / (1 + e);
      t = 1 / (1 + e);
    }
    const st = s * t;
    if (userResp[k] === 1) {
      if (c === 0) {
        // log s(z) = -log(1 + e^-z); l' = a t; l'' = -a^2 s t.
        l += z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
        l1 += a * t;
        l2 -= a * a * st;
      } else {
        const P = c + (1 - c) * s;
        const dP = (1 - c) * a * st;
        const d2P = dP * a * (t - s);
        const r = dP / P;
        l += Math.log(P);
        l1 += r;
        l2 += d2P / P - r * r;
      }
    } else {
      // log Q = log(1-c) + log s(-z); l' = -a s; l'' = -a^2 s t (independent of c).
      l +=
        (c === 0 ? 0 : Math.log1p(-c)) + (z >= 0 ? -z - Math.log1p(Math.exp(-z)) : -Math.log1p(Math.exp(z)));
      l1 -= a * s;
      l2 -= a * a * st;
    }
    if (withInfo) {
      const a2 = a * a;
      if (c === 0) {
        // i = a^2 s t, i' = a^3 s t (t - s), i'' = a^4 s t ((t - s)^2 - 2 s t).
        const tms = t - s;
        I += a2 * st;
        I1 += a2 * a * st * tms;
        I2 += a2 * a2 * st * (tms * tms - 2 * st);
      } else {
        // i = (1-c) a^2 f(s), f = N/Dn, N = s^2 t = s^2 - s^3, Dn = c + (1-c) s;
        // di/dtheta = (1-c) a^2 f'(s) ds, d2i = (1-c) a^2 (f''(s) ds^2 + f'(s) d2s),
        // ds = a s t, d2s = a^2 s t (t - s).
        const Dn = c + (1 - c) * s;
        const D1 = 1 - c;
        const N = s * st;
        const N1 = 2 * s - 3 * s * s;
        const N2 = 2 - 6 * s;
        const f = N / Dn;
        const f1 = (N1 * Dn - N * D1) / (Dn * Dn);
        const f2 = N2 / Dn - (2 * D1 * N1) / (Dn * Dn) + (2 * N * D1 * D1) / (Dn * Dn * Dn);
        const ds = a * st;
        const d2s = ds * a * (t - s);
        const k2 = (1 - c) * a2;
        I += k2 * f;
        I1 += k2 * f1 * ds;
        I2 += k2 * (f2 * ds * ds + f1 * d2s);
      }
    }
  }
  EV[0] = l;
  EV[1] = l1;
  EV[2] = l2;
  EV[3] = I;
  EV[4] = I1;
  EV[5] = I2;
}

/** Objective value, gradient and curvature of one method, from EV. Written to OBJ. */
const OBJ = new Float64Array(3);

function objective(method: ScoreMethod, th: number, mean: number, variance: number): void {
  if (method === 'ML') {
    OBJ[0] = EV[0];
    OBJ[1] = EV[1];
    OBJ[2] = EV[2];
  } else if (method === 'MAP') {
    // g = l - (theta - mu)^2 / (2 v), g' = l' - (theta - mu)/v, g'' = l'' - 1/v.
    const e = th - mean;
    OBJ[0] = EV[0] - (e * e) / (2 * variance);
    OBJ[1] = EV[1] - e / variance;
    OBJ[2] = EV[2] - 1 / variance;
  } else {
    // WLE (mirt): g = l + 0.5 log I, g' = l' + I'/(2I), g'' = l'' + I''/(2I) - I'^2/(2I^2).
    const I = EV[3];
    if (!(I > 0)) {
      OBJ[0] = -Infinity;
      OBJ[1] = Number.NaN;
      OBJ[2] = Number.NaN;
      return;
    }
    OBJ[0] = EV[0] + 0.5 * Math.log(I);
    OBJ[1] = EV[1] + EV[4] / (2 * I);
    OBJ[2] = EV[2] + EV[5] / (2 * I) - (EV[4] * EV[4]) / (2 * I * I);
  }
}

export function scoreModal(
  data: ScoringData,
  bank: ItemBank,
  latent: LatentDistribution,
  method: ScoreMethod,
  bound: number,
  pattern: Uint8Array,
  theta: Float64Array,
  se: Float64Array,
): void {
  const { nUsers, userPtr, userItem, userResp } = data;
  const withInfo = method === 'WLE';
  const mu = latent.mean;
  const v = latent.variance;
  const nGrid = Math.round((2 * SEARCH) / GRID_STEP) + 1;
  const C = bank.c;
  const grid = gridTables(bank, nGrid, withInfo);
  for (let u = 0; u < nUsers; u++) {
    const k0 = userPtr[u];
    const k1 = userPtr[u + 1];
    if (k1 === k0) {
      // No answers: MAP is the prior mode; ML/WLE have nothing to estimate from.
      theta[u] = mu;
      se[u] = method === 'MAP' ? Math.sqrt(v) : Number.NaN;
      continue;
    }
    if (method === 'ML' && pattern[u] !== 0) {
      theta[u] = pattern[u] === 1 ? bound : -bound;
      se[u] = Number.NaN;
      continue;
    }
    let guessing = false;
    for (let k = k0; k < k1; k++) if (C[userItem[k]] !== 0) guessing = true;
    // Bracket [lo, hi] with g'(lo) >= 0 >= g'(hi) around the global grid maximum, or the whole
    // range when the objective is concave (1PL/2PL ML and MAP).
    let lo = -SEARCH;
    let hi = SEARCH;
    let start = method === 'MAP' ? mu : 0;
    let edge = 0; // -1 / +1 when the maximum sits at an end of the search range
    if (guessing || method === 'WLE') {
      let best = -Infinity;
      let bi = 0;
      if (grid) {
        // Table lookup: acc_g = sum log P / log Q at the grid nodes (+ info for WLE).
        const { logP, logQ, info, acc, accInfo } = grid;
        acc.fill(0);
        if (info && accInfo) accInfo.fill(0);
        for (let k = k0; k < k1; k++) {
          const base = userItem[k] * nGrid;
          const tab = userResp[k] === 1 ? logP : logQ;
          for (let g = 0; g < nGrid; g++) acc[g] += tab[base + g];
          if (info && accInfo) for (let g = 0; g < nGrid; g++) accInfo[g] += info[base + g];
        }
        for (let g = 0; g < nGrid; g++) {
          const th = -SEARCH + g * GRID_STEP;
          let f = acc[g];
          if (method === 'MAP') f -= ((th - mu) * (th - mu)) / (2 * v);
          else if (method === 'WLE' && accInfo)
            f = accInfo[g] > 0 ? f + 0.5 * Math.log(accInfo[g]) : -Infinity;
          if (f > best) {
            best = f;
            bi = g;
          }
        }
      } else {
        for (let g = 0; g < nGrid; g++) {
          const th = -SEARCH + g * GRID_STEP;
          evaluate(th, k0, k1, userItem, userResp, bank, withInfo);
          objective(method, th, mu, v);
          if (OBJ[0] > best) {
            best = OBJ[0];
            bi = g;
          }
        }
      }
      start = -SEARCH + bi * GRID_STEP;
      lo = bi > 0 ? start - GRID_STEP : start;
      hi = bi < nGrid - 1 ? start + GRID_STEP : start;
      if (bi === 0) edge = -1;
      if (bi === nGrid - 1) edge = 1;
    }
    let th =
      edge === 0 ? maximise(method, start, lo, hi, k0, k1, userItem, userResp, bank, withInfo, mu, v) : start;
    evaluate(th, k0, k1, userItem, userResp, bank, withInfo);
    objective(method, th, mu, v);
    if (OBJ[1] > 0 && th >= SEARCH - 1e-9) edge = 1;
    if (OBJ[1] < 0 && th <= -SEARCH + 1e-9) edge = -1;
    const curv = -OBJ[2];
    let s = curv > 0 ? 1 / Math.sqrt(curv) : Number.NaN;
    if (method === 'ML') {
      if (edge !== 0 || !(s <= ML_MAX_SE)) {
        // No finite maximum (mirt: +-Inf).
        th = (edge !== 0 ? edge : Math.sign(th) || 1) * bound;
        s = Number.NaN;
      } else if (Math.abs(th) > bound) {
        th = Math.sign(th) * bound;
        s = Number.NaN;
      }
    }
    theta[u] = th;
    se[u] = s;
  }
}

/** Largest table (entries per table) built for the grid search; bigger banks evaluate directly. */
const MAX_GRID_TABLE = 1 << 23;

interface GridTables {
  readonly logP: Float64Array;
  readonly logQ: Float64Array;
  /** Item information at the nodes (WLE only). */
  readonly info: Float64Array | null;
  readonly acc: Float64Array;
  readonly accInfo: Float64Array | null;
}

/**
 * Per-item tables at the search-grid nodes, so that the grid search of a user costs additions
 * only (as the EAP): log P, log Q and, for WLE, i_j(theta) = (1-c) a^2 s^2 t / (c + (1-c) s).
 */
function gridTables(bank: ItemBank, nGrid: number, withInfo: boolean): GridTables | null {
  const nItems = bank.a.length;
  if (nItems * nGrid > MAX_GRID_TABLE) return null;
  const nodes = equallySpacedNodes(nGrid, SEARCH);
  const logP = new Float64Array(nItems * nGrid);
  const logQ = new Float64Array(nItems * nGrid);
  fillLogTables(bank, nodes, logP, logQ);
  let info: Float64Array | null = null;
  if (withInfo) {
    info = new Float64Array(nItems * nGrid);
    for (let j = 0; j < nItems; j++) {
      const a = bank.a[j];
      const c = bank.c[j];
      for (let g = 0; g < nGrid; g++) {
        const z = a * nodes[g] + bank.d[j];
        const s = 1 / (1 + Math.exp(-z));
        const t = 1 / (1 + Math.exp(z));
        info[j * nGrid + g] = c === 0 ? a * a * s * t : ((1 - c) * a * a * s * s * t) / (c + (1 - c) * s);
      }
    }
  }
  return {
    logP,
    logQ,
    info,
    acc: new Float64Array(nGrid),
    accInfo: withInfo ? new Float64Array(nGrid) : null,
  };
}

/**
 * Safeguarded Newton on the score function g'(theta) inside [lo, hi] (Numerical Recipes'
 * rtsafe idea): take the Newton step theta - g'/g'' when g'' < 0 and it stays inside the
 * bracket, else bisect; shrink the bracket with the sign of g' at every step.
 */
function maximise(
  method: ScoreMethod,
  start: number,
  lo: number,
  hi: number,
  k0: number,
  k1: number,
  userItem: Int32Array,
  userResp: Uint8Array,
  bank: ItemBank,
  withInfo: boolean,
  mu: number,
  v: number,
): number {
  if (hi <= lo) return lo;
  // Make sure the bracket holds a sign change of g' (it does unless the grid maximum is flat).
  evaluate(lo, k0, k1, userItem, userResp, bank, withInfo);
  objective(method, lo, mu, v);
  const gLo = OBJ[1];
  evaluate(hi, k0, k1, userItem, userResp, bank, withInfo);
  objective(method, hi, mu, v);
  const gHi = OBJ[1];
  if (!(gLo > 0 && gHi < 0))
    return goldenSection(method, lo, hi, k0, k1, userItem, userResp, bank, withInfo, mu, v);
  let th = Math.min(Math.max(start, lo), hi);
  for (let it = 0; it < 200; it++) {
    evaluate(th, k0, k1, userItem, userResp, bank, withInfo);
    objective(method, th, mu, v);
    const g1 = OBJ[1];
    const g2 = OBJ[2];
    if (g1 === 0) return th;
    if (g1 > 0) lo = th;
    else hi = th;
    let next = g2 < 0 ? th - g1 / g2 : Number.NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - th) < 1e-12 || hi - lo < 1e-12) return next;
    th = next;
  }
  return th;
}

/** Golden-section search for the maximum of g on [lo, hi] (fallback when g' has no sign change). */
function goldenSection(
  method: ScoreMethod,
  lo: number,
  hi: number,
  k0: number,
  k1: number,
  userItem: Int32Array,
  userResp: Uint8Array,
  bank: ItemBank,
  withInfo: boolean,
  mu: number,
  v: number,
): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - r * (hi - lo);
  let x2 = lo + r * (hi - lo);
  evaluate(x1, k0, k1, userItem, userResp, bank, withInfo);
  objective(method, x1, mu, v);
  let f1 = OBJ[0];
  evaluate(x2, k0, k1, userItem, userResp, bank, withInfo);
  objective(method, x2, mu, v);
  let f2 = OBJ[0];
  for (let it = 0; it < 200 && hi - lo > 1e-12; it++) {
    if (f1 >= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - r * (hi - lo);
      evaluate(x1, k0, k1, userItem, userResp, bank, withInfo);
      objective(method, x1, mu, v);
      f1 = OBJ[0];
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + r * (hi - lo);
      evaluate(x2, k0, k1, userItem, userResp, bank, withInfo);
      objective(method, x2, mu, v);
      f2 = OBJ[0];
    }
  }
  return 0.5 * (lo + hi);
}
