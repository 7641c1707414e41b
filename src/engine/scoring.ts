/**
 * Ability scoring: EAP, MAP, ML and WLE with standard errors, as mirt's `fscores` computes
 * them, for the dichotomous models
 *
 *   P_j(theta) = c_j + (u_j - c_j) s(z),  s(z) = 1 / (1 + exp(-z)),  z = a_j theta + d_j
 *
 * (their derivatives in theta are the item model's: models/logistic-theta.ts addThetaTerms).
 *
 * Methods (mirt 1.47 conventions; see scoring.test.ts for the measured agreement):
 * - EAP: posterior mean and SD on `quadPoints` (121) equally spaced nodes on [-quadRange,
 *   quadRange] ([-6, 6]) with the normal prior N(latent.mean, latent.variance) normalised on
 *   the grid. Computed in log space (per-item per-node log tables), so that a learner with
 *   thousands of answers does not underflow (mirt returns NaN there). Where the posterior SD
 *   falls below the node spacing (0.1; hundreds of informative answers) the 121-node sums no
 *   longer resolve the posterior (a 3,000-answer learner got SD 0.015 against the true 0.033),
 *   so that learner is re-integrated on a local fine grid (see Refinement); below that size
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
 * several local maxima (any item with an asymptote answered, or WLE), then a safeguarded Newton step
 * (Newton on the score function inside a bracket that always contains the root, bisection when
 * Newton leaves it). mirt's nlm starts from the EAP instead and may stop at a local maximum.
 */

import { fillLogTables } from './models/logistic.js';
import type { ItemBank } from './models.js';
import { equallySpacedNodes, normalLogWeights } from './quadrature.js';
import { type ScoringData, scoreModal, UserObjective } from './scoring-modal.js';
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

export type { ScoringData };

export function scoreAbilities(data: ScoringData, bank: ItemBank, options: ScoreOptions): Abilities {
  const { method, latent } = options;
  if (!(latent.variance > 0) || !Number.isFinite(latent.mean)) {
    throw new EngineInputError(`latent distribution needs a finite mean and a positive variance`);
  }
  const nUsers = data.nUsers;
  const theta = new Float64Array(nUsers);
  const se = new Float64Array(nUsers);
  const pattern = answerPatterns(data);
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
      throw new EngineInputError(`unknown scoring method "${String(method)}"`, 'scoreMethod');
  }
  return { method, theta, se, pattern };
}

/**
 * 0 = mixed answers (or none), 1 = all right, 2 = all wrong. Each learner's answers are read up
 * to the first that differs from their first: a mixed pattern is known there (on a dense bank,
 * after two or three answers), and only the all-right and all-wrong ones are read to the end.
 */
function answerPatterns(data: ScoringData): Uint8Array {
  const { nUsers, userPtr, userResp } = data;
  const pattern = new Uint8Array(nUsers);
  for (let u = 0; u < nUsers; u++) {
    const k0 = userPtr[u];
    const k1 = userPtr[u + 1];
    if (k1 === k0) continue;
    const first = userResp[k0];
    let k = k0 + 1;
    while (k < k1 && userResp[k] === first) k++;
    if (k === k1) pattern[u] = first === 1 ? 1 : 2;
  }
  return pattern;
}

/** The EAP grid and tables as scoreEAP builds them (for a kernel elsewhere to use). */
export function eapTables(bank: ItemBank, latent: LatentDistribution, quadPoints = 121, quadRange = 6) {
  const nodes = equallySpacedNodes(quadPoints, quadRange);
  const nItems = bank.a.length;
  const logP = new Float64Array(nItems * quadPoints);
  const logQ = new Float64Array(nItems * quadPoints);
  fillLogTables(bank, nodes, logP, logQ);
  return { nodes, logW: normalLogWeights(nodes, latent.mean, latent.variance), logP, logQ };
}

/**
 * EAP from posterior means and SDs computed on eapTables() elsewhere (the WebAssembly kernel),
 * finished as scoreEAP finishes its own: posteriors narrower than the grid are refined.
 */
export function eapFromMoments(
  data: ScoringData,
  bank: ItemBank,
  latent: LatentDistribution,
  moments: { mean: Float64Array; sd: Float64Array },
  quadPoints = 121,
  quadRange = 6,
): Abilities {
  const theta = moments.mean.slice();
  const se = moments.sd.slice();
  const step = (2 * quadRange) / (quadPoints - 1);
  const refine = new Refinement(data, bank, latent, quadRange, step);
  for (let u = 0; u < data.nUsers; u++) {
    if (se[u] < step) refine.run(u, theta, se);
  }
  return { method: 'EAP', theta, se, pattern: answerPatterns(data) };
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
  const refine = new Refinement(data, bank, latent, quadRange, step);
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
      refine.run(u, theta, se);
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
 * Holds its own scratch (one per scoring run).
 */
class Refinement {
  private readonly buf = new Float64Array(FINE);
  private readonly obj: UserObjective;

  constructor(
    data: ScoringData,
    bank: ItemBank,
    private readonly latent: LatentDistribution,
    private readonly range: number,
    private readonly h: number,
  ) {
    this.obj = new UserObjective(data, bank, 'ML', latent.mean, latent.variance);
  }

  run(u: number, theta: Float64Array, se: Float64Array): void {
    const { buf, obj, latent } = this;
    obj.forUser(u);
    let halfWidth = 6 * this.h;
    for (let pass = 0; pass < 2; pass++) {
      const m = theta[u];
      const lo = Math.max(-this.range, m - halfWidth);
      const hi = Math.min(this.range, m + halfWidth);
      const dx = (hi - lo) / (FINE - 1);
      let max = -Infinity;
      for (let q = 0; q < FINE; q++) {
        const x = lo + q * dx;
        const e = x - latent.mean;
        const lp = obj.evaluate(x).l - (e * e) / (2 * latent.variance);
        buf[q] = lp;
        if (lp > max) max = lp;
      }
      let s0 = 0;
      let s1 = 0;
      for (let q = 0; q < FINE; q++) {
        const p = Math.exp(buf[q] - max);
        buf[q] = p;
        s0 += p;
        s1 += p * (lo + q * dx);
      }
      const mean = s1 / s0;
      let s2 = 0;
      for (let q = 0; q < FINE; q++) {
        const e = lo + q * dx - mean;
        s2 += buf[q] * e * e;
      }
      theta[u] = mean;
      se[u] = Math.sqrt(s2 / s0);
      halfWidth = 10 * se[u];
      if (!(halfWidth > 0)) break;
    }
  }
}
