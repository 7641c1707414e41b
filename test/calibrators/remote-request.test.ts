/** The remote client's request body: a 4PL anchor's upper asymptote goes with it (else the service pins u = 1). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrateRequestJson } from '../../src/calibrators/remote-request.js';
import { validateCalibrateRequest } from '../../src/contract/validate.js';
import { loadResponses } from '../helpers/reference.js';

describe('calibrateRequestJson', () => {
  it('sends u of a 4PL anchor, and none where it is 1', () => {
    const body = JSON.parse(
      calibrateRequestJson(loadResponses('LSAT7'), {
        model: '4PL',
        version: 'v',
        runId: 'r',
        uPrior: 'normal:1.1:2',
        anchors: { 'Item.1': { a: 1.2, b: -1, c: 0.1, u: 0.93 }, 'Item.2': { a: 1, b: 0, c: 0.2 } },
      }),
    );
    assert.deepEqual(body.anchors, [
      { item_id: 'Item.1', a: 1.2, b: -1, c: 0.1, u: 0.93 },
      { item_id: 'Item.2', a: 1, b: 0, c: 0.2 },
    ]);
    assert.equal(body.u_prior, 'normal:1.1:2');
    // What our service reads of it.
    const read = validateCalibrateRequest(body).options.anchors;
    assert.equal(read?.fixed.get('Item.1')?.u, 0.93);
    assert.equal(read?.fixed.get('Item.2')?.u, 1);
  });
});
