/**
 * Taking one item out of the sum-score distribution (lord-wingersky.ts) against the direct
 * Lord–Wingersky recursion over the other items, on banks with ordinary and extreme items.
 * Tolerance: 1e-12 of each value plus 1e-15 absolute [measured: worst 3e-14 relative on the
 * ordinary bank, values below 1e-15 aside].
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreDistributionWithout } from '../../src/engine/lord-wingersky.js';
import { seededRandom } from '../../src/engine/simulate.js';

function tables(a: number[], d: number[], c: number[], nQ: number) {
  const J = a.length;
  const P = new Float64Array(J * nQ);
  const Qt = new Float64Array(J * nQ);
  for (let j = 0; j < J; j++)
    for (let q = 0; q < nQ; q++) {
      const x = -6 + (12 * q) / (nQ - 1);
      const z = a[j] * x + d[j];
      P[j * nQ + q] = c[j] + (1 - c[j]) / (1 + Math.exp(-z));
      Qt[j * nQ + q] = (1 - c[j]) / (1 + Math.exp(z));
    }
  return { P, Qt };
}

/** The textbook recursion over the items in `use`, rows s = 0..use.length. */
function direct(P: Float64Array, Qt: Float64Array, use: number[], nQ: number): Float64Array {
  const out = new Float64Array((use.length + 1) * nQ);
  for (let q = 0; q < nQ; q++) {
    const L = [1];
    for (const j of use) {
      const next = new Array(L.length + 1).fill(0);
      for (let s = 0; s < L.length; s++) {
        next[s] += L[s] * Qt[j * nQ + q];
        next[s + 1] += L[s] * P[j * nQ + q];
      }
      L.splice(0, L.length, ...next);
    }
    for (let s = 0; s < L.length; s++) out[s * nQ + q] = L[s];
  }
  return out;
}

function check(a: number[], d: number[], c: number[], nQ = 61) {
  const J = a.length;
  const { P, Qt } = tables(a, d, c, nQ);
  const full = direct(
    P,
    Qt,
    a.map((_, j) => j),
    nQ,
  );
  const out = new Float64Array(J * nQ);
  let worst = 0;
  for (let i = 0; i < J; i++) {
    scoreDistributionWithout(full, P, Qt, J, nQ, i, out);
    const ref = direct(
      P,
      Qt,
      a.map((_, j) => j).filter((j) => j !== i),
      nQ,
    );
    for (let k = 0; k < out.length; k++) {
      const err = Math.abs(out[k] - ref[k]);
      assert.ok(err <= 1e-12 * ref[k] + 1e-15, `item ${i}, cell ${k}: ${out[k]} vs ${ref[k]}`);
      if (ref[k] > 1e-15) worst = Math.max(worst, err / ref[k]);
    }
  }
  return worst;
}

describe('sum-score distribution without one item', () => {
  it('agrees with the direct recursion on an ordinary 2PL/3PL bank of 60 items', () => {
    const r = seededRandom(7);
    const J = 60;
    const a = Array.from({ length: J }, () => 0.5 + 2 * r());
    const d = Array.from({ length: J }, () => -3 + 6 * r());
    const c = Array.from({ length: J }, (_, j) => (j % 3 === 0 ? 0.25 * r() : 0));
    check(a, d, c);
  });

  it('agrees where the distribution falls steeply: extreme slopes and intercepts', () => {
    const r = seededRandom(11);
    const J = 40;
    const a = Array.from({ length: J }, (_, j) => (j % 4 === 0 ? 8 : j % 4 === 1 ? 0.05 : 1 + r()));
    const d = Array.from({ length: J }, (_, j) => (j % 5 === 0 ? 12 : j % 5 === 1 ? -12 : -2 + 4 * r()));
    const c = Array.from({ length: J }, (_, j) => (j % 7 === 0 ? 0.3 : 0));
    check(a, d, c, 41);
  });

  it('agrees on a long 2PL/3PL test of 120 items, where the tails fall to 1e-200', () => {
    const r = seededRandom(5);
    const J = 120;
    const a = Array.from({ length: J }, () => 0.4 + 2.5 * r());
    const d = Array.from({ length: J }, () => -4 + 8 * r());
    const c = Array.from({ length: J }, (_, j) => (j % 4 === 0 ? 0.2 * r() : 0));
    check(a, d, c);
  });

  it('needs the direct recursion on few nodes of a 500-item test (it is O(J^2) a node)', () => {
    // One pass in one direction lost the far tail to cancellation: 57% of the (item, node)
    // pairs of this test fell back to the direct recursion, which made S-X2 O(J^3 Q) again.
    const r = seededRandom(3);
    const J = 500;
    const nQ = 61;
    const a = Array.from({ length: J }, () => 0.5 + 2 * r());
    const d = Array.from({ length: J }, () => -3 + 6 * r());
    const { P, Qt } = tables(a, d, new Array(J).fill(0), nQ);
    // The full distribution by the recursion itself (rows s = 0..J).
    const full = new Float64Array((J + 1) * nQ);
    for (let q = 0; q < nQ; q++) {
      const L = new Float64Array(J + 1);
      L[0] = 1;
      for (let j = 0; j < J; j++) {
        for (let s = j + 1; s >= 1; s--) L[s] = L[s] * Qt[j * nQ + q] + L[s - 1] * P[j * nQ + q];
        L[0] *= Qt[j * nQ + q];
      }
      for (let s = 0; s <= J; s++) full[s * nQ + q] = L[s];
    }
    const out = new Float64Array(J * nQ);
    let direct = 0;
    for (let i = 0; i < J; i++) direct += scoreDistributionWithout(full, P, Qt, J, nQ, i, out);
    assert.ok(direct <= 0.05 * J * nQ, `${direct} of ${J * nQ} nodes needed the direct recursion`);
  });
});
