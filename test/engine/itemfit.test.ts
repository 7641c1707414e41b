/**
 * S-X2 against mirt 1.47's itemfit(fit, 'S_X2'), using mirt's own fitted items and latent
 * distribution. Tolerances: statistic 1e-9 relative, p and RMSEA 1e-10 absolute, df exact
 * [measured: statistic 2e-13 absolute, p 6e-15, RMSEA 4e-16].
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { itemFitSX2 } from '../../src/engine/itemfit.js';
import type { ItemBank } from '../../src/engine/models.js';
import { chiSquareUpper, gammaQ, logGamma } from '../../src/engine/stats.js';
import type { ItemFit } from '../../src/engine/types.js';
import {
  bankFromResult,
  DATASETS,
  loadResponses,
  loadResult,
  MODELS,
  type ReferenceModel,
} from '../helpers/reference.js';

/** Free parameters as mirt counts them for S-X2 df: [per item, latent distribution]. */
const FREE: Record<ReferenceModel, [number, number]> = {
  Rasch: [1, 1],
  '1PL': [2, 0],
  '2PL': [2, 0],
  '3PL': [3, 0],
  '3PLprior': [3, 0],
};

describe('S-X2 against mirt 1.47 itemfit', () => {
  for (const ds of DATASETS) {
    const data = loadResponses(ds);
    for (const model of MODELS) {
      it(`${ds} ${model}`, () => {
        const ref = loadResult(ds, model);
        const bank = bankFromResult(ref, data.itemIds);
        const fit = itemFitSX2(
          data,
          bank,
          { mean: ref.latent_mean, variance: ref.latent_var },
          {
            freeParamsPerItem: new Array(data.nItems).fill(FREE[model][0]),
            freeLatentParams: FREE[model][1],
          },
        );
        assert.equal(fit.length, data.nItems);
        for (const row of ref.itemfit) {
          const f: ItemFit = fit[data.itemIds.indexOf(row.item)];
          assert.equal(f.kind, 'S-X2');
          if (f.kind !== 'S-X2') continue;
          const where: string = `${row.item}: ours ${f.statistic} df ${f.df}, mirt ${row.S_X2} df ${row['df.S_X2']}`;
          if (row.S_X2 === null) {
            assert.ok(Number.isNaN(f.statistic) && Number.isNaN(f.p), where);
            if (row['df.S_X2'] !== null) assert.equal(f.df, row['df.S_X2'], where);
            continue;
          }
          assert.equal(f.df, row['df.S_X2'], where);
          assert.ok(Math.abs(f.statistic - row.S_X2) <= 1e-9 * Math.max(1, row.S_X2), where);
          assert.ok(Math.abs(f.p - row['p.S_X2']!) <= 1e-10, where);
          assert.ok(Math.abs(f.rmsea - row['RMSEA.S_X2']!) <= 1e-10, where);
        }
      });
    }
  }

  it('sparse data: every item unavailable, with the count of incomplete users', () => {
    const full = loadResponses('LSAT7');
    const ref = loadResult('LSAT7', '2PL');
    const bank = bankFromResult(ref, full.itemIds);
    // Drop the last answer of users 0 and 1.
    const userPtr = Int32Array.from(full.userPtr);
    const keep: number[] = [];
    for (let u = 0; u < full.nUsers; u++) {
      for (let k = full.userPtr[u]; k < full.userPtr[u + 1]; k++) {
        if (u < 2 && k === full.userPtr[u + 1] - 1) continue;
        keep.push(k);
      }
    }
    let o = 0;
    for (let u = 0; u < full.nUsers; u++) {
      userPtr[u] = o;
      for (let k = full.userPtr[u]; k < full.userPtr[u + 1]; k++)
        if (!(u < 2 && k === full.userPtr[u + 1] - 1)) o++;
    }
    userPtr[full.nUsers] = o;
    const sparse = {
      nUsers: full.nUsers,
      userPtr,
      userItem: Int32Array.from(keep, (k) => full.userItem[k]),
      userResp: Uint8Array.from(keep, (k) => full.userResp[k]),
    };
    const fit = itemFitSX2(sparse, bank, { mean: 0, variance: 1 }, { freeParamsPerItem: [2, 2, 2, 2, 2] });
    assert.equal(fit.length, 5);
    for (const f of fit) {
      assert.deepEqual(f, {
        kind: 'unavailable',
        reason: 'S-X2 needs complete data: 2 of 1000 users did not answer every item',
      });
    }
  });

  it('rejects a freeParamsPerItem of the wrong length', () => {
    const bank: ItemBank = { a: new Float64Array(3).fill(1), d: new Float64Array(3), c: new Float64Array(3) };
    const data = {
      nUsers: 0,
      userPtr: Int32Array.from([0]),
      userItem: new Int32Array(0),
      userResp: new Uint8Array(0),
    };
    assert.throws(() => itemFitSX2(data, bank, { mean: 0, variance: 1 }, { freeParamsPerItem: [2, 2] }));
  });
});

describe('chi-square tail', () => {
  it('matches closed forms and known quantiles', () => {
    // Even df: Q(k, y) = e^-y sum_{i<k} y^i / i!.
    for (const df of [2, 4, 10, 60]) {
      for (const x of [0.5, 3, 17.2, 55, 120]) {
        const y = x / 2;
        let term = 1;
        let sum = 1;
        for (let i = 1; i < df / 2; i++) {
          term *= y / i;
          sum += term;
        }
        const want = Math.exp(-y) * sum;
        assert.ok(
          Math.abs(chiSquareUpper(x, df) - want) <= 1e-13 * Math.max(want, 1e-300) + 1e-300,
          `${x} ${df}`,
        );
      }
    }
    assert.ok(Math.abs(chiSquareUpper(3.841458820694124, 1) - 0.05) < 1e-14);
    assert.ok(Math.abs(chiSquareUpper(6.634896601021214, 1) - 0.01) < 1e-14);
    assert.ok(Math.abs(chiSquareUpper(18.307038053275146, 10) - 0.05) < 1e-14);
    assert.equal(chiSquareUpper(0, 3), 1);
    assert.ok(Number.isNaN(chiSquareUpper(1, 0)));
    assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-14);
    assert.ok(Math.abs(logGamma(101) - 363.73937555556347) < 1e-10);
    assert.ok(Math.abs(gammaQ(1, 2) - Math.exp(-2)) < 1e-15);
  });
});
