/**
 * ML, MAP and WLE scoring (see scoring.ts for the conventions and the notation): per-user
 * evaluation of the log-likelihood and test information with derivatives in theta (the item
 * model's, models/logistic-theta.ts), a grid search, and a safeguarded Newton solve.
 */

import { fillLogTables, upperOf } from './models/logistic.js';
import { addThetaTerms, clearThetaTerms, itemInformation, type ThetaTerms } from './models/logistic-theta.js';
import type { ItemBank } from './models.js';
import { equallySpacedNodes } from './quadrature.js';
import type { ResponseData } from './responses.js';
import type { LatentDistribution, ScoreMethod } from './types.js';

/** The answers scoring reads (the compact response data, users' rows). */
export type ScoringData = Pick<ResponseData, 'nUsers' | 'userPtr' | 'userItem' | 'userResp'>;

/** Optimisation range for ML/MAP/WLE (mirt's default max_theta). */
const SEARCH = 20;
/**
 * Grid step of the initial search: 0.25, refined (by a whole divisor, so the coarse nodes stay)
 * where the bank has steep slopes, whose likelihood peaks are ~1/a wide and would fall between
 * the nodes (4PL items with a near 8: a peak 0.1 wide 0.23 above the best coarse node).
 */
const GRID_STEP = 0.25;
const MAX_GRID_REFINE = 25;

function gridStep(bank: ItemBank): number {
  let maxA = 0;
  for (let j = 0; j < bank.a.length; j++) maxA = Math.max(maxA, Math.abs(bank.a[j]));
  return GRID_STEP / Math.min(MAX_GRID_REFINE, Math.max(1, Math.ceil(2 * GRID_STEP * maxA)));
}
/** mirt turns an ML estimate with an SE above 30 into +-Inf. */
const ML_MAX_SE = 30;

/**
 * One user's objective under one method, and its scratch (a workspace per scoring run: nothing
 * is shared between runs). at(theta) sets value, slope and curvature:
 *   ML:  g = l;   MAP: g = l - (theta - mu)^2 / (2 v);
 *   WLE (mirt): g = l + 0.5 log I, g' = l' + I'/(2I), g'' = l'' + I''/(2I) - I'^2/(2I^2).
 */
export class UserObjective {
  readonly terms: ThetaTerms = { l: 0, l1: 0, l2: 0, I: 0, I1: 0, I2: 0 };
  readonly withInfo: boolean;
  /** Search-grid step and size for this bank. */
  readonly step: number;
  readonly gridSize: number;
  value = 0;
  slope = 0;
  curvature = 0;
  private k0 = 0;
  private k1 = 0;

  constructor(
    private readonly data: ScoringData,
    private readonly bank: ItemBank,
    readonly method: ScoreMethod,
    readonly mean: number,
    readonly variance: number,
  ) {
    this.withInfo = method === 'WLE';
    this.step = gridStep(bank);
    this.gridSize = Math.round((2 * SEARCH) / this.step) + 1;
  }

  private grid = new Float64Array(0);

  /** Scratch for the objective on the search grid. */
  gridScratch(n: number): Float64Array {
    if (this.grid.length !== n) this.grid = new Float64Array(n);
    return this.grid;
  }

  forUser(u: number): void {
    this.k0 = this.data.userPtr[u];
    this.k1 = this.data.userPtr[u + 1];
  }

  /** Sums the answers' terms at theta (log-likelihood, and the information for WLE). */
  evaluate(th: number): ThetaTerms {
    const { bank, terms } = this;
    const { userItem, userResp } = this.data;
    clearThetaTerms(terms);
    for (let k = this.k0; k < this.k1; k++) {
      const j = userItem[k];
      addThetaTerms(bank.a[j], bank.d[j], bank.c[j], upperOf(bank, j), th, userResp[k], this.withInfo, terms);
    }
    return terms;
  }

  at(th: number): void {
    const t = this.evaluate(th);
    if (this.method === 'ML') {
      this.value = t.l;
      this.slope = t.l1;
      this.curvature = t.l2;
    } else if (this.method === 'MAP') {
      const e = th - this.mean;
      this.value = t.l - (e * e) / (2 * this.variance);
      this.slope = t.l1 - e / this.variance;
      this.curvature = t.l2 - 1 / this.variance;
    } else if (!(t.I > 0)) {
      this.value = -Infinity;
      this.slope = Number.NaN;
      this.curvature = Number.NaN;
    } else {
      this.value = t.l + 0.5 * Math.log(t.I);
      this.slope = t.l1 + t.I1 / (2 * t.I);
      this.curvature = t.l2 + t.I2 / (2 * t.I) - (t.I1 * t.I1) / (2 * t.I * t.I);
    }
  }

  /** Some answered item has an asymptote (c > 0 or u < 1): the likelihood may be multimodal. */
  hasAsymptotes(): boolean {
    const { bank } = this;
    for (let k = this.k0; k < this.k1; k++) {
      const j = this.data.userItem[k];
      if (bank.c[j] !== 0 || upperOf(bank, j) !== 1) return true;
    }
    return false;
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
  const obj = new UserObjective(data, bank, method, latent.mean, latent.variance);
  const grid = gridTables(bank, obj.gridSize, obj.withInfo);
  for (let u = 0; u < data.nUsers; u++) {
    if (data.userPtr[u + 1] === data.userPtr[u]) {
      // No answers: MAP is the prior mode; ML/WLE have nothing to estimate from.
      theta[u] = latent.mean;
      se[u] = method === 'MAP' ? Math.sqrt(latent.variance) : Number.NaN;
      continue;
    }
    if (method === 'ML' && pattern[u] !== 0) {
      theta[u] = pattern[u] === 1 ? bound : -bound;
      se[u] = Number.NaN;
      continue;
    }
    obj.forUser(u);
    const r = scoreUser(obj, data, u, grid);
    theta[u] = r.theta;
    se[u] = r.se;
    if (method === 'ML') {
      if (r.edge !== 0 || !(r.se <= ML_MAX_SE)) {
        // No finite maximum (mirt: +-Inf).
        theta[u] = (r.edge !== 0 ? r.edge : Math.sign(r.theta) || 1) * bound;
        se[u] = Number.NaN;
      } else if (Math.abs(r.theta) > bound) {
        theta[u] = Math.sign(r.theta) * bound;
        se[u] = Number.NaN;
      }
    }
  }
}

/**
 * One user. Where the objective is concave (1PL/2PL ML and MAP) Newton runs on the whole range.
 * Otherwise a grid search: every local maximum of the grid is refined by Newton inside the
 * bracket of its two neighbours (g'(lo) >= 0 >= g'(hi)) and the highest kept, since with steep
 * 4PL items a narrow peak between two grid points can beat the best grid point.
 * edge = -1 / +1 when the maximum sits at an end of the search range.
 */
function scoreUser(
  obj: UserObjective,
  data: ScoringData,
  u: number,
  grid: GridTables | null,
): { theta: number; se: number; edge: number } {
  let th = obj.method === 'MAP' ? obj.mean : 0;
  let edge = 0;
  if (obj.hasAsymptotes() || obj.withInfo) {
    const values = grid ? gridValuesFromTables(obj, data, u, grid) : gridValuesDirect(obj);
    const nGrid = values.length;
    let bi = 0;
    for (let g = 1; g < nGrid; g++) if (values[g] > values[bi]) bi = g;
    th = -SEARCH + bi * obj.step;
    if (bi === 0) edge = -1;
    else if (bi === nGrid - 1) edge = 1;
    else {
      let best = Number.NEGATIVE_INFINITY;
      for (let g = 1; g < nGrid - 1; g++) {
        if (!(values[g] >= values[g - 1] && values[g] >= values[g + 1])) continue;
        const at = -SEARCH + g * obj.step;
        const cand = maximise(obj, at, at - obj.step, at + obj.step);
        obj.at(cand);
        if (obj.value > best) {
          best = obj.value;
          th = cand;
        }
      }
    }
  } else {
    th = maximise(obj, th, -SEARCH, SEARCH);
  }
  obj.at(th);
  if (obj.slope > 0 && th >= SEARCH - 1e-9) edge = 1;
  if (obj.slope < 0 && th <= -SEARCH + 1e-9) edge = -1;
  const curv = -obj.curvature;
  return { theta: th, se: curv > 0 ? 1 / Math.sqrt(curv) : Number.NaN, edge };
}

/** The objective on the search grid by table lookup: sums of log P / log Q (+ information for WLE). */
function gridValuesFromTables(
  obj: UserObjective,
  data: ScoringData,
  u: number,
  grid: GridTables,
): Float64Array {
  const nGrid = obj.gridSize;
  const { logP, logQ, info, acc, accInfo } = grid;
  acc.fill(0);
  if (info && accInfo) accInfo.fill(0);
  for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
    const base = data.userItem[k] * nGrid;
    const tab = data.userResp[k] === 1 ? logP : logQ;
    for (let g = 0; g < nGrid; g++) acc[g] += tab[base + g];
    if (info && accInfo) for (let g = 0; g < nGrid; g++) accInfo[g] += info[base + g];
  }
  for (let g = 0; g < nGrid; g++) {
    const th = -SEARCH + g * obj.step;
    if (obj.method === 'MAP') acc[g] -= ((th - obj.mean) * (th - obj.mean)) / (2 * obj.variance);
    else if (obj.method === 'WLE' && accInfo)
      acc[g] = accInfo[g] > 0 ? acc[g] + 0.5 * Math.log(accInfo[g]) : -Infinity;
  }
  return acc;
}

/** The objective on the search grid by direct evaluation (banks too large for tables). */
function gridValuesDirect(obj: UserObjective): Float64Array {
  const values = obj.gridScratch(obj.gridSize);
  for (let g = 0; g < values.length; g++) {
    obj.at(-SEARCH + g * obj.step);
    values[g] = obj.value;
  }
  return values;
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
 * only (as the EAP): log P, log Q and, for WLE, the item information.
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
      for (let g = 0; g < nGrid; g++)
        info[j * nGrid + g] = itemInformation(bank.a[j], bank.d[j], bank.c[j], upperOf(bank, j), nodes[g]);
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
 * bracket, else bisect; shrink the bracket with the sign of g' at every step. A 1-D root
 * bracket, not an M-step: it does not use newton.ts.
 */
function maximise(obj: UserObjective, start: number, lo: number, hi: number): number {
  if (hi <= lo) return lo;
  // Make sure the bracket holds a sign change of g' (it does unless the grid maximum is flat).
  obj.at(lo);
  const gLo = obj.slope;
  obj.at(hi);
  const gHi = obj.slope;
  if (!(gLo > 0 && gHi < 0)) return goldenSection(obj, lo, hi);
  let th = Math.min(Math.max(start, lo), hi);
  for (let it = 0; it < 200; it++) {
    obj.at(th);
    const g1 = obj.slope;
    const g2 = obj.curvature;
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
function goldenSection(obj: UserObjective, lo: number, hi: number): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - r * (hi - lo);
  let x2 = lo + r * (hi - lo);
  obj.at(x1);
  let f1 = obj.value;
  obj.at(x2);
  let f2 = obj.value;
  for (let it = 0; it < 200 && hi - lo > 1e-12; it++) {
    if (f1 >= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - r * (hi - lo);
      obj.at(x1);
      f1 = obj.value;
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + r * (hi - lo);
      obj.at(x2);
      f2 = obj.value;
    }
  }
  return 0.5 * (lo + hi);
}
