/** Reliability: empirical (of scores with SEs) and marginal (of the test), as mirt reports them. */

import { upperOf } from './models/logistic.js';
import { itemInformation } from './models/logistic-theta.js';
import type { ItemBank } from './models.js';
import type { LatentDistribution } from './types.js';

/**
 * Empirical reliability of scores with standard errors (mirt's empirical_rxx, and fscores'
 * returnER):  var(theta) / (var(theta) + mean(se^2)), var with the n - 1 denominator, over the
 * learners whose theta and se are finite (mirt drops +-Inf and NA). NaN with fewer than 2.
 * Note: this is NOT the `reliability` mirt reports for a fit; that is `marginalRxx` below.
 */
export function marginalReliability(theta: Float64Array, se: Float64Array): number {
  let n = 0;
  let sum = 0;
  for (let u = 0; u < theta.length; u++) {
    if (Number.isFinite(theta[u]) && Number.isFinite(se[u])) {
      n++;
      sum += theta[u];
    }
  }
  if (n < 2) return Number.NaN;
  const m = sum / n;
  let ss = 0;
  let se2 = 0;
  for (let u = 0; u < theta.length; u++) {
    if (Number.isFinite(theta[u]) && Number.isFinite(se[u])) {
      const e = theta[u] - m;
      ss += e * e;
      se2 += se[u] * se[u];
    }
  }
  const v = ss / (n - 1);
  return v / (v + se2 / n);
}

/**
 * Marginal reliability of the test, the `reliability` mirt 1.47 reports (marginal_rxx):
 *
 *   mirt (default):  rxx = integral I(theta) / (I(theta) + sigma^2) phi(theta; 0, 1) dtheta,
 *
 * with sigma^2 the fitted latent variance and the STANDARD normal density (mirt ignores the
 * latent mean and puts the variance where 1/sigma^2 belongs). For models with sigma^2 = 1
 * (1PL, 2PL, 3PL, 4PL) this is the textbook value; for the Rasch model (variance estimated) it is
 * not: `convention: 'textbook'` gives
 *
 *   rxx = integral I(theta) / (I(theta) + 1/sigma^2) phi(theta; mu, sigma^2) dtheta
 *
 * (the reliability of EAP-like scores of a N(mu, sigma^2) population). Integrated by Simpson's
 * rule on 4001 points over mean +- 12 sd (error below 1e-10 against R's integrate).
 */
export function marginalRxx(
  bank: ItemBank,
  latent: LatentDistribution,
  convention: 'mirt' | 'textbook' = 'mirt',
): number {
  const mu = convention === 'mirt' ? 0 : latent.mean;
  const sd = convention === 'mirt' ? 1 : Math.sqrt(latent.variance);
  const add = convention === 'mirt' ? latent.variance : 1 / latent.variance;
  const n = 4000; // intervals (even)
  const lo = mu - 12 * sd;
  const h = (24 * sd) / n;
  const info = testInformationGrid(bank, lo, h, n + 1);
  let acc = 0;
  for (let k = 0; k <= n; k++) {
    const z = (lo + k * h - mu) / sd;
    const dens = Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
    const I = info[k];
    const f = (I / (I + add)) * dens;
    acc += (k === 0 || k === n ? 1 : k % 2 === 1 ? 4 : 2) * f;
  }
  return (acc * h) / 3;
}

/**
 * Test information I(theta) = sum_j P_j'^2 / (P_j Q_j) at theta = lo + k h, k < m, summed item
 * by item over the grid (at each point in item order, as a sum point by point). An item without asymptotes (c = 0, u = 1) has information
 * a^2 s t with s t = e / (1 + e)^2, e = exp(-|z|): one exp a point instead of two; 4001 points
 * times 1,000 items is 4M of them (measured in docs/ENGINE.md).
 */
function testInformationGrid(bank: ItemBank, lo: number, h: number, m: number): Float64Array {
  const info = new Float64Array(m);
  for (let j = 0; j < bank.a.length; j++) {
    const a = bank.a[j];
    const d = bank.d[j];
    const c = bank.c[j];
    const u = upperOf(bank, j);
    if (c === 0 && u === 1) addLogisticInformation(info, a, d, lo, h, m);
    else for (let k = 0; k < m; k++) info[k] += itemInformation(a, d, c, u, lo + k * h);
  }
  return info;
}

/**
 * info[k] += a^2 s t at theta = lo + k h (an item without asymptotes). A function of its own,
 * called once per item: on a cold start it is compiled whole after the first items, not on
 * stack replacement inside testInformationGrid's loops (which bailed out between them).
 */
function addLogisticInformation(info: Float64Array, a: number, d: number, lo: number, h: number, m: number) {
  const a2 = a * a;
  for (let k = 0; k < m; k++) {
    const e = Math.exp(-Math.abs(a * (lo + k * h) + d));
    const r = 1 / (1 + e);
    info[k] += a2 * e * r * r;
  }
}
