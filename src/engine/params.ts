/**
 * Where each model keeps its free parameters in EM's vector x (unconstrained scale: a, d,
 * logit c, log variance), start values, and the bookkeeping on x that EM and the refit need.
 */

import type { ItemBank } from './models.js';
import { MIN_LOGIT_C } from './mstep.js';
import type { ResponseData } from './responses.js';
import type { ModelName } from './types.js';

/**
 * A slope this steep is a step function: no item on a real test has one. It is what an item
 * whose likelihood keeps rising with its slope (perfect separation among a handful of answers)
 * runs to; such an item has no finite estimate and is refitted out (calibrate.ts).
 */
export const DIVERGED_SLOPE = 50;

/** Where each model keeps its free parameters in x. */
export class ParamLayout {
  readonly size: number;
  constructor(
    readonly model: ModelName,
    readonly nItems: number,
  ) {
    this.size = model === '2PL' ? 2 * nItems : model === '3PL' ? 3 * nItems : nItems + 1;
  }

  /** x -> bank and latent variance. */
  unpack(x: Float64Array, bank: ItemBank): number {
    const J = this.nItems;
    switch (this.model) {
      case '2PL':
        for (let j = 0; j < J; j++) {
          bank.a[j] = x[2 * j];
          bank.d[j] = x[2 * j + 1];
          bank.c[j] = 0;
        }
        return 1;
      case '3PL':
        for (let j = 0; j < J; j++) {
          bank.a[j] = x[3 * j];
          bank.d[j] = x[3 * j + 1];
          bank.c[j] = 1 / (1 + Math.exp(-x[3 * j + 2]));
        }
        return 1;
      case '1PL':
        for (let j = 0; j < J; j++) {
          bank.a[j] = x[J];
          bank.d[j] = x[j];
          bank.c[j] = 0;
        }
        return 1;
      case 'Rasch':
        for (let j = 0; j < J; j++) {
          bank.a[j] = 1;
          bank.d[j] = x[j];
          bank.c[j] = 0;
        }
        return Math.exp(x[J]);
    }
  }

  /** Largest change between two parameter vectors on the reported scale. */
  maxChange(x: Float64Array, y: Float64Array): number {
    let m = 0;
    for (let i = 0; i < this.size; i++) {
      let dx: number;
      if (this.model === '3PL' && i % 3 === 2) dx = sigmoid(x[i]) - sigmoid(y[i]);
      else if (this.model === 'Rasch' && i === this.nItems) dx = Math.exp(x[i]) - Math.exp(y[i]);
      else dx = x[i] - y[i];
      const ad = Math.abs(dx);
      if (ad > m || Number.isNaN(ad)) m = Number.isNaN(ad) ? Infinity : ad;
    }
    return m;
  }

  /** Items (2PL/3PL) whose slope has run past DIVERGED_SLOPE. */
  divergedItems(x: Float64Array): number[] {
    const out: number[] = [];
    const p = this.model === '2PL' ? 2 : this.model === '3PL' ? 3 : 0;
    for (let j = 0; p > 0 && j < this.nItems; j++) if (Math.abs(x[p * j]) >= DIVERGED_SLOPE) out.push(j);
    return out;
  }

  /** The start vector for the same model on a subset of the items (a refit without some). */
  subset(x: Float64Array, keptItems: Int32Array): Float64Array {
    const p = this.model === '2PL' ? 2 : this.model === '3PL' ? 3 : 1;
    const shared = this.model === 'Rasch' || this.model === '1PL';
    const out = new Float64Array(shared ? keptItems.length + 1 : p * keptItems.length);
    keptItems.forEach((j, k) => {
      for (let i = 0; i < p; i++) out[p * k + i] = x[p * j + i];
    });
    if (shared) out[keptItems.length] = x[this.nItems];
    return out;
  }

  /** Keeps an extrapolated point inside the region where the M-step is defined. */
  sanitize(x: Float64Array): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(x[i])) return false;
      // c in [s(-20), s(20)]: at c = 1 a wrong answer has probability 0 and logLik is -Inf.
      if (this.model === '3PL' && i % 3 === 2) x[i] = Math.min(Math.max(x[i], MIN_LOGIT_C), -MIN_LOGIT_C);
      if (Math.abs(x[i]) > 100) x[i] = Math.sign(x[i]) * 100;
    }
    return true;
  }
}

function sigmoid(g: number): number {
  return 1 / (1 + Math.exp(-g));
}

/** Start values: intercepts from the proportions correct, a = 1, c = 0.2 (3PL). */
export function startValues(layout: ParamLayout, data: ResponseData): Float64Array {
  const x = new Float64Array(layout.size);
  const J = data.nItems;
  for (let j = 0; j < J; j++) {
    // Keep p inside (0, 1): excluded degenerate items cannot reach here, but tiny counts can.
    const p = (data.itemCorrect[j] + 0.5) / (data.itemN[j] + 1);
    const logit = Math.log(p / (1 - p));
    switch (layout.model) {
      case '2PL':
        x[2 * j] = 1;
        x[2 * j + 1] = logit;
        break;
      case '3PL': {
        // With c = 0.2, P = 0.2 + 0.8 s: the intercept that reproduces p where possible.
        const s = Math.min(Math.max((p - 0.2) / 0.8, 0.05), 0.95);
        x[3 * j] = 1;
        x[3 * j + 1] = Math.log(s / (1 - s));
        x[3 * j + 2] = Math.log(0.2 / 0.8);
        break;
      }
      default:
        x[j] = logit;
    }
  }
  if (layout.model === '1PL') x[J] = 1;
  if (layout.model === 'Rasch') x[J] = 0;
  return x;
}
