/** The HTML run report, built from a real calibration (LSAT7 2PL, SAT12 3PL). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { itemFlags, renderReport } from '../../src/report/report.js';
import { loadResponses, repoRoot } from '../helpers/reference.js';

const dir = mkdtempSync(path.join(tmpdir(), 'report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fitted(ds: 'LSAT7' | 'SAT12', model: string): Promise<CalibrateResponse> {
  return new LocalCalibrator().calibrate(loadResponses(ds), { model, version: 'v1', runId: `run-${ds}` });
}

describe('run report', () => {
  it('shows the fit, a curve per item, and flags exactly the items the screening rules flag', async () => {
    const r = await fitted('SAT12', '3PL');
    const html = renderReport(r);
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/class="icc"/g) ?? []).length, r.item_params.length);
    const flagged = r.item_params.filter((it) => itemFlags(it).length > 0);
    assert.match(html, new RegExp(`<h2>Items \\(${r.item_params.length}; flagged ${flagged.length}\\)</h2>`));
    assert.equal((html.match(/<tr class="flagged">/g) ?? []).length, flagged.length);
    assert.ok(html.includes(`logLik / AIC / BIC`) && html.includes(r.fit_meta.metrics.logLik.toFixed(2)));
    assert.ok(!/<script/i.test(html), 'no scripts');
  });

  it('screening rules', () => {
    const base = { item_id: 'q', model: '2PL', version: 'v', params: { a: 1, b: 0 } };
    assert.deepEqual(itemFlags(base), []);
    assert.match(itemFlags({ ...base, params: { a: 0.2, b: 0 } })[0], /weak discrimination/);
    assert.match(itemFlags({ ...base, params: { a: -0.5, b: 0 } })[0], /negative discrimination/);
    assert.match(itemFlags({ ...base, params: { a: 45, b: 0 } })[0], /very steep/);
    assert.match(itemFlags({ ...base, params: { a: 1, b: 4.5 } })[0], /extreme difficulty/);
    assert.match(itemFlags({ ...base, params: { a: 1, b: 0, c: 0.4 } })[0], /high guessing/);
    assert.match(
      itemFlags({ ...base, fit: { statistic: 'S-X2', value: 30, df: 5, p: 0.001, rmsea: 0.1 } })[0],
      /misfit/,
    );
  });

  it('escapes ids (no markup from the data reaches the page)', async () => {
    const r = await fitted('LSAT7', '2PL');
    r.item_params[0].item_id = '<script>alert(1)</script>';
    r.fit_meta.run_id = '"><img src=x>';
    const html = renderReport(r);
    assert.ok(!html.includes('<script>alert(1)') && html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!html.includes('"><img src=x>'));
  });

  it('the report command writes the file; a file that is not a result is a clear error', async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const bin = path.join(repoRoot, pkg.bin['mirt-calibrate']);
    const input = path.join(dir, 'result.json');
    writeFileSync(input, JSON.stringify(await fitted('LSAT7', '2PL')));
    const out = path.join(dir, 'report.html');
    const ok = spawnSync(process.execPath, [bin, 'report', '--input', input, '--output', out], {
      encoding: 'utf8',
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(readFileSync(out, 'utf8'), /<h2>Items \(5; flagged \d+\)<\/h2>/);
    writeFileSync(path.join(dir, 'nope.json'), '{"hello": 1}');
    const bad = spawnSync(process.execPath, [bin, 'report', '--input', path.join(dir, 'nope.json')], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /not a calibration result/);
    assert.equal(spawnSync(process.execPath, [bin, 'report'], { encoding: 'utf8' }).status, 2);
  });

  it('fit writes the observed proportions by ability group; report --input draws them over each curve', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const bin = path.join(repoRoot, pkg.bin['mirt-calibrate']);
    const json = path.join(dir, 'lsat7-fit.json');
    const csv = path.join(repoRoot, 'test', 'fixtures', 'reference', 'datasets', 'LSAT7.long.csv');
    const fitted = spawnSync(process.execPath, [bin, 'fit', '--input', csv, '--output', json], {
      encoding: 'utf8',
    });
    assert.equal(fitted.status, 0, fitted.stderr);
    const m = JSON.parse(readFileSync(json, 'utf8')).fit_meta.metrics;
    // LSAT7: 1,000 learners, complete: 10 groups of 100 per item, adding up to the item's answers.
    assert.deepEqual(m.answers_per_learner, { min: 5, q1: 5, median: 5, q3: 5, max: 5 });
    for (const groups of Object.values(m.observed_by_group) as [number, number, number][][]) {
      assert.deepEqual(
        groups.map((g) => g[1]),
        new Array(10).fill(100),
      );
    }
    const html = path.join(dir, 'lsat7.html');
    const drawn = spawnSync(process.execPath, [bin, 'report', '--input', json, '--output', html], {
      encoding: 'utf8',
    });
    assert.equal(drawn.status, 0, drawn.stderr);
    const page = readFileSync(html, 'utf8');
    assert.equal(
      (page.match(/<path d="(M\d+ \d+h0){10}" class="obs"\/>/g) ?? []).length,
      5,
      'ten dots on each of the 5 curves',
    );
  });
});
