/**
 * Issue 11's sparse new bank: 300 learners, 2,000 items, 295 learners answering 40 items each
 * (about 6 answers per item) and 5 learners answering everything. On main before the priors, a
 * 2PL left out 1,914 items as slope_diverged one after another and stopped unconverged after
 * 1,693 cycles. With the unattended defaults (a ~ lognormal(0, 0.5), b ~ N(0, 2^2)) every item
 * that has a right and a wrong answer is estimated, flagged and has standard errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate } from '../../src/engine/calibrate.js';
import { probabilityIrt } from '../../src/engine/models/logistic.js';
import { ResponseBuilder, type ResponseData } from '../../src/engine/responses.js';
import { normalDraw, seededRandom } from '../../src/engine/simulate.js';
import { DEFAULT_A_PRIOR, DEFAULT_B_PRIOR } from '../../src/engine/types.js';

/** The design, 2PL truth a ~ logN(0, 0.25^2), b ~ N(0, 1), theta ~ N(0, 1). */
export function sparseNewBank(seed: number): ResponseData {
  const rand = seededRandom(seed);
  const nUsers = 300;
  const nItems = 2000;
  const a = Float64Array.from({ length: nItems }, () => Math.exp(0.25 * normalDraw(rand)));
  const b = Float64Array.from({ length: nItems }, () => normalDraw(rand));
  const builder = new ResponseBuilder({ minItemResponses: 30 });
  const pick = Int32Array.from({ length: nItems }, (_, j) => j);
  for (let u = 0; u < nUsers; u++) {
    const theta = normalDraw(rand);
    const k = u < 5 ? nItems : 40;
    for (let s = 0; s < k; s++) {
      const r = s + Math.floor(rand() * (nItems - s));
      [pick[s], pick[r]] = [pick[r], pick[s]];
      const j = pick[s];
      builder.add(`u${u}`, `i${j}`, rand() < probabilityIrt(a[j], b[j], 0, 1, theta) ? 1 : 0);
    }
  }
  return builder.build();
}

describe('a sparse new bank (issue 11, 300 x 2,000)', () => {
  it('with the default priors: every informative item estimated and flagged, learners scored, converged within 500 cycles', async () => {
    const data = sparseNewBank(11);
    assert.equal(data.nObs + data.hygiene.dropped.excludedItem, 295 * 40 + 5 * 2000);
    const r = await calibrate(data, { model: '2PL', aPrior: DEFAULT_A_PRIOR, bPrior: DEFAULT_B_PRIOR });
    // Only items without information are left out, and each is listed as such.
    for (const x of r.hygiene.excludedItems)
      assert.ok(x.reason === 'all_correct' || x.reason === 'all_wrong');
    assert.equal(r.items.length + r.hygiene.excludedItems.length, 2000);
    for (const it of r.items) {
      assert.ok(it.a > 0 && it.a < 10 && Math.abs(it.b) < 10, `${it.id}: a ${it.a}, b ${it.b}`);
      assert.ok(it.se.a !== null && it.se.b !== null, `${it.id} has standard errors`);
      assert.ok(it.flags.includes('provisional'), `${it.id} has ${it.n} < 30 answers`);
    }
    assert.ok(r.converged, `converged (${r.cycles} cycles)`);
    assert.ok(r.cycles <= 500);
    assert.equal(r.slopesHeld, null, 'no slope runs off under the slope prior');
    const scored = r.abilities?.theta.filter(Number.isFinite).length ?? 0;
    assert.ok(scored >= 0.95 * 300, `${scored} of 300 learners scored`);
  });
});
