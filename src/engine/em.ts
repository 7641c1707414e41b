/**
 * Bock–Aitkin EM on a fixed quadrature: the EM map and its bookkeeping (EmMap), and where E-steps
 * run (EStepExecutor). The driver that iterates the map with SQUAREM is squarem.ts.
 *
 * One EM map F(x) = E-step at x, then the exact M-step (models/). All free parameters live in
 * one vector x on an unconstrained scale (a, d, logit c, logit u, latent mean, log variance).
 */

import {
  clearAccumulators,
  type EStepAccumulators,
  type EStepInput,
  eStepRange,
  makeAccumulators,
} from './estep.js';
import type { ItemFitPassInput, ItemFitPassOutput } from './itemfit-passes.js';
import { mStepLatent } from './latent-mstep.js';
import type { ItemCounts } from './models/logistic.js';
import { DERIV_SIZE } from './models/logistic-counts.js';
import type { ItemModel, ModelPriors } from './models/model.js';
import { ItemPriorTerms } from './models/priors.js';
import { type ItemBank, makeItemBank } from './models.js';
import { NewtonWorkspace } from './newton.js';
import { ParamLayout } from './params.js';
import { scoreOuterProductsJs } from './posterior-scores.js';
import { equallySpacedNodes, normalLogWeights } from './quadrature.js';
import type { ResponseData } from './responses.js';
import { type CalibrationSettings, type LatentDistribution, NO_PRIOR, type SlopePrior } from './types.js';

/** Runs E-steps; the inline one is below, the worker-thread one lives outside the engine. */
export interface EStepExecutor {
  /** Fills `acc` (cleared first) for all users and returns the total marginal log-likelihood. */
  run(input: EStepInput, acc: EStepAccumulators): Promise<number>;
  /**
   * Optional fast path of information.ts's users pass for up to 3 parameters per item (same
   * contract as scoreOuterProductsJs): per item, sum over answers of m m' with m the posterior
   * mean of the answer's score.
   */
  scoreOuterProducts?(
    input: EStepInput,
    s1: Float64Array,
    s0: Float64Array,
    p: number,
    nItems: number,
  ): Promise<Float64Array>;
  /** Optional fast path of EAP scoring: posterior mean and SD of every user on `nodes`. */
  posteriorMoments?(
    input: EStepInput,
    nodes: Float64Array,
  ): Promise<{ mean: Float64Array; sd: Float64Array }>;
  /**
   * Optional fast path of item fit's per-learner passes (same contract as itemfit-passes.ts's
   * learnerPassesJs); null when it cannot run them (then they run on this thread).
   */
  itemFitPasses?(input: ItemFitPassInput): Promise<ItemFitPassOutput | null>;
  close(): Promise<void>;
}

export function inlineExecutor(): EStepExecutor {
  let work = new Float64Array(0);
  return {
    async run(input, acc) {
      if (work.length < input.nQ) work = new Float64Array(input.nQ);
      clearAccumulators(acc);
      return eStepRange(input, 0, input.userPtr.length - 1, acc, work);
    },
    async close() {},
  };
}

export type EmOptions = Pick<
  CalibrationSettings,
  'model' | 'quadPoints' | 'quadRange' | 'maxCycles' | 'tol' | 'cPrior' | 'acceleration'
> &
  Partial<Pick<CalibrationSettings, 'uPrior' | 'aPrior' | 'bPrior'>> & {
    /** Items held by `fallbackA` after their slope ran off (calibrate.ts); null: none. */
    readonly heldSlopes?: Uint8Array | null;
    readonly fallbackA?: SlopePrior;
    /** The 3PL M-step's multimodality restarts (models/item-mstep.ts); off only to measure their cost. */
    readonly multimodalRestarts?: boolean;
  };

export interface EmResult {
  readonly bank: ItemBank;
  readonly latent: LatentDistribution;
  readonly logLik: number;
  readonly logPrior: number;
  readonly converged: boolean;
  /** EM maps evaluated (each one E-step and one M-step). */
  readonly cycles: number;
  /** E-steps run, the final one at the estimate included. */
  readonly eSteps: number;
  /** Items whose slope ran off (EM stopped early so the caller can hold them); empty otherwise. */
  readonly diverged: readonly number[];
  /**
   * Per item, the score test of a = 0 against a < 0 from the expected counts of the final
   * E-step: the log-likelihood's score in a at a = 0 (d at its best there),
   * U = sum_q (r1_q - pbar n_q) x_q with pbar the item's proportion correct, over its complete-data
   * SD at a = 0 with d profiled out, sqrt(pbar (1 - pbar) (sum_q n_q x_q^2 - (sum_q n_q x_q)^2 / n))
   * (conservative: the complete-data information is the larger). Strongly negative when the data
   * alone give the item a negative slope: the miskey signal that survives a slope prior keeping a > 0.
   */
  readonly slopeZAtZero: Float64Array;
  /** The priors EM maximised under (with the slopes held by the fallback, if any). */
  readonly priors: ModelPriors;
  readonly x: Float64Array;
  readonly layout: ParamLayout;
}

/**
 * The EM map and its bookkeeping: evaluates F(x) and the objective at x. It owns every scratch
 * buffer of a calibration (tables, counts, the Newton workspace), so two calibrations in one
 * process share nothing.
 */
export class EmMap {
  readonly nodes: Float64Array;
  readonly layout: ParamLayout;
  readonly model: ItemModel;
  readonly priors: ModelPriors;
  readonly bank: ItemBank;
  readonly acc: EStepAccumulators;
  readonly counts: readonly ItemCounts[];
  private readonly input: EStepInput & { logW: Float64Array };
  private readonly newton = new NewtonWorkspace();
  private readonly derivs = new Float64Array(DERIV_SIZE);
  private readonly item = new Float64Array(4);
  private readonly terms = new ItemPriorTerms();
  evaluations = 0;

  constructor(
    readonly data: ResponseData,
    readonly options: EmOptions,
    private readonly executor: EStepExecutor,
    layout?: ParamLayout,
  ) {
    const nQ = options.quadPoints;
    this.nodes = equallySpacedNodes(nQ, options.quadRange);
    this.layout = layout ?? new ParamLayout(options.model, data.nItems);
    this.model = this.layout.model;
    this.priors = {
      ...this.model.priors({
        cPrior: options.cPrior,
        uPrior: options.uPrior ?? NO_PRIOR,
        aPrior: options.aPrior ?? NO_PRIOR,
        bPrior: options.bPrior ?? NO_PRIOR,
      }),
      heldSlopes: options.heldSlopes ?? null,
      fallbackA: options.fallbackA,
    };
    this.bank = makeItemBank(data.nItems);
    this.acc = makeAccumulators(data.nItems, nQ);
    this.input = {
      nQ,
      userPtr: data.userPtr,
      userItem: data.userItem,
      userResp: data.userResp,
      logP: new Float64Array(data.nItems * nQ),
      logQ: new Float64Array(data.nItems * nQ),
      logW: new Float64Array(nQ),
    };
    const counts: ItemCounts[] = [];
    for (let j = 0; j < data.nItems; j++) {
      counts.push({ nodes: this.nodes, r0: this.acc.r0, r1: this.acc.r1, offset: j * nQ });
    }
    this.counts = counts;
  }

  /** Tables and weights of the last E-step (for passes that need the posteriors again). */
  lastInput(): EStepInput {
    return this.input;
  }

  /** information.ts's users pass at the tables of the last E-step, on the executor if it can. */
  async scoreOuterProducts(s1: Float64Array, s0: Float64Array, p: number): Promise<Float64Array> {
    if (this.executor.scoreOuterProducts && p <= 3)
      return this.executor.scoreOuterProducts(this.input, s1, s0, p, this.data.nItems);
    return scoreOuterProductsJs(this.input, s1, s0, p, this.data.nItems);
  }

  /** Log prior of x: the sum over the estimated items of their log priors (priors.ts). */
  logPrior(x: Float64Array): number {
    let s = 0;
    for (let j = 0; j < this.data.nItems; j++) {
      if (this.layout.isFixed(j)) continue;
      this.layout.readItem(x, j, this.item);
      s += this.terms.compute(this.priors, j, this.item).f;
    }
    return s;
  }

  /** Item j's prior terms at its family vector p (a, d, g, h); valid until the next call. */
  itemPrior(j: number, p: Float64Array): ItemPriorTerms {
    return this.terms.compute(this.priors, j, p);
  }

  /** E-step at x: fills the accumulators, returns logLik(x). */
  async eStep(x: Float64Array): Promise<number> {
    const latent = this.layout.unpack(x, this.bank);
    normalLogWeights(this.nodes, latent.mean, latent.variance, this.input.logW);
    this.model.response.fillLogTables(this.bank, this.nodes, this.input.logP, this.input.logQ);
    this.evaluations++;
    return this.executor.run(this.input, this.acc);
  }

  /** M-step from the current accumulators, starting at x; writes F(x) into out. */
  mStep(x: Float64Array, out: Float64Array): void {
    const layout = this.layout;
    // Anchored items and anything not estimated keep their values.
    out.set(x);
    this.model.mStep(
      {
        layout,
        counts: this.counts,
        priors: this.priors,
        newton: this.newton,
        derivs: this.derivs,
        multimodalRestarts: this.options.multimodalRestarts,
      },
      x,
      out,
    );
    if (layout.varIndex < 0) return;
    const withMean = layout.meanIndex >= 0;
    const current = {
      mean: withMean ? x[layout.meanIndex] : 0,
      variance: Math.exp(x[layout.varIndex]),
    };
    const l = mStepLatent(this.nodes, this.acc.nodeN, current, withMean, this.newton);
    if (withMean) out[layout.meanIndex] = l.mean;
    out[layout.varIndex] = Math.log(l.variance);
  }

  /** The result at x, with the objective from one more E-step (keeps logLik and x consistent). */
  async result(x: Float64Array, converged: boolean, diverged: readonly number[]): Promise<EmResult> {
    const logLik = await this.eStep(x);
    return {
      slopeZAtZero: this.slopeZAtZero(),
      priors: this.priors,
      bank: this.bank,
      latent: this.layout.unpack(x, this.bank),
      logLik,
      logPrior: this.logPrior(x),
      converged,
      cycles: this.evaluations - 1,
      eSteps: this.evaluations,
      x,
      diverged,
      layout: this.layout,
    };
  }

  /** EmResult.slopeZAtZero from the accumulators of the last E-step. */
  private slopeZAtZero(): Float64Array {
    const nQ = this.nodes.length;
    const { r0, r1 } = this.acc;
    const out = new Float64Array(this.data.nItems);
    for (let j = 0; j < out.length; j++) {
      let n = 0;
      let n1 = 0;
      let nx = 0;
      let nxx = 0;
      let n1x = 0;
      for (let q = 0; q < nQ; q++) {
        const x = this.nodes[q];
        const w1 = r1[j * nQ + q];
        const w = w1 + r0[j * nQ + q];
        n += w;
        n1 += w1;
        nx += w * x;
        nxx += w * x * x;
        n1x += w1 * x;
      }
      const p = n > 0 ? n1 / n : 0;
      const v = p * (1 - p) * (nxx - (n > 0 ? (nx * nx) / n : 0));
      out[j] = v > 0 ? (n1x - p * nx) / Math.sqrt(v) : 0;
    }
    return out;
  }

  /** out = F(x); returns the objective pieces at x. */
  async apply(x: Float64Array, out: Float64Array): Promise<{ logLik: number; logPrior: number }> {
    const logLik = await this.eStep(x);
    this.mStep(x, out);
    return { logLik, logPrior: this.logPrior(x) };
  }
}
