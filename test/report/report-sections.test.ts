/**
 * The report's sections, from real fits: the reliability headline on complete and incomplete
 * data, the typical form's information against a learner-by-learner sum, the observed
 * proportions by ability group, item order, the item-fit columns, hygiene in words, table markup,
 * and the page size of a 1,000-item bank (curves folded above 200 items).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { ResponseBuilder, type ResponseData } from '../../src/engine/responses.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import { FOLD_ABOVE } from '../../src/report/item-curves.js';
import { reportEvidence, withReportEvidence } from '../../src/report/observed-groups.js';
import { renderReport } from '../../src/report/report.js';
import { checkResult } from '../../src/report/result-shape.js';
import { informationCurve, itemInfo, THETA } from '../../src/report/test-information.js';
import { loadResponses } from '../helpers/reference.js';

const fit = (data: ResponseData, model = '2PL') =>
  new LocalCalibrator().calibrate(data, { model, version: 'v1', runId: 'run-1' });

/** 2PL answers: `perUser` random items of `nItems` per learner. */
const sparse = (nUsers: number, nItems: number, perUser: number, seed = 3) =>
  simulateResponses({ model: '2PL', nUsers, nItems, perUser, seed }).data;

/** The text of the page without its markup. */
const text = (html: string) => html.replace(/<style>.*?<\/style>/s, '').replace(/<[^>]+>/g, ' ');

describe('report sections', () => {
  let sparseData: ResponseData;
  let sparseResult: CalibrateResponse;
  before(async () => {
    sparseData = sparse(3000, 100, 20);
    sparseResult = withReportEvidence(await fit(sparseData), sparseData);
  });

  it('incomplete data: the empirical reliability is the headline, the marginal one beside it, explained', () => {
    const m = sparseResult.fit_meta.metrics;
    const [emp, marg] = [m.empirical_reliability as number, m.reliability as number];
    assert.ok(marg - emp > 0.1, `the gap the issue is about: marginal ${marg}, empirical ${emp}`);
    const html = renderReport(sparseResult);
    assert.match(
      html,
      new RegExp(
        `<span class="big">${emp.toFixed(3)}</span> empirical reliability \\(of these learners&#39; ability estimates\\)`,
      ),
    );
    assert.ok(
      html.includes(
        `Marginal reliability ${marg.toFixed(3)}: that of the whole bank of 100 items answered by every learner; learners answered a median of 20 items each`,
      ),
    );
    assert.match(
      html,
      /incomplete: 20\.0% of the learner × item table answered; answers per learner: median 20/,
    );
  });

  it('complete data: the marginal reliability is the headline, the empirical one beside it', async () => {
    const r = await fit(loadResponses('LSAT7'));
    const m = r.fit_meta.metrics;
    const html = renderReport(r);
    assert.match(
      html,
      new RegExp(`<span class="big">${(m.reliability as number).toFixed(3)}</span> marginal reliability`),
    );
    assert.ok(
      html.includes(
        `Empirical reliability of the ability estimates: ${(m.empirical_reliability as number).toFixed(3)}.`,
      ),
    );
    assert.match(html, /complete: every learner answered every item/);
    assert.match(html, /test information \(all 5 items, which every learner answered\)/);
  });

  it("the typical form's information is the learners' own forms' information, averaged (summed learner by learner)", () => {
    const spec = sparseResult.fit_meta.model_spec;
    const byId = new Map(sparseResult.item_params.map((it) => [it.item_id, it]));
    const curve = informationCurve(sparseResult.item_params, spec.n_users, spec.n_obs as number, 20);
    assert.equal(curve.kind, 'typical-form');
    for (const k of [10, 40, 60]) {
      // Every learner's form, item by item, at THETA[k]: the mean over learners.
      let sum = 0;
      for (let u = 0; u < sparseData.nUsers; u++)
        for (let p = sparseData.userPtr[u]; p < sparseData.userPtr[u + 1]; p++)
          sum += itemInfo(byId.get(sparseData.itemIds[sparseData.userItem[p]])!, THETA[k]);
      const direct = sum / sparseData.nUsers;
      assert.ok(Math.abs(curve.values[k] - direct) < 1e-9 * direct, `${curve.values[k]} vs ${direct}`);
      const bank = sparseResult.item_params.reduce((s, it) => s + itemInfo(it, THETA[k]), 0);
      assert.ok(curve.values[k] < 0.25 * bank, 'a fifth of the bank, not the bank');
    }
    const html = renderReport(sparseResult);
    assert.match(
      html,
      /Solid: information of a typical form: 20 items, the median number of answers per learner/,
    );
    assert.match(html, /class="title mid se-title">standard error of theta<\/text>/);
  });

  it("observed proportions by ability group add up to each item's answers, ordered by ability", () => {
    const ev = reportEvidence(sparseData, sparseResult);
    assert.deepEqual(ev.answers_per_learner, { min: 20, q1: 20, median: 20, q3: 20, max: 20 });
    for (let j = 0; j < sparseData.nItems; j++) {
      const groups = ev.observed_by_group[sparseData.itemIds[j]];
      assert.equal(groups.length, 10);
      assert.equal(
        groups.reduce((s, g) => s + g[1], 0),
        sparseData.itemN[j],
      );
      assert.equal(
        groups.reduce((s, g) => s + g[2], 0),
        sparseData.itemCorrect[j],
      );
      for (let g = 1; g < groups.length; g++) assert.ok(groups[g][0] >= groups[g - 1][0]);
      // Sizes differ by at most one answer.
      const sizes = groups.map((g) => g[1]);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
    // It survives the file round trip and the shape check, and each item gets its dots.
    const back = checkResult(JSON.parse(JSON.stringify(sparseResult))).result;
    assert.equal((renderReport(back).match(/class="obs"/g) ?? []).length, 100);
  });

  it('items: flagged first (by flag), then by id in natural order; item fit with its reason where absent', async () => {
    const r = structuredClone(sparseResult);
    for (const it of r.item_params) it.flags = [];
    r.item_params[5].flags = ['misfit'];
    r.item_params[70].flags = ['provisional'];
    r.item_params[3].fit = { statistic: null, reason: 'too few learners with mixed answers' };
    const html = renderReport(r);
    const ids = [...html.matchAll(/<tr(?: class="flagged")?><th scope="row"><a href="#item-([^"]+)">/g)].map(
      (x) => x[1],
    );
    assert.deepEqual(
      ids.slice(0, 2),
      [r.item_params[70].item_id, r.item_params[5].item_id],
      'provisional ranks before misfit',
    );
    const rest = ids.slice(2);
    const natural = [...rest].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    assert.deepEqual(rest, natural, 'i2 before i10');
    assert.match(
      html,
      /<td colspan="3" class="why">not computed: too few learners with mixed answers<\/td><td>\d\.\d\d <small>\(z -?\d/,
    );
    assert.match(html, /S-X2\*: the statistic generalised to incomplete designs/);
  });

  it('hygiene in words, not internal keys; every table with caption, head and scoped headers', async () => {
    const b = new ResponseBuilder();
    const lsat = loadResponses('LSAT7');
    for (let u = 0; u < lsat.nUsers; u++)
      for (let p = lsat.userPtr[u]; p < lsat.userPtr[u + 1]; p++)
        b.add(lsat.userIds[u], lsat.itemIds[lsat.userItem[p]], lsat.userResp[p]);
    b.add('u-x', lsat.itemIds[0], null);
    b.add('u-y', lsat.itemIds[0], 'maybe');
    b.add(lsat.userIds[0], lsat.itemIds[0], 1);
    for (let u = 0; u < 40; u++) b.add(lsat.userIds[u], 'easy', 1);
    b.reject('invalid_question_id');
    const data = b.build();
    const html = renderReport(withReportEvidence(await fit(data), data));
    const words = text(html);
    for (const phrase of [
      'answers with no correctness value (NULL): dropped, not counted as wrong 1',
      'answers with an invalid correctness value (not 0/1 or true/false) 1',
      'repeated answers of a learner to the same item (the first one kept) 1',
      'answers with an invalid question id 1',
      'easy everyone answered it right 40',
    ])
      assert.ok(words.replace(/\s+/g, ' ').includes(phrase), phrase);
    for (const key of [
      'null_correct',
      'nullCorrect',
      'invalid_correct',
      'invalidCorrect',
      'all_correct',
      'invalid_question_id',
    ])
      assert.ok(!words.includes(key), key);
    const tables = html.match(/<table[\s\S]*?<\/table>/g) ?? [];
    assert.ok(tables.length >= 3);
    for (const t of tables) {
      assert.match(t, /^<table[^>]*><caption>[^<]+/);
      assert.match(t, /<thead><tr>/);
      assert.ok(!/<th(?=[\s>])(?![^>]*scope=)[^>]*>/.test(t), 'every th has a scope');
    }
  });

  it(`above ${FOLD_ABOVE} items the curves fold; a 1,000-item page stays under 850 kB`, async () => {
    const small = renderReport(sparseResult);
    assert.ok(!small.includes('<details>'));
    const data = sparse(4000, 1000, 25, 11);
    const bank = withReportEvidence(await fit(data), data);
    const n = bank.item_params.length;
    assert.ok(n > 990, `${n} items estimated`);
    const html = renderReport(bank);
    assert.ok(
      html.includes(
        `<details><summary>Show the curves of all ${n.toLocaleString('en-US')} items (folded: more than 200)</summary>`,
      ),
    );
    assert.equal((html.match(/class="icc"/g) ?? []).length, n);
    const bytes = Buffer.byteLength(html);
    // Before this report was reworked the same page was 1.6 MB (one 81-point curve per item, twice for flagged ones).
    assert.ok(bytes < 850_000, `${bytes} bytes`);
  });
});
