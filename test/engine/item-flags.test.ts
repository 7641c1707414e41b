/**
 * Per-item flags (engine/item-flags.ts): each rule at its threshold, the prior hook, and the
 * report reading the same definition (the flags a result carries, or the rules on the record).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ItemParamsRecord } from '../../src/contract/types.js';
import {
  describeFlag,
  type ITEM_FLAGS,
  itemFlags,
  DEFAULT_FLAG_THRESHOLDS as T,
} from '../../src/engine/item-flags.js';
import { itemFlags as reportFlags } from '../../src/report/report.js';

const ok = { a: 1, b: 0, c: 0, n: 500, pCorrect: 0.5, seB: 0.1, fitP: 0.5, converged: true };

describe('item flags', () => {
  it('an ordinary item has none', () => {
    assert.deepEqual(itemFlags(ok), []);
  });

  const cases: [string, Partial<typeof ok> & Record<string, unknown>, string][] = [
    ['provisional', { n: T.minResponses - 1 }, 'provisional'],
    ['negative_discrimination', { a: -0.01 }, 'negative_discrimination'],
    ['low_discrimination', { a: T.lowDiscrimination - 0.01 }, 'low_discrimination'],
    ['high_discrimination', { a: T.highDiscrimination + 0.01 }, 'high_discrimination'],
    ['extreme_difficulty', { b: -T.extremeDifficulty - 0.01 }, 'extreme_difficulty'],
    ['high_guessing', { c: T.highGuessing + 0.01 }, 'high_guessing'],
    ['low_ceiling', { u: T.lowCeiling - 0.01 }, 'low_ceiling'],
    ['imprecise', { seB: T.impreciseSeB + 0.01 }, 'imprecise'],
    ['floor_or_ceiling', { pCorrect: 1 - T.floorCeiling / 2 }, 'floor_or_ceiling'],
    ['misfit by S-X2', { fitP: T.misfitAlpha / 2 }, 'misfit'],
    [
      'misfit by outfit',
      { meanSquares: { infit: 1, infitZ: 0, outfit: T.misfitMeanSquare + 0.1, outfitZ: T.misfitZstd + 0.1 } },
      'misfit',
    ],
    ['not_converged', { converged: false }, 'not_converged'],
    ['not_identified', { notIdentified: true }, 'not_identified'],
    ['prior_dominated', { priors: [{ param: 'b', priorSd: 1, posteriorSd: 0.8 }] }, 'prior_dominated'],
    ['slope_held', { slopeHeld: true }, 'slope_held'],
    ['negative_discrimination under a slope prior', { dataSlopeNegative: true }, 'negative_discrimination'],
  ];
  for (const [name, change, flag] of cases) {
    it(`${name}: flagged past the threshold, with a description`, () => {
      assert.deepEqual(itemFlags({ ...ok, ...change }), [flag]);
      assert.ok(describeFlag(flag as (typeof ITEM_FLAGS)[number], { ...ok, ...change }).length > 5);
    });
  }

  it('at the thresholds themselves nothing is flagged', () => {
    const edge = {
      ...ok,
      n: T.minResponses,
      a: T.lowDiscrimination,
      b: T.extremeDifficulty,
      c: T.highGuessing,
      u: T.lowCeiling,
      seB: T.impreciseSeB,
      pCorrect: T.floorCeiling,
      fitP: T.misfitAlpha,
      meanSquares: { infit: T.misfitMeanSquare, infitZ: 5, outfit: 3, outfitZ: T.misfitZstd },
      priors: [{ param: 'b', priorSd: 2, posteriorSd: 2 * Math.sqrt(T.priorShare) - 1e-12 }],
    };
    assert.deepEqual(itemFlags(edge), []);
  });

  it('prior_dominated is decided only when priors are passed; absurd values never pass unflagged', () => {
    assert.ok(!itemFlags({ ...ok, seB: 0.9 }).includes('prior_dominated'));
    assert.ok(itemFlags({ ...ok, a: -0.00017, b: -12878.75 }).includes('extreme_difficulty'));
    assert.ok(itemFlags({ ...ok, a: -0.00017, b: -12878.75 }).includes('negative_discrimination'));
    assert.ok(itemFlags({ ...ok, b: 77.25, c: 0.6 }).includes('high_guessing'));
    assert.ok(itemFlags({ ...ok, b: Number.NaN }).includes('extreme_difficulty'));
  });

  it('a stricter alpha is a threshold, not a second rule set', () => {
    assert.deepEqual(itemFlags({ ...ok, fitP: 0.03 }), []);
    assert.deepEqual(itemFlags({ ...ok, fitP: 0.03 }, { ...T, misfitAlpha: 0.05 }), ['misfit']);
  });
});

describe('the report reads the same definition', () => {
  const record: ItemParamsRecord = {
    item_id: 'q',
    model: '2PL',
    version: 'v',
    params: { a: 0.2, b: 5 },
    n: 12,
    p_correct: 0.5,
    fit: { statistic: 'S-X2-incomplete', value: 30, df: 10, p: 0.001, rmsea: 0.1 },
  };

  it('a record without flags: the engine rules on its values', () => {
    const words = reportFlags(record);
    const codes = itemFlags({ a: 0.2, b: 5, n: 12, pCorrect: 0.5, fitP: 0.001 });
    assert.deepEqual(codes, ['provisional', 'low_discrimination', 'extreme_difficulty', 'misfit']);
    assert.equal(words.length, codes.length);
    assert.match(
      words.join('; '),
      /provisional.*weak discrimination.*extreme difficulty.*misfit \(S-X2 p = 0.0010\)/,
    );
  });

  it('a record with flags: those (they carry what only the run knows), plus not identified', () => {
    const words = reportFlags({ ...record, flags: ['not_converged', 'prior_dominated'] }, new Set(['q']));
    assert.deepEqual(words.length, 3);
    assert.match(words[0], /not converged/);
    assert.match(words[1], /prior-dominated/);
    assert.match(words[2], /not identified/);
  });
});
