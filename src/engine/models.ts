/**
 * The item bank: every item's parameters in slope-intercept form, index = item index,
 *
 *   P(theta) = c + (u - c) * s(a*theta + d),   s(z) = 1 / (1 + exp(-z)),   b = -d / a.
 *
 * What each model estimates and the mathematics of P are in models/ (one module per model).
 */

export interface ItemBank {
  readonly a: Float64Array;
  readonly d: Float64Array;
  /** Lower asymptote as a probability (0 outside the 3PL/4PL). */
  readonly c: Float64Array;
  /** Upper asymptote as a probability; absent means 1 for every item (all models but the 4PL). */
  readonly u?: Float64Array;
}

export function makeItemBank(nItems: number): ItemBank {
  return {
    a: new Float64Array(nItems).fill(1),
    d: new Float64Array(nItems),
    c: new Float64Array(nItems),
    u: new Float64Array(nItems).fill(1),
  };
}
