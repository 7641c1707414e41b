/**
 * Where a model keeps its free parameters in EM's vector x (unconstrained scale: a, d, logit c,
 * logit u, latent mean, log variance), and the bookkeeping on x that EM and the refit need. Only
 * this file knows the layout: everything else reads and writes an item's parameters through
 * readItem / writeItem as the family vector (a, d, g = logit c, h = logit u).
 *
 * Items: the model's `itemParams` per item (2PL [a, d], 3PL [a, d, g], 4PL [a, d, g, h], Rasch and
 * 1PL [d]), then the 1PL's shared slope. Anchored items (fixed parameters, to put a run on an
 * earlier run's scale) keep their place in x but never move; their values come from `anchors`.
 * The latent distribution is N(0, 1) unless the model or the anchors identify it: the Rasch
 * variance is always free, and with anchors the mean and the variance are.
 */

import { sigmoid } from './models/logistic.js';
import {
  FAMILY_PARAMS,
  type ItemLayout,
  type ItemModel,
  LOGIT_PARAMS,
  logit,
  PARAM_BOUNDS,
} from './models/model.js';
import { modelFor } from './models/registry.js';
import type { ItemBank } from './models.js';
import type { ResponseData } from './responses.js';
import type { LatentDistribution, ModelName } from './types.js';

/** Fixed item parameters (slope-intercept form, c and u probabilities), by item index. */
export interface Anchors {
  readonly fixed: Uint8Array;
  readonly bank: ItemBank;
}

export class ParamLayout implements ItemLayout {
  readonly model: ItemModel;
  readonly size: number;
  /** Parameters per item in x. */
  readonly perItem: number;
  /** Family indices (0 a, 1 d, 2 g, 3 h) of the per-item parameters, in their order in x. */
  readonly freeFamilyIndices: readonly number[];
  /** Index of the shared slope in x, or -1. */
  readonly sharedIndex: number;
  /** Index of the latent mean / log variance in x, or -1 where fixed (0 and 1). */
  readonly meanIndex: number;
  readonly varIndex: number;
  /** Position in an item's block of each family parameter, or -1. */
  private readonly slot: Int32Array;

  constructor(
    model: ItemModel | ModelName,
    readonly nItems: number,
    readonly anchors: Anchors | null = null,
  ) {
    this.model = typeof model === 'string' ? modelFor(model) : model;
    const m = this.model;
    this.perItem = m.itemParams.length;
    this.freeFamilyIndices = m.itemParams.map((p) => FAMILY_PARAMS.indexOf(p));
    this.slot = Int32Array.from(FAMILY_PARAMS, (p) => m.itemParams.indexOf(p));
    let next = this.perItem * nItems;
    this.sharedIndex = m.sharedSlope ? next++ : -1;
    const anchored = anchors?.fixed.some((f) => f === 1) ?? false;
    this.varIndex = m.estimatesVariance || anchored ? next++ : -1;
    this.meanIndex = anchored ? next++ : -1;
    this.size = next;
  }

  isFixed(j: number): boolean {
    return this.anchors !== null && this.anchors.fixed[j] === 1;
  }

  /** Index in x of item j's family parameter k (the shared slope for a 1PL's a), or -1. */
  index(j: number, k: number): number {
    if (this.isFixed(j)) return -1;
    const s = this.slot[k];
    if (s >= 0) return this.perItem * j + s;
    return k === 0 ? this.sharedIndex : -1;
  }

  /** Item j's family vector (a, d, g, h) from x, anchors and the model's fixed values. */
  readItem(x: Float64Array, j: number, out: Float64Array): void {
    if (this.isFixed(j)) {
      const f = (this.anchors as Anchors).bank;
      out[0] = f.a[j];
      out[1] = f.d[j];
      out[2] = logit(f.c[j]);
      out[3] = logit(f.u ? f.u[j] : 1);
      return;
    }
    out[0] = this.sharedIndex >= 0 ? x[this.sharedIndex] : this.model.fixedSlope;
    out[2] = Number.NEGATIVE_INFINITY;
    out[3] = Number.POSITIVE_INFINITY;
    for (let s = 0; s < this.perItem; s++) out[this.freeFamilyIndices[s]] = x[this.perItem * j + s];
  }

  /** Writes item j's estimated parameters from the family vector p into x. */
  writeItem(j: number, p: Float64Array, x: Float64Array): void {
    for (let s = 0; s < this.perItem; s++) x[this.perItem * j + s] = p[this.freeFamilyIndices[s]];
  }

  /** Items that are estimated (not anchored). */
  freeItemCount(): number {
    let n = 0;
    for (let j = 0; j < this.nItems; j++) if (!this.isFixed(j)) n++;
    return n;
  }

  /** Free parameters (what AIC and BIC count). */
  freeCount(): number {
    return (
      this.perItem * this.freeItemCount() +
      (this.sharedIndex >= 0 ? 1 : 0) +
      (this.meanIndex >= 0 ? 1 : 0) +
      (this.varIndex >= 0 ? 1 : 0)
    );
  }

  /** x -> bank (anchored items from their fixed values) and the latent distribution. */
  unpack(x: Float64Array, bank: ItemBank): LatentDistribution {
    const p = new Float64Array(4);
    for (let j = 0; j < this.nItems; j++) {
      this.readItem(x, j, p);
      bank.a[j] = p[0];
      bank.d[j] = p[1];
      bank.c[j] = sigmoid(p[2]);
      if (bank.u) bank.u[j] = sigmoid(p[3]);
    }
    return {
      mean: this.meanIndex >= 0 ? x[this.meanIndex] : 0,
      variance: this.varIndex >= 0 ? Math.exp(x[this.varIndex]) : 1,
    };
  }

  /** Largest change between two parameter vectors on the reported scale (asymptotes as probabilities). */
  maxChange(x: Float64Array, y: Float64Array): number {
    let m = 0;
    const J = this.perItem * this.nItems;
    for (let i = 0; i < this.size; i++) {
      let dx: number;
      if (i < J && LOGIT_PARAMS.has(this.model.itemParams[i % this.perItem]))
        dx = sigmoid(x[i]) - sigmoid(y[i]);
      else if (i === this.varIndex) dx = Math.exp(x[i]) - Math.exp(y[i]);
      else dx = x[i] - y[i];
      const ad = Math.abs(dx);
      if (ad > m || Number.isNaN(ad)) m = Number.isNaN(ad) ? Infinity : ad;
    }
    return m;
  }

  /** Free items with a slope of their own that has run past the model's divergedSlope. */
  divergedItems(x: Float64Array): number[] {
    const out: number[] = [];
    const s = this.slot[0];
    const limit = this.model.divergedSlope;
    for (let j = 0; s >= 0 && j < this.nItems; j++) {
      if (!this.isFixed(j) && Math.abs(x[this.perItem * j + s]) >= limit) out.push(j);
    }
    return out;
  }

  /** Keeps an extrapolated point inside the region where the M-step is defined. */
  sanitize(x: Float64Array): boolean {
    const J = this.perItem * this.nItems;
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(x[i])) return false;
      const [lo, hi] = i < J ? PARAM_BOUNDS[this.model.itemParams[i % this.perItem]] : [-100, 100];
      x[i] = Math.min(Math.max(x[i], lo), hi);
    }
    // The variance stays within the quadrature's reach.
    if (this.varIndex >= 0) x[this.varIndex] = Math.min(Math.max(x[this.varIndex], -6), 4);
    return true;
  }
}

/**
 * Start values: the model's from each item's proportion correct; anchored items at their fixed
 * values; the shared slope 1; latent N(0, 1).
 */
export function startValues(layout: ParamLayout, data: ResponseData, startPoint = 0): Float64Array {
  const x = new Float64Array(layout.size);
  const p4 = new Float64Array(4);
  for (let j = 0; j < data.nItems; j++) {
    if (layout.isFixed(j)) {
      // Never read (anchors hold the values), but kept finite for SQUAREM's arithmetic on x.
      layout.readItem(x, j, p4);
      FAMILY_PARAMS.forEach((name, k) => {
        p4[k] = Math.min(Math.max(p4[k], PARAM_BOUNDS[name][0]), PARAM_BOUNDS[name][1]);
      });
    } else {
      // Keep p inside (0, 1): excluded degenerate items cannot reach here, but tiny counts can.
      layout.model.start((data.itemCorrect[j] + 0.5) / (data.itemN[j] + 1), p4, startPoint);
    }
    layout.writeItem(j, p4, x);
  }
  if (layout.sharedIndex >= 0) x[layout.sharedIndex] = 1;
  return x;
}
