/**
 * BlockTimes (block-times.ts) reads back every time exactly as it was put, whichever way the
 * block holds it: whole seconds from the block's first time, milliseconds once a stamp needs them
 * (the offsets so far rescaled, when they all fit ±24 days), doubles once a stamp fits neither
 * (or an offset so far would not fit milliseconds). Stamps go in one at a time and in ranges.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockTimes } from '../../src/engine/block-times.js';

const DAY = 86_400_000;
const T0 = 1.7e12;

/** Puts `times` into a block of their length (a row at a time or in ranges) and reads them back. */
function roundTrip(times: number[], ranges: boolean): number[] {
  const firstKnown = times.find((t) => !Number.isNaN(t));
  const b = new BlockTimes(times.length + 3, 3, firstKnown ?? Number.NaN);
  if (ranges) {
    const src = Float64Array.from(times);
    for (let k = 0; k < times.length; k += 5) b.putRange(src, k, Math.min(k + 5, times.length), 3 + k);
  } else for (let k = 0; k < times.length; k++) b.put(3 + k, times[k]);
  const out: number[] = [];
  for (let r = 0; r < 3; r++) assert.ok(Number.isNaN(b.get(r)), 'rows before the first time are unknown');
  for (let k = 0; k < times.length; k++) out.push(b.get(3 + k));
  return out;
}

function same(times: number[], msg: string): void {
  for (const ranges of [false, true]) {
    const back = roundTrip(times, ranges);
    back.forEach((t, k) => {
      assert.ok(
        t === times[k] || (Number.isNaN(t) && Number.isNaN(times[k])),
        `${msg}: row ${k} ${times[k]} -> ${t}`,
      );
    });
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

describe('BlockTimes', () => {
  it('seconds, then milliseconds, then doubles, each time read back exactly', () => {
    same([T0, T0 + 1000, Number.NaN, T0 - 3_600_000], 'whole seconds');
    same([T0, T0 + 1000, T0 + 1, T0 - 20 * DAY], 'seconds rescaled to milliseconds');
    // Far seconds first: no millisecond offset can hold them, so the block takes doubles.
    same([T0, T0 + 30 * DAY, T0 + 7], 'seconds beyond 24 days, then a millisecond');
    same([T0, T0 + 1, T0 + 30 * DAY + 1], 'milliseconds, then beyond 24 days');
    same([T0, T0 + 0.25, T0 + 1000], 'a fraction of a millisecond');
    same([T0, T0 + 69 * 365 * DAY, T0 - 69 * 365 * DAY], 'seconds beyond 68 years');
    same([T0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], 'infinite stamps');
    same([Number.NaN, Number.NaN], 'no known time');
    same([-1e11, -1e11 - 1000, 0, 2 ** 40 + 0.5], 'negative, zero and large stamps');
  });

  it('random mixes of every kind of stamp', () => {
    const rnd = lcg(99);
    const kinds = [
      () => T0 + Math.floor((rnd() - 0.5) * 1e6) * 1000,
      () => T0 + Math.floor((rnd() - 0.5) * 40 * DAY),
      () => T0 + rnd() * 1e6,
      () => T0 + Math.floor((rnd() - 0.5) * 100 * 365 * DAY * 1e-3) * 1000,
      () => Number.NaN,
    ];
    for (let trial = 0; trial < 300; trial++) {
      const use = kinds.filter(() => rnd() < 0.6);
      if (use.length === 0) continue;
      const times = Array.from({ length: 1 + Math.floor(rnd() * 60) }, () =>
        use[Math.floor(rnd() * use.length)](),
      );
      same(times, `trial ${trial}`);
    }
  });

  it('grows (the first block doubling) keeping its times', () => {
    const b = new BlockTimes(4, 0, T0);
    b.put(0, T0 + 5000);
    b.put(1, T0 + 3);
    b.grow(8);
    b.put(6, T0 - 1000);
    b.unknown(7, 8);
    assert.deepEqual([b.get(0), b.get(1), b.get(6)], [T0 + 5000, T0 + 3, T0 - 1000]);
    assert.ok(Number.isNaN(b.get(7)));
  });
});
