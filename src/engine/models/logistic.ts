/**
 * The logistic family of dichotomous items (mirt's class `dich`), which the Rasch, 1PL, 2PL,
 * 3PL and 4PL models are constrained cases of:
 *
 *   P(theta) = c + (u - c) s(z),  z = a theta + d,  s(z) = 1 / (1 + exp(-z)),  Q = 1 - P,
 *
 * with lower asymptote c = s(g) and upper asymptote u = s(h) estimated on the logit scale
 * (g = -Inf, c = 0 and h = +Inf, u = 1 where the model fixes them). This file: P, Q and their
 * logs; logistic-counts.ts: the M-step's derivatives from the expected counts;
 * logistic-theta.ts: the derivatives in theta and the information.
 */

import type { ItemBank } from '../models.js';

/** Expected counts of one item at the quadrature nodes (from an E-step). */
export interface ItemCounts {
  readonly nodes: Float64Array;
  readonly r0: Float64Array;
  readonly r1: Float64Array;
  /** Offset of this item's counts in r0/r1. */
  readonly offset: number;
}

export function sigmoid(g: number): number {
  return 1 / (1 + Math.exp(-g));
}

/** log s(z) without overflow: -log1p(exp(-z)). */
export function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/** Upper asymptote of item j (1 where the bank has none). */
export function upperOf(bank: ItemBank, j: number): number {
  return bank.u ? bank.u[j] : 1;
}

/**
 * log P and log Q of one item at z (P = c + w s, Q = (1 - u) + w t). An asymptote inside (0, 1)
 * bounds P (Q) away from 0, so the plain log is exact there; without one, log s(z) keeps the
 * far tail from underflowing.
 */
export function logP(z: number, c: number, w: number): number {
  if (c === 0) return w === 1 ? logSigmoid(z) : Math.log(w) + logSigmoid(z);
  return Math.log(c + w / (1 + Math.exp(-z)));
}

export function logQ(z: number, c: number, u: number, w: number): number {
  if (u === 1) return (c === 0 ? 0 : Math.log1p(-c)) + logSigmoid(-z);
  return Math.log(1 - u + w / (1 + Math.exp(z)));
}

/**
 * Fills logP[j*Q + q] = log P_j(x_q) and logQ[j*Q + q] = log Q_j(x_q): the tables the E-step
 * kernels read (they never call exp/log per observation).
 */
export function fillLogTables(
  bank: ItemBank,
  nodes: Float64Array,
  logPOut: Float64Array,
  logQOut: Float64Array,
): void {
  const nQ = nodes.length;
  for (let j = 0; j < bank.a.length; j++) {
    const a = bank.a[j];
    const d = bank.d[j];
    const c = bank.c[j];
    const u = upperOf(bank, j);
    const w = u - c;
    const base = j * nQ;
    for (let q = 0; q < nQ; q++) {
      const z = a * nodes[q] + d;
      logPOut[base + q] = logP(z, c, w);
      logQOut[base + q] = logQ(z, c, u, w);
    }
  }
}

/** P_j and Q_j at the nodes (item-major, [j * nQ + q]), Q without cancellation. */
export function fillProbabilities(
  bank: ItemBank,
  nodes: Float64Array,
  P: Float64Array,
  Q: Float64Array,
): void {
  const nQ = nodes.length;
  for (let j = 0; j < bank.a.length; j++) {
    const c = bank.c[j];
    const u = upperOf(bank, j);
    for (let q = 0; q < nQ; q++) {
      const z = bank.a[j] * nodes[q] + bank.d[j];
      P[j * nQ + q] = c + (u - c) / (1 + Math.exp(-z));
      Q[j * nQ + q] = 1 - u + (u - c) / (1 + Math.exp(z));
    }
  }
}

/** Probability of a right answer, slope-intercept form. */
export function probability(a: number, d: number, c: number, u: number, theta: number): number {
  return c + (u - c) / (1 + Math.exp(-(a * theta + d)));
}

/** The same in IRT form, c + (u - c) / (1 + exp(-a (theta - b))). */
export function probabilityIrt(a: number, b: number, c: number, u: number, theta: number): number {
  return c + (u - c) / (1 + Math.exp(-a * (theta - b)));
}
