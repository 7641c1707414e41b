/**
 * Which items the data cannot identify (calibrators/identification.ts), decided from the data
 * directly: the learners who link an item to another come early, late, or not at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notIdentified } from '../../src/calibrators/identification.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { type ResponseData, responsesFromObservations } from '../../src/engine/responses.js';

function answers(rows: [string, string][]): ResponseData {
  return responsesFromObservations(
    rows.map(([user_id, item_id], k) => ({ user_id, item_id, is_correct: k % 2 })),
    { keepDegenerateItems: true },
  );
}

function result(data: ResponseData, model: string, anchored: string[] = []): CalibrateResponse {
  return {
    item_params: data.itemIds.map((item_id) => ({ item_id, anchored: anchored.includes(item_id) })),
    fit_meta: { model_spec: { model } },
  } as unknown as CalibrateResponse;
}

describe('items not identified', () => {
  it('2PL: an item is identified by any respondent with another item, the first learner or the last', () => {
    const data = answers([
      ['u1', 'a'],
      ['u1', 'b'],
      ['u2', 'c'],
      ['u3', 'c'],
      ['u4', 'd'],
      ['u5', 'e'],
      ['u5', 'a'],
    ]);
    assert.deepEqual(notIdentified(data, result(data, '2PL'))?.items, ['c', 'd']);
  });

  it('2PL: every item linked by the first learner (complete data): none', () => {
    const rows: [string, string][] = [];
    for (const u of ['u1', 'u2', 'u3']) for (const i of ['a', 'b', 'c']) rows.push([u, i]);
    const data = answers(rows);
    assert.equal(notIdentified(data, result(data, '2PL')), null);
  });

  it('an anchored item neither listed nor linking: its partner alone is not identified', () => {
    const data = answers([
      ['u1', 'a'],
      ['u1', 'b'],
      ['u2', 'c'],
      ['u2', 'd'],
    ]);
    assert.deepEqual(notIdentified(data, result(data, '2PL', ['a']))?.items, ['b']);
  });

  it('Rasch: one learner with two answers identifies every item; none, no item', () => {
    const linked = answers([
      ['u1', 'a'],
      ['u2', 'b'],
      ['u3', 'c'],
      ['u3', 'a'],
    ]);
    assert.equal(notIdentified(linked, result(linked, 'Rasch')), null);
    const single = answers([
      ['u1', 'a'],
      ['u2', 'b'],
    ]);
    assert.deepEqual(notIdentified(single, result(single, 'Rasch'))?.items, ['a', 'b']);
  });
});
