/** The package's library entry, as another TypeScript/JavaScript program uses it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate, calibrateInline, score } from '../src/index.js';
import { loadResponses, loadResult, personsInOrder } from './helpers/reference.js';

describe('library API', () => {
  it('calibrate (WebAssembly kernel) equals the pure engine on LSAT7 2PL', async () => {
    const data = loadResponses('LSAT7');
    const a = await calibrate(data, { model: '2pl', threads: 2 });
    const b = await calibrateInline(data, { model: '2PL' });
    assert.ok(Math.abs(a.fit.logLik - b.fit.logLik) < 1e-9);
    for (const [j, it] of a.items.entries()) assert.ok(Math.abs(it.a - b.items[j].a) < 1e-9);
    // EAP from the WebAssembly kernel's posterior moments equals the JavaScript scoring.
    for (let u = 0; u < data.nUsers; u++) {
      assert.ok(Math.abs(a.abilities!.theta[u] - b.abilities!.theta[u]) < 1e-9);
      assert.ok(Math.abs(a.abilities!.se[u] - b.abilities!.se[u]) < 1e-9);
    }
  });

  it('score() with mirt fitted parameters gives mirt EAP scores', () => {
    const ref = loadResult('SAT12', '2PL');
    const items = Object.fromEntries(ref.items.map((it) => [it.item_id, { a: it.a, b: it.b, c: it.g }]));
    const data = loadResponses('SAT12');
    const rows: { user_id: string; item_id: string; is_correct: number }[] = [];
    for (let u = 0; u < 50; u++) {
      for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
        rows.push({
          user_id: data.userIds[u],
          item_id: data.itemIds[data.userItem[k]],
          is_correct: data.userResp[k],
        });
      }
    }
    const scores = score({ items, responses: rows });
    const want = personsInOrder(
      ref.eap,
      scores.map((s) => s.user_id),
    );
    scores.forEach((s, i) => {
      assert.ok(Math.abs(s.theta - want[i].theta!) < 1e-6);
      assert.ok(Math.abs(s.se! - want[i].se!) < 1e-6);
      assert.equal(s.n, 32);
    });
    assert.throws(
      () => score({ items, responses: [{ user_id: 'x', item_id: 'nope', is_correct: 1 }] }),
      /no parameters for item "nope"/,
    );
  });

  it('the built package resolves by its name', async () => {
    const mod = await import('mirt-calibrate');
    assert.equal(typeof mod.calibrate, 'function');
    assert.equal(typeof mod.score, 'function');
    assert.equal(mod.parseModel('rasch'), 'Rasch');
  });
});
