/**
 * The item priors of issue 11 at the level of a run: what they flag (prior_dominated, and
 * negative_discrimination for a miskeyed item that the slope prior keeps above 0), their
 * standard errors (Louis' item blocks against the full observed information), the EM history,
 * and how the result names them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCalibrateResponse } from '../../src/calibrators/to-contract.js';
import { calibrate } from '../../src/engine/calibrate.js';
import { EmMap, inlineExecutor } from '../../src/engine/em.js';
import { EmHistoryRecorder } from '../../src/engine/em-history.js';
import { marginalGradient } from '../../src/engine/information.js';
import { probabilityIrt } from '../../src/engine/models/logistic.js';
import { ParamLayout } from '../../src/engine/params.js';
import { ResponseBuilder } from '../../src/engine/responses.js';
import { normalDraw, seededRandom, simulateResponses } from '../../src/engine/simulate.js';
import { runEm } from '../../src/engine/squarem.js';
import {
  DEFAULT_A_PRIOR,
  DEFAULT_B_PRIOR,
  DEFAULT_C_PRIOR,
  parseAPrior,
  parseBPrior,
} from '../../src/engine/types.js';

/** 1,500 learners x 20 items, plus item `new` answered by 12 and item `miskeyed` (a = -1.2). */
function bank(seed: number) {
  const rand = seededRandom(seed);
  const b = new ResponseBuilder({ minItemResponses: 30 });
  const items = Array.from({ length: 20 }, () => ({
    a: Math.exp(0.25 * normalDraw(rand)),
    b: normalDraw(rand),
  }));
  for (let u = 0; u < 1500; u++) {
    const theta = normalDraw(rand);
    const say = (id: string, a: number, d: number) =>
      b.add(`u${u}`, id, rand() < probabilityIrt(a, d, 0, 1, theta) ? 1 : 0);
    items.forEach((it, j) => {
      say(`i${j}`, it.a, it.b);
    });
    if (u < 12) say('new', 1, 0.5);
    if (u % 3 === 0) say('miskeyed', -1.2, 0);
  }
  return b.build();
}

describe('the item priors in a run', () => {
  const data = bank(5);
  const withPriors = calibrate(data, { model: '2PL', aPrior: DEFAULT_A_PRIOR, bPrior: DEFAULT_B_PRIOR });

  it('an item answered 12 times is provisional and prior-dominated; established items are neither', async () => {
    const r = await withPriors;
    const it = r.items.find((x) => x.id === 'new');
    assert.ok(it?.flags.includes('provisional') && it.flags.includes('prior_dominated'), it?.flags.join());
    for (const x of r.items.filter((y) => y.id.startsWith('i'))) {
      assert.ok(
        !x.flags.includes('prior_dominated') && !x.flags.includes('provisional'),
        `${x.id}: ${x.flags}`,
      );
    }
  });

  it('a miskeyed item keeps a > 0 under the slope prior but is still flagged negative_discrimination', async () => {
    const r = await withPriors;
    const it = r.items.find((x) => x.id === 'miskeyed');
    assert.ok(it && it.a > 0, `a = ${it?.a}`);
    assert.ok(it.flags.includes('negative_discrimination'), it.flags.join());
    const honest = r.items.filter((x) => x.id.startsWith('i') && x.flags.includes('negative_discrimination'));
    assert.deepEqual(honest, []);
    // Without priors the slope itself is negative (mirt's fit).
    const plain = await calibrate(data, { model: '2PL', itemFit: false });
    assert.ok((plain.items.find((x) => x.id === 'miskeyed')?.a ?? 0) < -0.5);
  });

  it("standard errors include the priors' curvature: Louis' item blocks agree with the full information", async () => {
    const full = await calibrate(data, {
      model: '2PL',
      aPrior: DEFAULT_A_PRIOR,
      bPrior: DEFAULT_B_PRIOR,
      standardErrors: 'full',
      itemFit: false,
      scoreMethod: null,
    });
    const item = await calibrate(data, {
      model: '2PL',
      aPrior: DEFAULT_A_PRIOR,
      bPrior: DEFAULT_B_PRIOR,
      standardErrors: 'item',
      itemFit: false,
      scoreMethod: null,
    });
    for (let j = 0; j < full.items.length; j++) {
      for (const p of ['a', 'b'] as const) {
        const f = full.items[j].se[p] as number;
        const i = item.items[j].se[p] as number;
        assert.ok(Math.abs(i - f) <= 0.1 * f, `${full.items[j].id} se ${p}: item ${i}, full ${f}`);
      }
    }
    // The prior bounds the 12-answer item's SE of b by about the prior's SD (2); without it, larger.
    const seB = full.items.find((x) => x.id === 'new')?.se.b as number;
    assert.ok(seB < 2, `se b ${seB}`);
  });

  it('the result names the priors in the model spec, with the EM history in the metrics', async () => {
    const r = await withPriors;
    const out = toCalibrateResponse(r, { version: 'v', runId: 'run' }, 1);
    assert.equal(out.fit_meta.model_spec.a_prior, 'lognormal:0:0.5');
    assert.equal(out.fit_meta.model_spec.b_prior, 'normal:0:2');
    assert.deepEqual(parseAPrior(out.fit_meta.model_spec.a_prior as string), DEFAULT_A_PRIOR);
    assert.deepEqual(parseBPrior(out.fit_meta.model_spec.b_prior as string), DEFAULT_B_PRIOR);
    const h = out.fit_meta.metrics.em_history as {
      cycles: number[];
      objective: number[];
      maxChange: number[];
    };
    assert.equal(h.cycles.at(-1), r.cycles, 'the last cycle is recorded');
    assert.ok((h.maxChange.at(-1) as number) < 1e-4, 'converged: the last change is below tol');
    assert.ok(h.objective.length === h.cycles.length && h.objective.length >= 3);
    // The objective never falls from one recorded cycle to the next (EM and accepted jumps).
    for (let k = 1; k < h.objective.length; k++) assert.ok(h.objective[k] >= h.objective[k - 1] - 1e-3);
    const plain = toCalibrateResponse(
      await calibrate(data, { model: '2PL', itemFit: false }),
      { version: 'v', runId: 'r' },
      1,
    );
    assert.equal(plain.fit_meta.model_spec.a_prior, 'none');
  });

  it('bad prior specifications are errors naming the prior', () => {
    assert.throws(() => parseAPrior('normal:0:1'), /bad a prior/);
    assert.throws(() => parseAPrior('lognormal:0:0'), /bad a prior/);
    assert.throws(() => parseBPrior('normal:0'), /bad b prior/);
    assert.deepEqual(parseBPrior(' NONE '), { kind: 'none' });
  });
});

describe('the EM history', () => {
  it('keeps every cycle of a short run, rounded', () => {
    const h = new EmHistoryRecorder(8);
    for (let c = 1; c <= 5; c++) h.add(c, -1000.123456789 + c, 0.123456 / c);
    const out = h.history();
    assert.deepEqual(out.cycles, [1, 2, 3, 4, 5]);
    assert.equal(out.objective[0], -999.1235);
    assert.equal(out.maxChange[0], 0.123);
    assert.equal(out.stride, 1);
  });

  it('thins a long run to an even stride within the cap, keeping the first and the last cycle', () => {
    const h = new EmHistoryRecorder(8);
    for (let c = 1; c <= 100; c++) h.add(c, -c, 1 / c);
    const out = h.history();
    assert.ok(out.cycles.length <= 9, `${out.cycles.length} entries`);
    assert.equal(out.cycles[0], 1);
    assert.equal(out.cycles.at(-1), 100);
    const steps = out.cycles.slice(1, -1).map((c, k) => c - out.cycles[k]);
    assert.ok(
      steps.every((s) => s === out.stride),
      `stride ${out.stride}: ${out.cycles}`,
    );
  });
});

describe('the M-step under the item priors reaches the posterior mode', () => {
  for (const model of ['Rasch', '1PL', '2PL', '3PL'] as const) {
    it(`${model}: the marginal gradient of logLik + log prior vanishes at EM's fixed point`, async () => {
      const { data } = simulateResponses({ model, nUsers: 400, nItems: 8, perUser: 5, seed: 21 });
      const options = {
        model,
        quadPoints: 41,
        quadRange: 6,
        maxCycles: 2000,
        tol: 1e-8,
        cPrior: DEFAULT_C_PRIOR,
        aPrior: { kind: 'lognormal', meanlog: 0.2, sdlog: 0.4 } as const,
        bPrior: { kind: 'normal', mean: 0.5, sd: 0.8 } as const,
        acceleration: 'squarem' as const,
      };
      const layout = new ParamLayout(model, data.nItems);
      const r = await runEm(data, options, inlineExecutor(), undefined, { layout });
      assert.ok(r.converged, `${model} converged`);
      assert.ok(r.logPrior < 0, 'the priors are in the objective');
      const g = new Float64Array(layout.size);
      await marginalGradient(new EmMap(data, options, inlineExecutor(), layout), r.x, g);
      const largest = Math.max(...g.map(Math.abs));
      assert.ok(largest < 1e-3, `${model}: largest gradient entry ${largest}`);
    });
  }
});
