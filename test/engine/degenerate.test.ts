/** Degenerate and dirty inputs: each gives a defined result or a clear error. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate, FALLBACK_A_PRIOR } from '../../src/engine/calibrate.js';
import { ResponseBuilder, responsesFromObservations } from '../../src/engine/responses.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import {
  DEFAULT_A_PRIOR,
  DEFAULT_B_PRIOR,
  EngineInputError,
  parseCPrior,
  parseModel,
} from '../../src/engine/types.js';

/** A clean simulated base to which the tests add their awkward rows. */
function base(extra: (b: ResponseBuilder) => void) {
  const { data } = simulateResponses({ model: '2PL', nUsers: 400, nItems: 8, seed: 2 });
  const b = new ResponseBuilder();
  for (let u = 0; u < data.nUsers; u++) {
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++)
      b.add(data.userIds[u], data.itemIds[data.userItem[k]], data.userResp[k]);
  }
  extra(b);
  return b.build();
}

describe('degenerate inputs', () => {
  it('unknown models and bad priors are errors, names are case-insensitive', () => {
    assert.equal(parseModel('rasch'), 'Rasch');
    assert.equal(parseModel('3pl'), '3PL');
    assert.equal(parseModel('4pl'), '4PL');
    assert.throws(() => parseModel('5PL'), EngineInputError);
    assert.throws(() => parseModel(''), EngineInputError);
    assert.deepEqual(parseCPrior('beta:5:17'), { kind: 'beta', alpha: 5, beta: 17 });
    assert.throws(() => parseCPrior('normal:0:-1'), EngineInputError);
  });

  it('empty data is a clear error', () => {
    assert.throws(() => new ResponseBuilder().build(), /no usable observations/);
  });

  it('one item is a clear error (nothing beyond its proportion correct is identified)', async () => {
    const data = responsesFromObservations([
      { user_id: 'a', item_id: 'q', is_correct: 1 },
      { user_id: 'b', item_id: 'q', is_correct: 0 },
    ]);
    await assert.rejects(calibrate(data, { model: '2PL' }), /at least 2 estimable items/);
  });

  it('one user: every item is all right or all wrong, so nothing is estimable', () => {
    assert.throws(
      () =>
        responsesFromObservations([
          { user_id: 'a', item_id: 'q1', is_correct: 1 },
          { user_id: 'a', item_id: 'q2', is_correct: 0 },
        ]),
      /no usable observations \(2 item\(s\) excluded/,
    );
  });

  it('items everyone got right or wrong are excluded and listed; their only users are counted', async () => {
    const data = base((b) => {
      for (let u = 0; u < 30; u++) b.add(`u${u}`, 'easy', true);
      for (let u = 0; u < 30; u++) b.add(`u${u}`, 'hard', 'false');
      b.add('lonely', 'easy', 1);
    });
    const r = await calibrate(data, { model: '2PL' });
    const ex = r.hygiene.excludedItems.map((x) => `${x.id}:${x.reason}:${x.n}`).sort();
    assert.deepEqual(ex, ['easy:all_correct:31', 'hard:all_wrong:30']);
    assert.equal(r.hygiene.dropped.excludedItem, 61);
    assert.equal(r.hygiene.usersWithoutResponses, 1);
    assert.ok(!r.userIds.includes('lonely'));
    assert.equal(r.items.length, 8);
  });

  it('all-right and all-wrong users: finite EAP; ML at the bound with a flag, never NaN or infinite', async () => {
    const data = base((b) => {
      for (const id of ['i0', 'i1', 'i2']) {
        b.add('ace', id, 1);
        b.add('zero', id, 0);
      }
      b.add('single', 'i3', 1);
    });
    const eap = await calibrate(data, { model: '2PL' });
    const ml = await calibrate(data, { model: '2PL', scoreMethod: 'ML' });
    const at = (id: string) => data.userIds.indexOf(id);
    for (const r of [eap, ml]) {
      for (let u = 0; u < data.nUsers; u++)
        assert.ok(Number.isFinite(r.abilities!.theta[u]), `theta of ${data.userIds[u]}`);
    }
    assert.ok(eap.abilities!.theta[at('ace')] > 0.5 && eap.abilities!.theta[at('zero')] < -0.5);
    assert.equal(ml.abilities!.pattern[at('ace')], 1);
    assert.equal(ml.abilities!.pattern[at('zero')], 2);
    assert.ok(ml.abilities!.theta[at('ace')] > 0 && Number.isNaN(ml.abilities!.se[at('ace')]));
    assert.ok(Number.isFinite(eap.abilities!.se[at('single')]));
  });

  it('duplicates keep the first answer by time (or arrival); NULL correctness is dropped, not wrong', () => {
    const b = new ResponseBuilder();
    b.add('u', 'i', 1, 2000);
    b.add('u', 'i', 0, 1000); // earlier: kept
    b.add('u', 'j', 0);
    b.add('u', 'j', 1); // same time unknown: first seen kept
    b.add('u', 'k', null);
    b.add('u', 'k', '');
    b.add('u', 'k', 'maybe');
    b.add(null, 'k', 1);
    b.add('v', 'i', 1);
    b.add('v', 'j', 1);
    b.reject('unparsable_json');
    const d = b.build();
    assert.equal(d.hygiene.rowsRead, 11);
    assert.equal(d.hygiene.dropped.duplicate, 2);
    assert.equal(d.hygiene.dropped.nullCorrect, 2);
    assert.equal(d.hygiene.dropped.invalidCorrect, 1);
    assert.equal(d.hygiene.dropped.missingId, 1);
    assert.deepEqual(d.hygiene.dropped.rejected, { unparsable_json: 1 });
    const u = d.userIds.indexOf('u');
    const answers = new Map<string, number>();
    for (let k = d.userPtr[u]; k < d.userPtr[u + 1]; k++)
      answers.set(d.itemIds[d.userItem[k]], d.userResp[k]);
    assert.deepEqual(Object.fromEntries(answers), { i: 0, j: 0 });
    const last = new ResponseBuilder({ duplicatePolicy: 'last' });
    last.add('u', 'i', 1, 2000);
    last.add('u', 'i', 0, 1000);
    last.add('v', 'i', 0);
    const dl = last.build();
    assert.equal(dl.userResp[dl.userPtr[dl.userIds.indexOf('u')]], 1);
  });

  it('an item whose slope runs off (a few answers, perfectly separated) is held by the fallback prior, kept and flagged', async () => {
    // The two highest raw scores answer the new item right, the two lowest wrong: its 2PL slope
    // has no finite maximum likelihood estimate.
    const plain = base(() => {});
    const sums = plain.userIds.map((id, u) => {
      let c = 0;
      for (let k = plain.userPtr[u]; k < plain.userPtr[u + 1]; k++) c += plain.userResp[k];
      return { id, c };
    });
    sums.sort((x, y) => x.c - y.c);
    const data = base((b) => {
      for (const s of sums.slice(-2)) b.add(s.id, 'separated', 1);
      for (const s of sums.slice(0, 2)) b.add(s.id, 'separated', 0);
    });
    const r = await calibrate(data, { model: '2PL' });
    assert.ok(r.converged, 'the run converges');
    assert.ok(r.items.every((it) => Math.abs(it.a) < 50));
    assert.deepEqual(r.hygiene.excludedItems, [], 'nothing is left out');
    assert.equal(r.hygiene.dropped.excludedItem, 0);
    const it = r.items.find((x) => x.id === 'separated');
    assert.ok(it, 'the item is in the result');
    assert.ok(it.a > 0 && Number.isFinite(it.b) && it.se.a !== null && it.se.b !== null, JSON.stringify(it));
    assert.ok(it.flags.includes('slope_held') && it.flags.includes('provisional'), it.flags.join());
    assert.deepEqual(r.slopesHeld, { prior: FALLBACK_A_PRIOR, items: [{ id: 'separated', n: 4 }] });
    // The other items are estimated without any prior, as mirt would.
    assert.ok(r.items.filter((x) => x.id !== 'separated').every((x) => !x.flags.includes('slope_held')));
    assert.equal(r.userIds.length, data.nUsers, 'everyone still has answers');
  });

  it('items below the minimum count are kept, estimated and flagged provisional', async () => {
    const b = new ResponseBuilder({ minItemResponses: 3 });
    for (const [u, i, x] of [
      ['a', 'p', 1],
      ['b', 'p', 0],
      ['c', 'p', 1],
      ['a', 'rare', 1],
      ['b', 'rare', 0],
    ] as const)
      b.add(u, i, x);
    const d = b.build();
    assert.deepEqual(d.itemIds, ['p', 'rare']);
    assert.deepEqual(d.hygiene.excludedItems, []);
    const r = await calibrate(d, { model: '2PL', aPrior: DEFAULT_A_PRIOR, bPrior: DEFAULT_B_PRIOR });
    const flags = Object.fromEntries(r.items.map((it) => [it.id, it.flags]));
    assert.ok(flags.rare.includes('provisional') && !flags.p.includes('provisional'), JSON.stringify(flags));
    assert.equal(r.flagThresholds.minResponses, 3);
  });

  it('a user with thousands of answers gets a finite EAP (log-space scoring)', async () => {
    const { data } = simulateResponses({ model: '2PL', nUsers: 300, nItems: 3000, perUser: 3000, seed: 4 });
    const r = await calibrate(data, { model: '2PL', maxCycles: 5, standardErrors: 'none', itemFit: false });
    for (let u = 0; u < data.nUsers; u++)
      assert.ok(Number.isFinite(r.abilities!.theta[u]) && r.abilities!.se[u] > 0);
  });
});
