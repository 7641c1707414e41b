/**
 * The report's observed groups (report/observed-groups.ts) against their definition computed
 * directly: per item, its respondents with a finite theta sorted by theta (ties in learner
 * order), cut into equal groups. Thetas are rounded so that many learners tie, some are not
 * finite, and the abilities come both in the data's learner order and shuffled (the path by id);
 * on sparse data (each item its own respondents) and complete data (the groups all items share).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import type { ResponseData } from '../../src/engine/responses.js';
import { seededRandom, simulateResponses } from '../../src/engine/simulate.js';
import { type ObservedGroup, reportEvidence } from '../../src/report/observed-groups.js';

/** The groups by definition: one stable sort of each item's respondents. */
function directGroups(data: ResponseData, result: CalibrateResponse): Record<string, ObservedGroup[]> {
  const thetaOf = new Map<string, number>();
  for (const a of result.abilities) if (Number.isFinite(a.theta)) thetaOf.set(a.user_id, a.theta);
  const out: Record<string, ObservedGroup[]> = {};
  for (let j = 0; j < data.nItems; j++) {
    const answers: { theta: number; right: number }[] = [];
    for (let u = 0; u < data.nUsers; u++) {
      const theta = thetaOf.get(data.userIds[u]);
      if (theta === undefined) continue;
      for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++)
        if (data.userItem[k] === j) answers.push({ theta, right: data.userResp[k] });
    }
    answers.sort((x, y) => x.theta - y.theta);
    const n = answers.length;
    const groups = Math.min(10, Math.max(1, Math.floor(n / 10)));
    const item: ObservedGroup[] = [];
    for (let g = 0; g < groups && n > 0; g++) {
      const part = answers.slice(Math.floor((g * n) / groups), Math.floor(((g + 1) * n) / groups));
      const mean = part.reduce((s, a) => s + a.theta, 0) / part.length;
      item.push([Math.round(mean * 100) / 100, part.length, part.reduce((s, a) => s + a.right, 0)]);
    }
    out[data.itemIds[j]] = item;
  }
  return out;
}

for (const design of [
  { name: 'sparse', nUsers: 1500, nItems: 60, perUser: 15 },
  { name: 'complete', nUsers: 437, nItems: 12, perUser: 12 },
]) {
  describe(`observed groups of the report (${design.name} data)`, () => {
    let data: ResponseData;
    let result: CalibrateResponse;
    before(async () => {
      data = simulateResponses({ model: '2PL', ...design, seed: 11 }).data;
      result = await new LocalCalibrator().calibrate(data, { model: '2PL', version: 'v1', runId: 'r' });
      // Coarse thetas (ties decide which learner closes a group) and a few without a finite one.
      result.abilities.forEach((a, u) => {
        a.theta = u % 97 === 5 ? Number.NaN : Math.round(a.theta * 4) / 4;
      });
    });

    it('abilities in learner order: the groups of the definition, ties in learner order', () => {
      assert.equal(data.nObs === data.nUsers * data.nItems, design.name === 'complete');
      assert.deepEqual(reportEvidence(data, result).observed_by_group, directGroups(data, result));
    });

    it('abilities in any other order (a remote answer): the same groups, by id', () => {
      const rand = seededRandom(4);
      const shuffled = result.abilities.slice();
      for (let i = shuffled.length - 1; i > 0; i--) {
        const r = Math.floor(rand() * (i + 1));
        [shuffled[i], shuffled[r]] = [shuffled[r], shuffled[i]];
      }
      const other = { ...result, abilities: shuffled };
      assert.deepEqual(reportEvidence(data, other).observed_by_group, directGroups(data, result));
    });
  });
}
