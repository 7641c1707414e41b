/**
 * Ability scoring: EAP, MAP, ML and WLE with standard errors, as mirt's `fscores` computes
 * them, for the dichotomous model
 *
 *   P_j(theta) = c_j + (1 - c_j) s(z),  s(z) = 1 / (1 + exp(-z)),  z = a_j theta + d_j.
 *
 * Notation used below (per item, at one theta): s = s(z), t = 1 - s = s(-z) (computed directly,
 * never as 1 - s), Q = 1 - P = (1 - c) t,
 *   P'  = (1 - c) a s t,   P'' = (1 - c) a^2 s t (t - s),
 *   item information  i(theta) = P'^2 / (P Q) = (1 - c) a^2 s^2 t / (c + (1 - c) s),
 *   log-likelihood of one answer x: l = x log P + (1 - x) log Q, with
 *     x = 1: l' = P'/P,  l'' = P''/P - (P'/P)^2;     x = 0: l' = -a s,  l'' = -a^2 s t.
 *
 * Methods (mirt 1.47 conventions; see scoring.test.ts for the measured agreement):
 * - EAP: posterior mean and SD on `quadPoints` (121) equally spaced nodes on [-quadRange,
 *   quadRange] ([-6, 6]) with the normal prior N(latent.mean, latent.variance) normalised on
 *   the grid. Computed in log space (per-item per-node log tables), so that a learner with
 *   thousands of answers does not underflow (mirt returns NaN there). Where the posterior SD
 *   falls below the node spacing (0.1; hundreds of informative answers) the 121-node sums no
 *   longer resolve the posterior (a 3,000-answer learner got SD 0.015 against the true 0.033),
 *   so that learner is re-integrated on a local fine grid (see refineEAP); below that size
 *   the grid sums are exact to ~1e-9 and we return mirt's numbers.
 * - MAP: mode of log L + log phi(theta; mean, variance). SE = 1 / sqrt(-d2/dtheta2 of that) =
 *   1 / sqrt(observed information + 1/variance): mirt takes it from nlm's Hessian of the same
 *   objective. For 1PL/2PL the observed information equals the test information; for the 3PL it
 *   does not, and the observed one is what matches mirt.
 * - ML: maximum of log L. All-right / all-wrong patterns (and 3PL patterns whose likelihood
 *   keeps rising towards an end of the range, or whose SE exceeds 30: mirt reports +-Inf for
 *   those) have no finite estimate: theta = +-bound, se = NaN. SE = 1 / sqrt(observed info).
 * - WLE: mirt maximises log L + log sqrt(I(theta)) (WLE.mirt: I is the test information), whose
 *   score equation is l' + I'/(2I) = 0. For 1PL/2PL I'/(2I) is exactly Warm's correction
 *   J/(2I), J = sum P'P''/(PQ); for the 3PL it is not (I' = 2J - sum P'^3 (1-2P)/(PQ)^2), and we
 *   follow mirt. SE = 1 / sqrt(-d2/dtheta2 [log L + 0.5 log I]) (nlm's Hessian), not 1/sqrt(I).
 *   Finite for all-right / all-wrong patterns.
 *
 * ML, MAP and WLE start from a grid search over [-SEARCH, SEARCH] when an objective may have
 * several local maxima (any 3PL item answered, or WLE), then a safeguarded Newton step
 * (Newton on the score function inside a bracket that always contains the root, bisection when
 * Newton leaves it). mirt's nlm starts from the EAP instead and may stop at a local maximum.
 */

import { fillLogTables, type ItemBank } from './models.js';
import { equallySpacedNodes, normalLogWeights } from './quadrature.js';
import type { ResponseData } from './responses.js';
import { type Abilities, EngineInputError, type LatentDistribution, type ScoreMethod } from './types.js';

export interface ScoreOptions {
  readonly method: ScoreMethod;
  readonly latent: LatentDistribution;
  /** EAP quadrature nodes (default 121, mirt's fscores default for one factor). */
  readonly quadPoints?: number;
  /** EAP nodes span [-quadRange, quadRange] (default 6). */
  readonly quadRange?: number;
  /**
   * ML only: the value reported (with its sign) where no finite estimate exists, and the
   * largest |theta| reported at all (finite estimates beyond it are clamped, se = NaN, so the
   * order of learners is kept). Default 6, the end of the scoring grid.
   */
  readonly bound?: number;
}

export type ScoringData = Pick<ResponseData, 'nUsers' | 'userPtr' | 'userItem' | 'userResp'>;

/** Optimisation range for ML/MAP/WLE (mirt's default max_theta). */
const SEARCH = 20;
/** Grid step of the initial search. */
const GRID_STEP = 0.25;
/** mirt turns an ML estimate with an SE above 30 into +-Inf. */
const ML_MAX_SE = 30;

export function scoreAbilities(data: ScoringData, bank: ItemBank, options: ScoreOptions): Abilities {
  const { method, latent } = options;
  if (!(latent.variance > 0) || !Number.isFinite(latent.mean)) {
    throw new EngineInputError(`latent distribution needs a finite mean and a positive variance`);
  }
  const nUsers = data.nUsers;
  const theta = new Float64Array(nUsers);
  const se = new Float64Array(nUsers);
  const pattern = new Uint8Array(nUsers);
  const { userPtr, userResp } = data;
  for (let u = 0; u < nUsers; u++) {
    const k0 = userPtr[u];
    const k1 = userPtr[u + 1];
    let right = 0;
    for (let k = k0; k < k1; k++) right += userResp[k];
    pattern[u] = k1 === k0 ? 0 : right === k1 - k0 ? 1 : right === 0 ? 2 : 0;
  }
  switch (method) {
    case 'EAP':
      scoreEAP(data, bank, latent, options.quadPoints ?? 121, options.quadRange ?? 6, theta, se);
      break;
    case 'MAP':
    case 'ML':
    case 'WLE': {
      const bound = options.bound ?? 6;
      if (!(bound > 0) || !Number.isFinite(bound))
        throw new EngineInputError(`bound must be a positive number`);
      scoreModal(data, bank, latent, method, bound, pattern, theta, se);
      break;
    }
    default:
      throw new EngineInputError(`unknown scoring method "${String(method)}"`);
  }
  return { method, theta, se, pattern };
}

/**
 * EAP: with log weights lw_q of the prior on the grid and log L_u(x_q) = sum over the user's
 * answers of log P or log Q (tables), the posterior is p_q = exp(lw_q + logL_q - M) / S with
 * M = max_q (lw_q + logL_q), S = sum_q exp(lw_q + logL_q - M);
 *   theta = sum_q p_q x_q,  se = sqrt(sum_q p_q (x_q - theta)^2).
 */
function scoreEAP(
  data: ScoringData,
  bank: ItemBank,
  latent: LatentDistribution,
  quadPoints: number,
  quadRange: number,
  theta: Float64Array,
  se: Float64Array,
): void {
  const nodes = equallySpacedNodes(quadPoints, quadRange);
  const nQ = nodes.length;
  const logW = normalLogWeights(nodes, latent.mean, latent.variance);
  const nItems = bank.a.length;
  const logP = new Float64Array(nItems * nQ);
  const logQ = new Float64Array(nItems * nQ);
  fillLogTables(bank, nodes, logP, logQ);
  const acc = new Float64Array(nQ);
  const step = nQ > 1 ? nodes[1] - nodes[0] : Number.POSITIVE_INFINITY;
  const { nUsers, userPtr, userItem, userResp } = data;
  for (let u = 0; u < nUsers; u++) {
    acc.set(logW);
    for (let k = userPtr[u]; k < userPtr[u + 1]; k++) {
      const base = userItem[k] * nQ;
      const tab = userResp[k] === 1 ? logP : logQ;
      for (let q = 0; q < nQ; q++) acc[q] += tab[base + q];
    }
    let max = -Infinity;
    for (let q = 0; q < nQ; q++) if (acc[q] > max) max = acc[q];
    let s0 = 0;
    let s1 = 0;
    for (let q = 0; q < nQ; q++) {
      const p = Math.exp(acc[q] - max);
      acc[q] = p;
      s0 += p;
      s1 += p * nodes[q];
    }
    const m = s1 / s0;
    let s2 = 0;
    for (let q = 0; q < nQ; q++) {
      const e = nodes[q] - m;
      s2 += acc[q] * e * e;
    }
    theta[u] = m;
    se[u] = Math.sqrt(s2 / s0);
    if (se[u] < step) {
      // The grid no longer resolves the posterior (SD below the node spacing: hundreds of
      // answers); mirt's grid answer is off there (or NaN). Refine on a local grid.
      refineEAP(u, data, bank, latent, -quadRange, quadRange, step, theta, se);
    }
  }
}

/** Fine-grid nodes of the EAP refinement. */
const FINE = 201;

/**
 * EAP refinement for a posterior narrower than the grid spacing h: the same posterior
 * (log L + log prior, evaluated directly at each point) integrated on FINE equally spaced
 * points over [m - 6h, m + 6h], then again over [m1 - 10 sd1, m1 + 10 sd1] (spacing sd1 / 10,
 * where the sums are exact to ~1e-20), both clipped to mirt's support [-range, range].
 */
function refineEAP(
  u: number,
  data: ScoringData,
  bank: ItemBank,
  latent: LatentDistribution,
  lo0: number,
  hi0: number,
  h: number,
  theta: Float64Array,
  se: Float64Array,
): void {
  const k0 = data.userPtr[u];
  const k1 = data.userPtr[u + 1];
  let halfWidth = 6 * h;
  for (let pass = 0; pass < 2; pass++) {
    const m = theta[u];
    const lo = Math.max(lo0, m - halfWidth);
    const hi = Math.min(hi0, m + halfWidth);
    const dx = (hi - lo) / (FINE - 1);
    let max = -Infinity;
    for (let q = 0; q < FINE; q++) {
      const x = lo + q * dx;
      evaluate(x, k0, k1, data.userItem, data.userResp, bank, false);
      const e = x - latent.mean;
      const lp = EV[0] - (e * e) / (2 * latent.variance);
      FINE_BUF[q] = lp;
      if (lp > max) max = lp;
    }
    let s0 = 0;
    let s1 = 0;
    for (let q = 0; q < FINE; q++) {
      const p = Math.exp(FINE_BUF[q] - max);
      FINE_BUF[q] = p;
      s0 += p;
      s1 += p * (lo + q * dx);
    }
    const mean = s1 / s0;
    let s2 = 0;
    for (let q = 0; q < FINE; q++) {
      const e = lo + q * dx - mean;
      s2 += FINE_BUF[q] * e * e;
    }
    theta[u] = mean;
    se[u] = Math.sqrt(s2 / s0);
    halfWidth = 10 * se[u];
    if (!(halfWidth > 0)) break;
  }
}

const FINE_BUF = new Float64Array(FINE);

/**
 * Per-user evaluation of the log-likelihood and, for WLE, the test information, with first and
 * second derivatives in theta. Results go to the module scratch `EV` (no allocation):
 *   EV[0] = l, EV[1] = l', EV[2] = l'', EV[3] = I, EV[4] = I', EV[5] = I''.
 */
const EV = new Float64Array(6);

function evaluate(
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

function scoreModal(
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

/**
 * Empirical reliability of scores with standard errors (mirt's empirical_rxx, and fscores'
 * returnER):  var(theta) / (var(theta) + mean(se^2)), var with the n - 1 denominator, over the
 * learners whose theta and se are finite (mirt drops +-Inf and NA). NaN with fewer than 2.
 * Note: this is NOT the `reliability` mirt reports for a fit; that is `marginalRxx` below.
 */
export function marginalReliability(theta: Float64Array, se: Float64Array): number {
  let n = 0;
  let sum = 0;
  for (let u = 0; u < theta.length; u++) {
    if (Number.isFinite(theta[u]) && Number.isFinite(se[u])) {
      n++;
      sum += theta[u];
    }
  }
  if (n < 2) return Number.NaN;
  const m = sum / n;
  let ss = 0;
  let se2 = 0;
  for (let u = 0; u < theta.length; u++) {
    if (Number.isFinite(theta[u]) && Number.isFinite(se[u])) {
      const e = theta[u] - m;
      ss += e * e;
      se2 += se[u] * se[u];
    }
  }
  const v = ss / (n - 1);
  return v / (v + se2 / n);
}

/** Test information I(theta) = sum_j P_j'^2 / (P_j Q_j) = sum_j (1-c) a^2 s^2 t / (c + (1-c) s). */
export function testInformation(bank: ItemBank, th: number): number {
  let I = 0;
  for (let j = 0; j < bank.a.length; j++) {
    const a = bank.a[j];
    const c = bank.c[j];
    const z = a * th + bank.d[j];
    const s = 1 / (1 + Math.exp(-z));
    const t = 1 / (1 + Math.exp(z));
    I += c === 0 ? a * a * s * t : ((1 - c) * a * a * s * s * t) / (c + (1 - c) * s);
  }
  return I;
}

/**
 * Marginal reliability of the test, the `reliability` mirt 1.47 reports (marginal_rxx):
 *
 *   mirt (default):  rxx = integral I(theta) / (I(theta) + sigma^2) phi(theta; 0, 1) dtheta,
 *
 * with sigma^2 the fitted latent variance and the STANDARD normal density (mirt ignores the
 * latent mean and puts the variance where 1/sigma^2 belongs). For models with sigma^2 = 1
 * (1PL, 2PL, 3PL) this is the textbook value; for the Rasch model (variance estimated) it is
 * not: `convention: 'textbook'` gives
 *
 *   rxx = integral I(theta) / (I(theta) + 1/sigma^2) phi(theta; mu, sigma^2) dtheta
 *
 * (the reliability of EAP-like scores of a N(mu, sigma^2) population). Integrated by Simpson's
 * rule on 4001 points over mean +- 12 sd (error below 1e-10 against R's integrate).
 */
export function marginalRxx(
  bank: ItemBank,
  latent: LatentDistribution,
  convention: 'mirt' | 'textbook' = 'mirt',
): number {
  const mu = convention === 'mirt' ? 0 : latent.mean;
  const sd = convention === 'mirt' ? 1 : Math.sqrt(latent.variance);
  const add = convention === 'mirt' ? latent.variance : 1 / latent.variance;
  const n = 4000; // intervals (even)
  const lo = mu - 12 * sd;
  const h = (24 * sd) / n;
  let acc = 0;
  for (let k = 0; k <= n; k++) {
    const th = lo + k * h;
    const z = (th - mu) / sd;
    const dens = Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
    const I = testInformation(bank, th);
    const f = (I / (I + add)) * dens;
    acc += (k === 0 || k === n ? 1 : k % 2 === 1 ? 4 : 2) * f;
  }
  return (acc * h) / 3;
}
