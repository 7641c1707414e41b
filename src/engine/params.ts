/**
 * Where each model keeps its free parameters in EM's vector x (unconstrained scale: a, d,
 * logit c, latent mean, log variance), start values, and the bookkeeping on x that EM and the
 * refit need.
 *
 * Items: 2PL [a, d] and 3PL [a, d, logit c] per item; Rasch and 1PL [d] per item, then the 1PL's
 * shared slope. Anchored items (fixed parameters, to put a run on an earlier run's scale) keep
 * their place in x but never move; their values come from `anchors`. The latent distribution is
 * N(0, 1) unless the model or the anchors identify it: the Rasch variance is always free, and
 * with anchors the mean and the variance are (the anchors fix the scale instead).
 */

import type { ItemBank } from './models.js';
import { MIN_LOGIT_C } from './mstep.js';
import type { ResponseData } from './responses.js';
import type { LatentDistribution, ModelName } from './types.js';

/**
 * A slope this steep is a step function: no item on a real test has one. It is what an item
 * whose likelihood keeps rising with its slope (perfect separation among a handful of answers)
 * runs to; such an item has no finite estimate and is refitted out (calibrate.ts).
 */
export const DIVERGED_SLOPE = 50;

/** Fixed item parameters (slope-intercept form, c a probability), by item index. */
export interface Anchors {
  readonly fixed: Uint8Array;
  readonly bank: ItemBank;
}

/** Where each model keeps its free parameters in x. */
export class ParamLayout {
  readonly size: number;
  /** Parameters per item in x (1 for Rasch/1PL). */
  readonly perItem: number;
  /** Index of the latent mean / log variance in x, or -1 where fixed (0 and 1). */
  readonly meanIndex: number;
  readonly varIndex: number;

  constructor(
    readonly model: ModelName,
    readonly nItems: number,
    readonly anchors: Anchors | null = null,
  ) {
    this.perItem = model === '2PL' ? 2 : model === '3PL' ? 3 : 1;
    let next = this.perItem * nItems + (model === '1PL' ? 1 : 0);
    const anchored = anchors?.fixed.some((f) => f === 1) ?? false;
    this.varIndex = model === 'Rasch' || anchored ? next++ : -1;
    this.meanIndex = anchored ? next++ : -1;
    this.size = next;
  }

  isFixed(j: number): boolean {
    return this.anchors !== null && this.anchors.fixed[j] === 1;
  }

  /** Items that are estimated (not anchored). */
  freeItemCount(): number {
    let n = 0;
    for (let j = 0; j < this.nItems; j++) if (!this.isFixed(j)) n++;
    return n;
  }

  /** Free parameters (what AIC and BIC count). */
  freeCount(): number {
    let free = 0;
    for (let j = 0; j < this.nItems; j++) if (!this.isFixed(j)) free += this.perItem;
    if (this.model === '1PL') free++;
    return free + (this.meanIndex >= 0 ? 1 : 0) + (this.varIndex >= 0 ? 1 : 0);
  }

  /** x -> bank (anchored items from their fixed values) and the latent distribution. */
  unpack(x: Float64Array, bank: ItemBank): LatentDistribution {
    const J = this.nItems;
    for (let j = 0; j < J; j++) {
      if (this.isFixed(j)) {
        const f = (this.anchors as Anchors).bank;
        bank.a[j] = f.a[j];
        bank.d[j] = f.d[j];
        bank.c[j] = f.c[j];
        continue;
      }
      switch (this.model) {
        case '2PL':
          bank.a[j] = x[2 * j];
          bank.d[j] = x[2 * j + 1];
          bank.c[j] = 0;
          break;
        case '3PL':
          bank.a[j] = x[3 * j];
          bank.d[j] = x[3 * j + 1];
          bank.c[j] = 1 / (1 + Math.exp(-x[3 * j + 2]));
          break;
        case '1PL':
          bank.a[j] = x[J];
          bank.d[j] = x[j];
          bank.c[j] = 0;
          break;
        case 'Rasch':
          bank.a[j] = 1;
          bank.d[j] = x[j];
          bank.c[j] = 0;
          break;
      }
    }
    return {
      mean: this.meanIndex >= 0 ? x[this.meanIndex] : 0,
      variance: this.varIndex >= 0 ? Math.exp(x[this.varIndex]) : 1,
    };
  }

  /** Largest change between two parameter vectors on the reported scale. */
  maxChange(x: Float64Array, y: Float64Array): number {
    let m = 0;
    for (let i = 0; i < this.size; i++) {
      let dx: number;
      if (this.model === '3PL' && i < 3 * this.nItems && i % 3 === 2) dx = sigmoid(x[i]) - sigmoid(y[i]);
      else if (i === this.varIndex) dx = Math.exp(x[i]) - Math.exp(y[i]);
      else dx = x[i] - y[i];
      const ad = Math.abs(dx);
      if (ad > m || Number.isNaN(ad)) m = Number.isNaN(ad) ? Infinity : ad;
    }
    return m;
  }

  /** Free items (2PL/3PL) whose slope has run past DIVERGED_SLOPE. */
  divergedItems(x: Float64Array): number[] {
    const out: number[] = [];
    const p = this.model === '2PL' || this.model === '3PL' ? this.perItem : 0;
    for (let j = 0; p > 0 && j < this.nItems; j++) {
      if (!this.isFixed(j) && Math.abs(x[p * j]) >= DIVERGED_SLOPE) out.push(j);
    }
    return out;
  }

  /** The same layout, start vector and anchors on a subset of the items (a refit without some). */
  subset(x: Float64Array, keptItems: Int32Array): { layout: ParamLayout; x: Float64Array } {
    const p = this.perItem;
    let anchors: Anchors | null = null;
    if (this.anchors) {
      const src = this.anchors;
      const pick = (v: Float64Array) => Float64Array.from(keptItems, (j) => v[j]);
      anchors = {
        fixed: Uint8Array.from(keptItems, (j) => src.fixed[j]),
        bank: { a: pick(src.bank.a), d: pick(src.bank.d), c: pick(src.bank.c) },
      };
    }
    const layout = new ParamLayout(this.model, keptItems.length, anchors);
    const out = new Float64Array(layout.size);
    keptItems.forEach((j, k) => {
      for (let i = 0; i < p; i++) out[p * k + i] = x[p * j + i];
    });
    if (this.model === '1PL') out[keptItems.length] = x[this.nItems];
    if (layout.varIndex >= 0 && this.varIndex >= 0) out[layout.varIndex] = x[this.varIndex];
    if (layout.meanIndex >= 0 && this.meanIndex >= 0) out[layout.meanIndex] = x[this.meanIndex];
    return { layout, x: out };
  }

  /** Keeps an extrapolated point inside the region where the M-step is defined. */
  sanitize(x: Float64Array): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(x[i])) return false;
      // c in [s(-20), s(20)]: at c = 1 a wrong answer has probability 0 and logLik is -Inf.
      if (this.model === '3PL' && i < 3 * this.nItems && i % 3 === 2) {
        x[i] = Math.min(Math.max(x[i], MIN_LOGIT_C), -MIN_LOGIT_C);
      }
      if (Math.abs(x[i]) > 100) x[i] = Math.sign(x[i]) * 100;
    }
    // The variance stays within the quadrature's reach.
    if (this.varIndex >= 0) x[this.varIndex] = Math.min(Math.max(x[this.varIndex], -6), 4);
    return true;
  }
}

function sigmoid(g: number): number {
  return 1 / (1 + Math.exp(-g));
}

/**
 * Start values: intercepts from the proportions correct, a = 1, c = 0.2 (3PL); anchored items
 * at their fixed values; latent N(0, 1).
 */
export function startValues(layout: ParamLayout, data: ResponseData): Float64Array {
  const x = new Float64Array(layout.size);
  const J = data.nItems;
  const fixed = layout.anchors?.bank;
  for (let j = 0; j < J; j++) {
    // Keep p inside (0, 1): excluded degenerate items cannot reach here, but tiny counts can.
    const p = (data.itemCorrect[j] + 0.5) / (data.itemN[j] + 1);
    const logit = Math.log(p / (1 - p));
    const f = fixed && layout.isFixed(j) ? { a: fixed.a[j], d: fixed.d[j], c: fixed.c[j] } : null;
    switch (layout.model) {
      case '2PL':
        x[2 * j] = f ? f.a : 1;
        x[2 * j + 1] = f ? f.d : logit;
        break;
      case '3PL': {
        // With c = 0.2, P = 0.2 + 0.8 s: the intercept that reproduces p where possible.
        const s = Math.min(Math.max((p - 0.2) / 0.8, 0.05), 0.95);
        x[3 * j] = f ? f.a : 1;
        x[3 * j + 1] = f ? f.d : Math.log(s / (1 - s));
        x[3 * j + 2] = f ? Math.log(Math.max(f.c, 1e-9) / (1 - f.c)) : Math.log(0.2 / 0.8);
        break;
      }
      default:
        x[j] = f ? f.d : logit;
    }
  }
  if (layout.model === '1PL') x[J] = 1;
  return x;
}
