/**
 * Item fit on incomplete designs (engine/itemfit-sparse.ts): the S-X2 generalisation reduces to
 * mirt's S-X2 on complete data; with the true parameters both statistics have their nominal null
 * distributions; on a simulated sparse bank fitted by a 2PL, an item generated with guessing is
 * flagged as misfitting, a miskeyed one is flagged, and fewer than 5% of clean items are flagged
 * at alpha = 0.05 (bench/itemfit.ts runs the 20,000-learner size).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import { DEFAULT_FLAG_THRESHOLDS, itemFlags } from '../../src/engine/item-flags.js';
import { itemFitSX2 } from '../../src/engine/itemfit.js';
import { itemFitSparse, sumScoreStride } from '../../src/engine/itemfit-sparse.js';
import { ResponseBuilder } from '../../src/engine/responses.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import { simulateMisfitBank } from '../../src/engine/simulate-misfit.js';
import { bankFromResult, loadResponses, loadResult } from '../helpers/reference.js';

function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1)) };
}

describe('S-X2 for incomplete designs', () => {
  for (const [ds, model, free] of [
    ['LSAT7', '2PL', 2],
    ['SAT12', '2PL', 2],
    ['SAT12', '3PL', 3],
  ] as const) {
    it(`on complete data, one group per score and S-X2's df give mirt's S-X2 (${ds} ${model})`, () => {
      const data = loadResponses(ds);
      const ref = loadResult(ds, model);
      const bank = bankFromResult(ref, data.itemIds);
      const latent = { mean: ref.latent_mean, variance: ref.latent_var };
      const mirt = itemFitSX2(data, bank, latent, { freeParamsPerItem: new Array(data.nItems).fill(free) });
      const ours = itemFitSparse(data, bank, latent, {
        maxGroups: Number.POSITIVE_INFINITY,
        minGroupSize: 1,
        dfSubtract: new Array(data.nItems).fill(free),
      });
      for (let j = 0; j < data.nItems; j++) {
        const m = mirt[j];
        const o = ours[j].sx2;
        assert.ok(m.kind === 'S-X2' && o.kind === 'S-X2-incomplete', `${data.itemIds[j]}: ${o.kind}`);
        assert.equal(o.df, m.df, data.itemIds[j]);
        if (Number.isNaN(m.statistic)) assert.ok(Number.isNaN(o.statistic));
        else
          assert.ok(Math.abs(o.statistic - m.statistic) <= 1e-8 * Math.max(1, m.statistic), data.itemIds[j]);
      }
    });
  }

  it('with the true parameters: ZSTD ~ N(0, 1), S-X2 p ~ uniform (3,000 learners x 20 of 200 items)', (t) => {
    const { data, truth } = simulateResponses({
      model: '2PL',
      nUsers: 3000,
      nItems: 200,
      perUser: 20,
      seed: 5,
    });
    const j0 = data.itemIds.map((id) => Number(id.slice(1)));
    const bank = {
      a: Float64Array.from(j0, (j) => truth.a[j]),
      d: Float64Array.from(j0, (j) => -truth.a[j] * truth.b[j]),
      c: new Float64Array(j0.length),
    };
    const fit = itemFitSparse(data, bank, { mean: 0, variance: 1 }, {});
    const infitZ = meanSd(fit.map((f) => f.meanSquares?.infitZ ?? Number.NaN));
    const outfitZ = meanSd(fit.map((f) => f.meanSquares?.outfitZ ?? Number.NaN));
    const p = fit.map((f) => (f.sx2.kind === 'unavailable' ? Number.NaN : f.sx2.p));
    const below05 = p.filter((x) => x < 0.05).length / p.length;
    t.diagnostic(
      `infit ZSTD mean ${infitZ.mean.toFixed(3)} sd ${infitZ.sd.toFixed(3)}; outfit ZSTD mean ${outfitZ.mean.toFixed(3)} sd ${outfitZ.sd.toFixed(3)}; S-X2 p < 0.05: ${below05}, mean p ${meanSd(p).mean.toFixed(3)}`,
    );
    // Measured: infit -0.025 / 1.041, outfit -0.041 / 1.035; 3% below 0.05, mean p 0.503.
    for (const z of [infitZ, outfitZ]) {
      assert.ok(Math.abs(z.mean) < 0.15 && z.sd > 0.85 && z.sd < 1.15, JSON.stringify(z));
    }
    assert.ok(p.every(Number.isFinite));
    assert.ok(below05 <= 0.07 && Math.abs(meanSd(p).mean - 0.5) < 0.05);
  });

  it('sparse 2PL bank (10,000 learners x 36 of 60 items): guessing and miskeyed items flagged, clean items < 5%', async (t) => {
    const { data, kindOf } = simulateMisfitBank({
      nUsers: 10_000,
      nItems: 60,
      perUser: 36,
      guessing: 1,
      miskeyed: 1,
      seed: 11,
    });
    const r = await new LocalCalibrator().calibrate(data, { model: '2PL', version: 'v', runId: 'r' });
    const at05 = { ...DEFAULT_FLAG_THRESHOLDS, misfitAlpha: 0.05 };
    const clean = r.item_params.filter((it) => kindOf(it.item_id) === 'clean');
    const flaggedAt05 = (id: string) => {
      const it = r.item_params.find((x) => x.item_id === id);
      assert.ok(it?.fit && it.fit.statistic === 'S-X2-incomplete', `${id}: ${JSON.stringify(it?.fit)}`);
      return itemFlags(
        {
          a: it.params.a,
          b: it.params.b,
          fitP: it.fit.p,
          meanSquares: it.mean_squares && {
            infit: it.mean_squares.infit,
            infitZ: it.mean_squares.infit_z ?? Number.NaN,
            outfit: it.mean_squares.outfit,
            outfitZ: it.mean_squares.outfit_z ?? Number.NaN,
          },
        },
        at05,
      );
    };
    const falsePositives = clean.filter((it) => flaggedAt05(it.item_id).includes('misfit')).length;
    const guess = flaggedAt05('i0');
    const miskey = flaggedAt05('i1');
    const p = (id: string) => {
      const f = r.item_params.find((x) => x.item_id === id)?.fit;
      return f && f.statistic !== null ? f.p.toExponential(2) : 'none';
    };
    t.diagnostic(
      `clean items flagged misfit at 0.05: ${falsePositives}/${clean.length}; guessing item p ${p('i0')} [${guess}]; miskeyed item p ${p('i1')} [${miskey}]`,
    );
    assert.ok(guess.includes('misfit'));
    assert.ok(miskey.includes('negative_discrimination'));
    assert.ok(falsePositives / clean.length < 0.05);
    // The result carries the flags (default thresholds) and their counts.
    const counts = (r.fit_meta.metrics.item_flags as { counts: Record<string, number> }).counts;
    assert.equal(counts.negative_discrimination, 1);
    assert.ok(r.item_params.find((x) => x.item_id === 'i1')?.flags?.includes('negative_discrimination'));
    assert.equal(
      counts.misfit,
      r.item_params.filter((it) => it.flags?.includes('misfit')).length,
      'counts match the items',
    );
  });

  it('a learner with 1,500 answers keeps every statistic finite', () => {
    const b = new ResponseBuilder();
    const nItems = 1500;
    for (let u = 0; u < 200; u++) {
      const many = u === 0 ? nItems : 30;
      for (let k = 0; k < many; k++) {
        const j = (u * 37 + k * 11) % nItems;
        b.add(`u${u}`, `i${j}`, (u * 7 + k * 3) % 5 < 3 ? 1 : 0);
      }
    }
    const data = b.build();
    const bank = {
      a: Float64Array.from({ length: data.nItems }, (_, j) => 0.5 + (j % 7) * 0.4),
      d: Float64Array.from({ length: data.nItems }, (_, j) => ((j % 11) - 5) * 0.6),
      c: new Float64Array(data.nItems),
    };
    const fit = itemFitSparse(
      data,
      bank,
      { mean: 0, variance: 1 },
      { minGroupSize: 1, maxGroups: 3, maxLearnerAnswers: Number.POSITIVE_INFINITY },
    );
    for (const f of fit) {
      assert.ok(
        f.meanSquares && Number.isFinite(f.meanSquares.infit) && Number.isFinite(f.meanSquares.outfit),
      );
      if (f.sx2.kind !== 'unavailable') assert.ok(!(f.sx2.statistic < 0), JSON.stringify(f.sx2));
    }
  });

  it('too few informative learners: unavailable, saying how many are needed', () => {
    const { data } = simulateResponses({ model: '2PL', nUsers: 50, nItems: 20, perUser: 5, seed: 3 });
    const bank = {
      a: new Float64Array(data.nItems).fill(1),
      d: new Float64Array(data.nItems),
      c: new Float64Array(data.nItems),
    };
    const fit = itemFitSparse(data, bank, { mean: 0, variance: 1 }, {});
    for (const f of fit) {
      assert.equal(f.sx2.kind, 'unavailable');
      if (f.sx2.kind === 'unavailable') assert.match(f.sx2.reason, /S-X2 needs at least 40 learners/);
    }
  });
});

describe('the sum-score pass is bounded', () => {
  it('sumScoreStride: the smallest stride whose share of learners fits the budget', () => {
    // 4 learners with 10 answers and one with 400 (beyond maxLearnerAnswers: never in the table).
    const userPtr = Int32Array.from([0, 10, 20, 30, 40, 440]);
    const data = {
      nUsers: 5,
      nItems: 400,
      userPtr,
      userItem: new Int32Array(440),
      userResp: new Uint8Array(440),
    };
    const work = 4 * 10 * 10 * 61;
    assert.equal(sumScoreStride(data, 300, 61, work), 1);
    assert.equal(sumScoreStride(data, 300, 61, work - 1), 2);
    assert.equal(sumScoreStride(data, 300, 61, work / 4), 4);
  });
});

describe('mean squares of an item with an extreme slope (given parameters, e.g. a scored bank)', () => {
  // Past a slope of ~120 some node's P underflows to 0; its log was -Inf and the leave-one-out
  // sums NaN, so the item's infit and outfit came out null.
  const { data, truth } = simulateResponses({ nUsers: 400, nItems: 8, perUser: 6, model: '2PL', seed: 5 });
  const infitAt = (slope: number) => {
    const a = Float64Array.from(truth.a);
    a[0] = slope;
    const bank = { a, d: a.map((x, j) => -x * truth.b[j]), c: new Float64Array(8) };
    const fits = itemFitSparse(data, bank, { mean: 0, variance: 1 }, {});
    return fits[0].meanSquares;
  };
  it('are numbers at slopes 130 and 300, and follow on from the slopes below', () => {
    const below = infitAt(80);
    for (const slope of [130, 300]) {
      const ms = infitAt(slope);
      assert.ok(
        ms && Number.isFinite(ms.infit) && Number.isFinite(ms.outfit),
        `slope ${slope}: ${JSON.stringify(ms)}`,
      );
      assert.ok(below && ms.infit >= below.infit && ms.outfit >= below.outfit, `slope ${slope} after 80`);
    }
  });
});
