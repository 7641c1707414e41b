/**
 * Linking maths: known (A, B) recovered exactly from transformed parameters by every method,
 * Stocking–Lord against a brute-force minimisation of its criterion on noisy parameters, and
 * drift flags with purification.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displacements, linkWithPurification } from '../../src/engine/drift.js';
import {
  LINK_METHODS,
  linkConstants,
  normalGrid,
  stockingLord,
  stockingLordCriterion,
} from '../../src/engine/linking.js';
import { normalDraw, seededRandom } from '../../src/engine/simulate.js';

function bank(n: number, seed: number, threePl = false) {
  const rand = seededRandom(seed);
  const a = Array.from({ length: n }, () => Math.exp(0.3 * normalDraw(rand)));
  const b = Array.from({ length: n }, () => normalDraw(rand));
  const c = Array.from({ length: n }, () => (threePl ? 0.1 + 0.15 * rand() : 0));
  return { a, b, c };
}

/** The same items on a scale where theta_old = A theta_new + B. */
function onOldScale(items: { a: number[]; b: number[]; c: number[] }, A: number, B: number) {
  return { a: items.a.map((x) => x / A), b: items.b.map((x) => A * x + B), c: items.c };
}

describe('linking constants', () => {
  for (const method of LINK_METHODS) {
    for (const threePl of [false, true]) {
      it(`${method} recovers A and B exactly from transformed parameters (${threePl ? '3PL' : '2PL'})`, () => {
        const now = bank(30, 5, threePl);
        const old = onOldScale(now, 1.27, -0.43);
        const k = linkConstants(method, now, old);
        assert.ok(Math.abs(k.A - 1.27) < 1e-9, `A ${k.A}`);
        assert.ok(Math.abs(k.B + 0.43) < 1e-9, `B ${k.B}`);
      });
    }
  }

  it('fixSlope estimates B only (Rasch)', () => {
    const now = bank(20, 8);
    now.a.fill(1);
    const old = onOldScale(now, 1, 0.6);
    for (const method of LINK_METHODS) {
      const k = linkConstants(method, now, old, { fixSlope: true });
      assert.equal(k.A, 1);
      assert.ok(Math.abs(k.B - 0.6) < 1e-9, `${method} B ${k.B}`);
    }
  });

  it('Stocking–Lord reaches the brute-force minimum of its criterion on noisy parameters', () => {
    const now = bank(40, 21, true);
    const rand = seededRandom(99);
    const exact = onOldScale(now, 0.9, 0.35);
    // Estimation noise on both sides: the criterion no longer reaches 0.
    const old = {
      a: exact.a.map((x) => x * Math.exp(0.15 * normalDraw(rand))),
      b: exact.b.map((x) => x + 0.2 * normalDraw(rand)),
      c: exact.c,
    };
    const grid = normalGrid();
    const k = stockingLord(now, old);
    const f = (A: number, B: number) => stockingLordCriterion(now, old, { A, B }, grid);
    // Brute force: a coarse grid, then finer grids around its best point.
    let best = { A: 1, B: 0, f: f(1, 0) };
    let span = { A: 0.5, B: 1 };
    let centre = { A: 1, B: 0 };
    for (let round = 0; round < 6; round++) {
      for (let i = -20; i <= 20; i++) {
        for (let j = -20; j <= 20; j++) {
          const A = centre.A + (span.A * i) / 20;
          const B = centre.B + (span.B * j) / 20;
          if (A <= 0) continue;
          const v = f(A, B);
          if (v < best.f) best = { A, B, f: v };
        }
      }
      centre = { A: best.A, B: best.B };
      span = { A: span.A / 8, B: span.B / 8 };
    }
    assert.ok(f(k.A, k.B) <= best.f + 1e-12, `F(SL) ${f(k.A, k.B)} > brute force ${best.f}`);
    assert.ok(Math.abs(k.A - best.A) < 1e-4, `A ${k.A} vs ${best.A}`);
    assert.ok(Math.abs(k.B - best.B) < 1e-4, `B ${k.B} vs ${best.B}`);
    assert.ok(best.f > 1e-6, 'the noisy criterion has a positive minimum');
  });

  it('refuses fewer than two common items', () => {
    assert.throws(() => linkConstants('stocking-lord', { a: [1], b: [0] }, { a: [1], b: [0] }), /at least 2/);
  });
});

describe('drift', () => {
  const thresholds = { zMin: 3, shiftMin: 0.3 };

  it('standardises the displacement by both standard errors on the reference scale', () => {
    const d = displacements(
      { a: [1, 1], b: [0, 1], seB: [0.1, 0.1] },
      { a: [1, 1], b: [0.5, 0.2], seB: [0.2, Number.NaN] },
      { A: 2, B: 0 },
      thresholds,
    );
    assert.ok(Math.abs(d.displacement[0] + 0.5) < 1e-12);
    assert.ok(Math.abs(d.z[0] - -0.5 / Math.hypot(0.2, 0.2)) < 1e-12);
    assert.ok(Math.abs(d.z[1] - 1.8 / 0.2) < 1e-12, 'a missing reference SE counts as 0');
    assert.deepEqual([...d.drift], [0, 1]);
  });

  it('a small significant shift or a large insignificant one is not drift', () => {
    const d = displacements(
      { a: [1, 1], b: [0.1, 1], seB: [0.01, 0.5] },
      { a: [1, 1], b: [0, 0], seB: [0.01, 0.5] },
      { A: 1, B: 0 },
      thresholds,
    );
    assert.deepEqual([...d.drift], [0, 0]);
  });

  it('purification keeps a leaked item from dragging the constants, and flags it', () => {
    const now = { ...bank(30, 3), seB: new Array(30).fill(0.1) };
    const ref = { ...onOldScale({ ...now, c: now.a.map(() => 0) }, 1.1, 0.25), seB: new Array(30).fill(0.1) };
    // Item 0 leaked: it is 1.2 easier now than its reference value says.
    const leaked = { ...now, b: now.b.map((x, j) => (j === 0 ? x - 1.2 / 1.1 : x)) };
    for (const method of LINK_METHODS) {
      const r = linkWithPurification(method, leaked, ref, thresholds);
      assert.deepEqual(
        [...r.drift].flatMap((f, j) => (f ? [j] : [])),
        [0],
        method,
      );
      assert.equal(r.nLinking, 29);
      assert.ok(Math.abs(r.A - 1.1) < 1e-6 && Math.abs(r.B - 0.25) < 1e-6, `${method} ${r.A} ${r.B}`);
      assert.ok(Math.abs(r.displacement[0] + 1.2) < 1e-6);
      const unpurified = linkConstants(method, leaked, ref);
      assert.ok(Math.abs(unpurified.B - 0.25) > 1e-3, `${method}: without purification the leak moves B`);
    }
  });

  it('stops purifying before too few items are left', () => {
    const now = { a: [1, 1, 1], b: [0, 1, 2], seB: [0.01, 0.01, 0.01] };
    const ref = { a: [1, 1, 1], b: [0, 3, 0], seB: [0.01, 0.01, 0.01] };
    const r = linkWithPurification('mean-sigma', now, ref, thresholds, { minItems: 3 });
    assert.equal(r.purificationStopped, true);
    assert.equal(r.nLinking, 3);
  });
});
