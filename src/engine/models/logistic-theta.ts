/**
 * The logistic family's derivatives in theta (models/logistic.ts has the notation): per answer,
 * the log-likelihood and its first two derivatives, and the item information with its first two,
 * for ML/MAP/WLE scoring, reliability and the report's test information.
 */

import { logP, logQ } from './logistic.js';

/** Derivatives in theta of one answer and of the item information, added into ThetaTerms. */
export interface ThetaTerms {
  /** log-likelihood l and its first two derivatives. */
  l: number;
  l1: number;
  l2: number;
  /** Test information I and its first two derivatives (when asked for). */
  I: number;
  I1: number;
  I2: number;
}

export function clearThetaTerms(tt: ThetaTerms): void {
  tt.l = 0;
  tt.l1 = 0;
  tt.l2 = 0;
  tt.I = 0;
  tt.I1 = 0;
  tt.I2 = 0;
}

/**
 * Adds one answer x of an item (a, d, c, u) at theta. With P' = a w s t and P'' = P' a (t - s):
 *   x = 1: l' = P'/P = a sr t,  l'' = a^2 sr t (t - s) - (a sr t)^2,
 *   x = 0: l' = -P'/Q = -a rho s,  l'' = -a^2 rho s (t - s) - (a rho s)^2;
 * item information i = P'^2 / (P Q) = a^2 sr rho s t, and with L = log i,
 *   L' = 2a (t - s) - P'/P + P'/Q,
 *   L'' = -4 a^2 s t - [P''/P - (P'/P)^2] + [P''/Q + (P'/Q)^2],
 *   i' = i L',  i'' = i (L'' + L'^2).
 */
export function addThetaTerms(
  a: number,
  d: number,
  c: number,
  u: number,
  theta: number,
  x: number,
  withInfo: boolean,
  tt: ThetaTerms,
): void {
  const z = a * theta + d;
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
  const w = u - c;
  const P = c + w * s;
  const Q = 1 - u + w * t;
  const sr = P > 0 ? (w * s) / P : 1;
  const rho = Q > 0 ? (w * t) / Q : 1;
  const dP = a * sr * t; // P'/P
  const dQ = a * rho * s; // P'/Q
  const tms = t - s;
  if (x === 1) {
    tt.l += logP(z, c, w);
    tt.l1 += dP;
    tt.l2 += a * dP * tms - dP * dP;
  } else {
    tt.l += logQ(z, c, u, w);
    tt.l1 -= dQ;
    tt.l2 -= a * dQ * tms + dQ * dQ;
  }
  if (withInfo) {
    const i = dP * dQ;
    const L1 = 2 * a * tms - dP + dQ;
    const L2 = -4 * a * a * s * t - (a * dP * tms - dP * dP) + (a * dQ * tms + dQ * dQ);
    tt.I += i;
    tt.I1 += i * L1;
    tt.I2 += i * (L2 + L1 * L1);
  }
}

/** Item information P'^2 / (P Q) at theta. */
export function itemInformation(a: number, d: number, c: number, u: number, theta: number): number {
  const z = a * theta + d;
  const s = 1 / (1 + Math.exp(-z));
  const t = 1 / (1 + Math.exp(z));
  const w = u - c;
  const P = c + w * s;
  const Q = 1 - u + w * t;
  const sr = P > 0 ? (w * s) / P : 1;
  const rho = Q > 0 ? (w * t) / Q : 1;
  return a * a * sr * rho * s * t;
}
