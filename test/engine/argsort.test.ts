/**
 * orderByValue against the comparator sort it replaces (by value, ties by index), on values made
 * to hit every part of the key: ties, -0 and +0, negatives, subnormals, infinities, values that
 * differ only in their lowest bits, and subsets of the indices.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderByValue } from '../../src/engine/argsort.js';
import { mulberry32 } from '../helpers/platform.js';

function byComparator(values: Float64Array, indices: Int32Array): Int32Array {
  return Int32Array.from(indices).sort((x, y) => values[x] - values[y] || x - y);
}

test('the same order as the comparator sort, on awkward values', () => {
  const rand = mulberry32(7);
  const special = [
    0,
    -0,
    1,
    -1,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1 + Number.EPSILON,
    1 - Number.EPSILON / 2,
    -2.5,
    1e300,
    -1e-300,
  ];
  for (const n of [0, 1, 2, 3, 17, 1000, 70_000]) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = rand();
      values[i] =
        r < 0.3
          ? special[Math.floor(rand() * special.length)]
          : r < 0.5
            ? Math.round(rand() * 8) - 4
            : (rand() - 0.5) * 8;
    }
    const all = Int32Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(orderByValue(values, all), byComparator(values, all), `n = ${n}`);
    const some = all.filter(() => rand() < 0.4);
    assert.deepEqual(orderByValue(values, some), byComparator(values, some), `subset of ${n}`);
  }
});

test('values that differ only in their lowest bits are ordered by them', () => {
  // The low 16 bits decide: a pass skipped wrongly, or the words swapped, shows here.
  const base = 1.5;
  const values = Float64Array.from([
    base + 3 * Number.EPSILON,
    base,
    base + Number.EPSILON * 2,
    -base,
    -base - 2 * Number.EPSILON,
  ]);
  assert.deepEqual([...orderByValue(values, Int32Array.from([0, 1, 2, 3, 4]))], [4, 3, 1, 2, 0]);
});

test('the input indices are not changed', () => {
  const idx = Int32Array.from([2, 0, 1]);
  orderByValue(Float64Array.from([3, 1, 2]), idx);
  assert.deepEqual([...idx], [2, 0, 1]);
});
