/**
 * S-X2 item fit (Orlando & Thissen, 2000), as mirt 1.47's itemfit(fit, 'S_X2') computes it for
 * dichotomous items on complete data.
 *
 * For item i and raw sum score s = 1..J-1 (scores 0 and J carry no information):
 *   O_{s,x} = number of persons with sum score s and answer x on item i,
 *   N_s     = number of persons with sum score s,
 *   E_{s,1} = N_s * sum_q L^{(-i)}_{s-1}(x_q) P_i(x_q) w_q / sum_q L_s(x_q) w_q,
 *   E_{s,0} = N_s * sum_q L^{(-i)}_{s}(x_q)   Q_i(x_q) w_q / sum_q L_s(x_q) w_q,
 * where L_s(x) is the probability of sum score s at theta = x over all J items and L^{(-i)} the
 * same without item i, both from the Lord–Wingersky recursion
 *   L^{(j)}_s(x) = L^{(j-1)}_s(x) Q_j(x) + L^{(j-1)}_{s-1}(x) P_j(x),
 * on `quadPoints` (61) equally spaced nodes x_q on [-6, 6] with weights w_q = N(mean, variance)
 * density normalised on the grid (mirt's EAPsum(S_X2 = TRUE)).
 *
 * Cells are then collapsed as mirt's collapseCells does it for two categories:
 *  1. score rows nobody has are dropped;
 *  2. a row with exactly one person is added to the next row (top to bottom, cascading), and a
 *     last row with one person to the row before;
 *  3. if fewer than 5% of the rows have a positive expected count of correct answers, the
 *     table has one column left and no statistic (mirt: NA);
 *  4. while some cell has 0 < E < mincell (1): take the first such row; the first row merges
 *     into the second, the last into the one before, any other into whichever neighbour has
 *     the smaller observed total (the upper one, i.e. lower score, on a tie); stop when one
 *     row is left (mirt: NA);
 *  5. cells with E = 0 are not counted.
 *   S-X2 = sum over cells (O - E)^2 / E,
 *   df   = cells - rows - free parameters of the item - free parameters of the latent
 *          distribution (mirt subtracts both: sum(pars[[i]]@est) and sum(pars[[J+1]]@est)),
 * clipped at 0; with df = 0 the statistic is NaN (mirt). p = P(chi2_df > S-X2);
 *   RMSEA = sqrt(max(S-X2/df - 1, 0) / (N - 1)), N = number of persons (mirt's rmsea()).
 *
 * Free parameters as mirt counts them (each model's sx2ItemParams): Rasch 1 per item + 1 latent
 * (the variance); 1PL 2 per item (mirt counts the shared slope as estimated in every item) + 0;
 * 2PL 2; 3PL 3; 4PL 4 (with or without priors).
 *
 * Sparse data: S-X2 needs every person to answer every item (mirt refuses too); then every item
 * gets `{ kind: 'unavailable' }` with the reason.
 *
 * Cost: O(J^2 Q) in all (J items, Q nodes): the distribution without item i is taken out of
 * the full one (lord-wingersky.ts) instead of being recomputed.
 */

import { scoreDistributionWithout } from './lord-wingersky.js';
import { fillProbabilities } from './models/logistic.js';
import type { ItemBank } from './models.js';
import { equallySpacedNodes, normalLogWeights } from './quadrature.js';
import type { ResponseData } from './responses.js';
import { chiSquareUpper } from './stats.js';
import { EngineInputError, type ItemFit, type LatentDistribution } from './types.js';

export interface SX2Options {
  /** Quadrature nodes (default 61, mirt's default for one factor). */
  readonly quadPoints?: number;
  /** Nodes span [-quadRange, quadRange] (default 6). */
  readonly quadRange?: number;
  /** Estimated parameters of each item as mirt counts them (see the file comment). */
  readonly freeParamsPerItem: ArrayLike<number>;
  /** Estimated parameters of the latent distribution (Rasch: 1, the variance). Default 0. */
  readonly freeLatentParams?: number;
  /** Minimum expected count of a cell (mirt's mincell, default 1). */
  readonly mincell?: number;
}

export type ItemFitData = Pick<ResponseData, 'nUsers' | 'userPtr' | 'userItem' | 'userResp'>;

/**
 * S-X2 of every item (see the file comment). `probabilities`: P and Q of every item at the same
 * nodes (item-major), when the caller has them already (itemfit-tables.ts's probabilityTables).
 */
export function itemFitSX2(
  data: ItemFitData,
  bank: ItemBank,
  latent: LatentDistribution,
  options: SX2Options,
  probabilities?: { readonly P: Float64Array; readonly Q: Float64Array },
): ItemFit[] {
  const J = bank.a.length;
  const { nUsers, userPtr } = data;
  if (options.freeParamsPerItem.length !== J) {
    throw new EngineInputError(
      `freeParamsPerItem has ${options.freeParamsPerItem.length} entries for ${J} items`,
    );
  }
  let incomplete = 0;
  for (let u = 0; u < nUsers; u++) if (userPtr[u + 1] - userPtr[u] !== J) incomplete++;
  if (incomplete > 0) {
    const reason = `S-X2 needs complete data: ${incomplete} of ${nUsers} users did not answer every item`;
    return Array.from({ length: J }, () => ({ kind: 'unavailable', reason }) as const);
  }
  if (J < 3 || nUsers < 2) {
    const reason = `S-X2 needs at least 3 items and 2 users (got ${J} items, ${nUsers} users)`;
    return Array.from({ length: J }, () => ({ kind: 'unavailable', reason }) as const);
  }
  const nQ = options.quadPoints ?? 61;
  const nodes = equallySpacedNodes(nQ, options.quadRange ?? 6);
  const w = normalLogWeights(nodes, latent.mean, latent.variance);
  for (let q = 0; q < nQ; q++) w[q] = Math.exp(w[q]);
  const mincell = options.mincell ?? 1;
  const latentParams = options.freeLatentParams ?? 0;

  // P_j(x_q) and Q_j(x_q), Q computed without cancellation (or as the caller already has them).
  let P = probabilities?.P;
  let Qt = probabilities?.Q;
  if (!P || !Qt) {
    P = new Float64Array(J * nQ);
    Qt = new Float64Array(J * nQ);
    fillProbabilities(bank, nodes, P, Qt);
  }
  const { Ns, right } = sumScoreCounts(data, J);

  // Denominators sum_q L_s(x_q) w_q over all items.
  const Lfull = new Float64Array((J + 1) * nQ);
  const tmp = new Float64Array((J + 1) * nQ);
  lordWingersky(P, Qt, J, nQ, Lfull, tmp);
  const den = new Float64Array(J + 1);
  for (let s = 0; s <= J; s++) {
    let acc = 0;
    for (let q = 0; q < nQ; q++) acc += Lfull[s * nQ + q] * w[q];
    den[s] = acc;
  }

  const Lrest = new Float64Array((J + 1) * nQ);
  const out: ItemFit[] = [];
  for (let i = 0; i < J; i++) {
    scoreDistributionWithout(Lfull, P, Qt, J, nQ, i, Lrest);
    const t = itemTable(i, J, nQ, Lrest, P, Qt, w, Ns, right, den);
    out.push(
      sx2FromTable(t.O0, t.O1, t.E0, t.E1, mincell, options.freeParamsPerItem[i] + latentParams, nUsers),
    );
  }
  return out;
}

// The passes of itemFitSX2 are functions of their own: run once each on a cold start, each gets
// its own type feedback and a small optimised compile of its loops (one function holding them
// all was compiled on stack replacement at its first loop, then bailed out at the next one for
// want of feedback there, and compiled again, larger, while the rest ran unoptimised).

/** N_s and the right answers to each item per sum score s (item-major, J + 1 scores each). */
function sumScoreCounts(data: ItemFitData, J: number): { Ns: Int32Array; right: Int32Array } {
  const { nUsers, userPtr, userItem, userResp } = data;
  // Counts in integer arrays: a cold loop adding into a Float64Array boxes every sum it stores.
  const Ns = new Int32Array(J + 1);
  const right = new Int32Array(J * (J + 1));
  // One pass per learner, over their answers twice: once for the score, once to count at it.
  for (let u = 0; u < nUsers; u++) {
    const lo = userPtr[u];
    const hi = userPtr[u + 1];
    const s = countRights(userItem, userResp, lo, hi, right, J + 1);
    Ns[s]++;
  }
  return { Ns, right };
}

/**
 * The sum score of answers k in [lo, hi), then each right answer counted at it (right[item *
 * stride + score]). Called once per learner, so that a cold start compiles it whole, not its
 * loops on stack replacement.
 */
function countRights(
  userItem: Int32Array,
  userResp: Uint8Array,
  lo: number,
  hi: number,
  right: Int32Array,
  stride: number,
): number {
  let s = 0;
  for (let k = lo; k < hi; k++) s += userResp[k];
  for (let k = lo; k < hi; k++) right[userItem[k] * stride + s] += userResp[k];
  return s;
}

/** Item i's observed and expected counts over the score rows s = 1..J-1 (see the file comment). */
function itemTable(
  i: number,
  J: number,
  nQ: number,
  Lrest: Float64Array,
  P: Float64Array,
  Qt: Float64Array,
  w: Float64Array,
  Ns: Int32Array,
  right: Int32Array,
  den: Float64Array,
): { O0: number[]; O1: number[]; E0: number[]; E1: number[] } {
  const O0: number[] = [];
  const O1: number[] = [];
  const E0: number[] = [];
  const E1: number[] = [];
  const item = i * nQ;
  for (let s = 1; s < J; s++) {
    const e1 = weightedDot(Lrest, (s - 1) * nQ, P, item, w, nQ);
    const e0 = weightedDot(Lrest, s * nQ, Qt, item, w, nQ);
    const o1 = right[i * (J + 1) + s];
    O1.push(o1);
    O0.push(Ns[s] - o1);
    E1.push((Ns[s] * e1) / den[s]);
    E0.push((Ns[s] * e0) / den[s]);
  }
  return { O0, O1, E0, E1 };
}

/**
 * sum_q x[xo + q] * y[yo + q] * w[q], q = 0..n-1, in that order. Small and called for every
 * cell of every item, it is compiled (and stops boxing every product) within the first items of
 * a cold start.
 */
function weightedDot(x: Float64Array, xo: number, y: Float64Array, yo: number, w: Float64Array, n: number) {
  let acc = 0;
  for (let q = 0; q < n; q++) acc += x[xo + q] * y[yo + q] * w[q];
  return acc;
}

/**
 * Lord–Wingersky recursion over all items: out[s*nQ + q] = probability of sum score s at node q,
 * s = 0..J (each item left out of it: lord-wingersky.ts).
 */
function lordWingersky(
  P: Float64Array,
  Qt: Float64Array,
  J: number,
  nQ: number,
  out: Float64Array,
  tmp: Float64Array,
): void {
  out.fill(0);
  for (let q = 0; q < nQ; q++) out[q] = 1;
  // After item j, scores 0..j + 1 are filled.
  for (let j = 0; j < J; j++) {
    tmp.set(out.subarray(0, (j + 1) * nQ));
    const base = j * nQ;
    scaleRow(out, 0, tmp, 0, Qt, base, nQ); // s = 0
    for (let s = 1; s <= j; s++) mixRow(out, s * nQ, tmp, Qt, P, base, nQ);
    scaleRow(out, (j + 1) * nQ, tmp, j * nQ, P, base, nQ); // s = j + 1
  }
}

// The recursion's rows are functions of their own: small and called for every row, they are
// compiled (and stop boxing every product) within the first items of a cold start.

/** out[r + q] = tmp[from + q] * f[base + q]: the lowest score (f = Q) or the highest (f = P). */
function scaleRow(
  out: Float64Array,
  r: number,
  tmp: Float64Array,
  from: number,
  f: Float64Array,
  base: number,
  nQ: number,
): void {
  for (let q = 0; q < nQ; q++) out[r + q] = tmp[from + q] * f[base + q];
}

/** out[r + q] = tmp[r + q] Q_j(x_q) + tmp[r - nQ + q] P_j(x_q): a score between. */
function mixRow(
  out: Float64Array,
  r: number,
  tmp: Float64Array,
  Qt: Float64Array,
  P: Float64Array,
  base: number,
  nQ: number,
): void {
  const r1 = r - nQ;
  for (let q = 0; q < nQ; q++) out[r + q] = tmp[r + q] * Qt[base + q] + tmp[r1 + q] * P[base + q];
}

/**
 * Collapses one item's table as mirt does (see the file comment) and computes the statistic.
 * The arrays are used as scratch. Linear in the number of rows: steps 1-2 compact in one pass
 * each, and step 4 keeps the rows in a linked list (a merge is O(1), not a splice) and resumes
 * its search for the first bad row at the row just merged into: every row before it is
 * unchanged and was already good, so the search never goes back further, and the additions are
 * the same, in the same order, as merging in the arrays themselves.
 */
export function sx2FromTable(
  O0: number[],
  O1: number[],
  E0: number[],
  E1: number[],
  mincell: number,
  freeParams: number,
  N: number,
): ItemFit {
  const none: ItemFit = {
    kind: 'S-X2',
    statistic: Number.NaN,
    df: Number.NaN,
    p: Number.NaN,
    rmsea: Number.NaN,
  };
  const move = (from: number, to: number) => {
    O0[to] = O0[from];
    O1[to] = O1[from];
    E0[to] = E0[from];
    E1[to] = E1[from];
  };
  const addInto = (from: number, to: number) => {
    O0[to] += O0[from];
    O1[to] += O1[from];
    E0[to] += E0[from];
    E1[to] += E1[from];
  };
  // 1. rows nobody has.
  let n = 0;
  for (let r = 0; r < O0.length; r++) if (O0[r] + O1[r] !== 0) move(r, n++);
  if (n === 0) return none;
  // 2. rows with exactly one person go into the next row (cascading), the last into the previous.
  let m = 0;
  for (let r = 0; r < n - 1; r++) {
    if (O0[r] + O1[r] === 1) addInto(r, r + 1);
    else move(r, m++);
  }
  move(n - 1, m++);
  if (m >= 2 && O0[m - 1] + O1[m - 1] === 1) {
    m--;
    addInto(m, m - 1);
  }
  if (m < 2) return none;
  // 3. a correct-answer column with positive expectations in fewer than 5% of the rows.
  let positive = 0;
  for (let r = 0; r < m; r++) if (E1[r] > 0) positive++;
  if (positive / m < 0.05) return none;
  // 4. merge rows until no cell has 0 < E < mincell; rows r = 0..m-1 linked by prev/next.
  const prev = new Int32Array(m);
  const next = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    prev[r] = r - 1;
    next[r] = r + 1 < m ? r + 1 : -1;
  }
  let head = 0;
  let rows = m;
  const bad = (r: number) => (E0[r] < mincell && E0[r] !== 0) || (E1[r] < mincell && E1[r] !== 0);
  for (let r = head; ; ) {
    while (r !== -1 && !bad(r)) r = next[r];
    if (r === -1) break;
    if (rows < 2) return none;
    const up = prev[r];
    const down = next[r];
    // The first row into the second, the last into the one before, else the smaller neighbour.
    const to = up === -1 ? down : down === -1 ? up : O0[up] + O1[up] <= O0[down] + O1[down] ? up : down;
    addInto(r, to);
    if (up === -1) head = down;
    else next[up] = down;
    if (down !== -1) prev[down] = up;
    rows--;
    r = to;
  }
  if (rows < 2) return none;
  // 5. statistic over cells with E > 0.
  let x2 = 0;
  let cells = 0;
  for (let r = head; r !== -1; r = next[r]) {
    if (E0[r] !== 0) {
      x2 += ((O0[r] - E0[r]) * (O0[r] - E0[r])) / E0[r];
      cells++;
    }
    if (E1[r] !== 0) {
      x2 += ((O1[r] - E1[r]) * (O1[r] - E1[r])) / E1[r];
      cells++;
    }
  }
  let df = cells - rows - freeParams;
  if (df < 0) df = 0;
  if (df === 0) return { kind: 'S-X2', statistic: Number.NaN, df: 0, p: Number.NaN, rmsea: Number.NaN };
  const ratio = x2 / df - 1;
  const rmsea = ratio > 0 ? Math.sqrt(ratio / (N - 1)) : 0;
  return { kind: 'S-X2', statistic: x2, df, p: chiSquareUpper(x2, df), rmsea };
}
