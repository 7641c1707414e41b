/**
 * The whole calibration against mirt 1.47 on the shared reference data sets (tolerances from
 * ../shared/reference/README.md). Where we reach a higher objective than mirt (mirt stopped its
 * 3PL short of the optimum), the parameters are not compared: a better optimum is allowed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate } from '../../src/engine/calibrate.js';
import { logPriorG } from '../../src/engine/mstep.js';
import { DEFAULT_C_PRIOR } from '../../src/engine/types.js';
import { DATASETS, loadResponses, loadResult, MODELS, personsInOrder, referenceAvailable } from '../helpers/reference.js';

const LL_TOL = 0.01;
const EAP_TOL = 0.005;

describe('calibrate agrees with mirt on the reference data', { skip: !referenceAvailable() && 'no ../shared/reference' }, () => {
  for (const ds of DATASETS) {
    const data = loadResponses(ds);
    for (const m of MODELS) {
      it(`${ds} ${m}`, async () => {
        const ref = loadResult(ds, m);
        const prior = m === '3PLprior' ? DEFAULT_C_PRIOR : { kind: 'none' as const };
        const r = await calibrate(data, { model: m === '3PLprior' ? '3PL' : m, cPrior: prior });
        assert.equal(r.fit.nParams, ref.nest, 'free parameters');
        // The objective EM maximises: logLik, plus the log prior density of each logit c.
        const refPrior = ref.items.reduce((s, it) => s + logPriorG(prior, Math.log(it.g / (1 - it.g))).f, 0);
        const ours = r.fit.logLik + r.fit.logPrior;
        const theirs = ref.logLik + (m === '3PLprior' ? refPrior : 0);
        assert.ok(ours >= theirs - LL_TOL, `objective ${ours} below mirt's ${theirs}`);
        assert.ok(r.converged, 'converged');
        if (ours > theirs + LL_TOL) {
          // A better optimum than mirt's, only where mirt's 3PL creeps (documented in the README).
          assert.ok(m.startsWith('3PL'), `higher objective than mirt only expected for the 3PL (${ours} vs ${theirs})`);
          return;
        }
        const tol = m.startsWith('3PL') ? 0.05 : 0.01;
        const byId = new Map(ref.items.map((x) => [x.item_id, x]));
        for (const item of r.items) {
          const want = byId.get(item.id)!;
          assert.ok(Math.abs(item.a - want.a) <= tol, `${item.id} a ${item.a} vs ${want.a}`);
          assert.ok(Math.abs(item.b - want.b) <= tol, `${item.id} b ${item.b} vs ${want.b}`);
          assert.ok(Math.abs(item.c - want.g) <= tol, `${item.id} c ${item.c} vs ${want.g}`);
        }
        assert.ok(Math.abs(r.latent.variance - ref.latent_var) <= 0.01, `latent variance ${r.latent.variance}`);
        const eap = personsInOrder(ref.eap, r.userIds);
        const ab = r.abilities!;
        for (let u = 0; u < eap.length; u++) {
          assert.ok(Math.abs(ab.theta[u] - eap[u].theta!) <= EAP_TOL, `${r.userIds[u]} theta ${ab.theta[u]} vs ${eap[u].theta}`);
          assert.ok(Math.abs(ab.se[u] - eap[u].se!) <= EAP_TOL, `${r.userIds[u]} se ${ab.se[u]} vs ${eap[u].se}`);
        }
      });
    }
  }
});
