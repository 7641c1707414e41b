/** `mirt-calibrate fit` as a user runs it: the built bin, a real file, real exit codes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { referenceDir, repoRoot } from '../helpers/reference.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const bin = path.join(repoRoot, pkg.bin['mirt-calibrate']);
const dir = mkdtempSync(path.join(tmpdir(), 'fit-cmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fit(args: string[], input?: string) {
  return spawnSync(process.execPath, [bin, 'fit', ...args], { input, encoding: 'utf8' });
}

describe('mirt-calibrate fit', () => {
  it('--report writes the HTML run report beside the JSON; a report into a missing folder stops before reading', () => {
    const report = path.join(dir, 'lsat7.html');
    const lsat7 = path.join(referenceDir, 'datasets', 'LSAT7.long.csv');
    const r = fit(['--input', lsat7, '--output', path.join(dir, 'lsat7-r.json'), '--report', report]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<h1>Calibration report<\/h1>/);
    assert.match(html, /marginal reliability/);
    assert.match(html, /Item characteristic curves/);
    const bad = fit([
      '--input',
      lsat7,
      '--output',
      '-',
      '--report',
      path.join(dir, 'no-such-folder', 'r.html'),
    ]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /cannot write/);
    assert.equal(bad.stdout, '', 'nothing calibrated, nothing written');
  });

  it('writes the /calibrate response for LSAT7 2PL, agreeing with mirt', () => {
    const out = path.join(dir, 'lsat7.json');
    const r = fit([
      '--input',
      path.join(referenceDir, 'datasets', 'LSAT7.long.csv'),
      '--model',
      '2pl',
      '--output',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    const ref = JSON.parse(readFileSync(path.join(referenceDir, 'results', 'LSAT7.2PL.json'), 'utf8'));
    assert.ok(Math.abs(res.fit_meta.metrics.logLik - ref.logLik) < 0.01);
    for (const k of ['AIC', 'BIC', 'SABIC', 'cycles', 'converged', 'seconds'])
      assert.ok(k in res.fit_meta.metrics, k);
    assert.equal(res.item_params.length, 5);
    const first = res.item_params[0];
    assert.deepEqual(Object.keys(first.params), ['a', 'b']);
    assert.equal(first.model, '2PL');
    assert.ok(first.se.a > 0 && first.fit.statistic === 'S-X2');
    assert.equal(res.abilities.length, 1000);
    assert.match(r.stderr, /\[INFO\] Loaded 5000 observations/);
  });

  it("3PL defaults to no prior on c (mirt), and reaches at least mirt's logLik on SAT12", () => {
    const out = path.join(dir, 'sat12.json');
    const r = fit([
      '--input',
      path.join(referenceDir, 'datasets', 'SAT12.long.csv'),
      '--model',
      '3PL',
      '--output',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    const ref = JSON.parse(readFileSync(path.join(referenceDir, 'results', 'SAT12.3PL.json'), 'utf8'));
    assert.equal(res.fit_meta.model_spec.c_prior, 'none');
    assert.equal(res.fit_meta.metrics.logPrior, 0);
    assert.ok(res.fit_meta.metrics.logLik >= ref.logLik - 0.01);
  });

  it('reads standard input and writes standard output; 3PL params carry c', () => {
    const csv = readFileSync(path.join(referenceDir, 'datasets', 'LSAT6.long.csv'), 'utf8');
    const r = fit(['--input', '-', '--model', '3PL', '--c-prior', 'beta:5:17', '--score', 'WLE'], csv);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    assert.ok('c' in res.item_params[0].params);
    assert.equal(res.fit_meta.model_spec.c_prior, 'beta:5:17');
    assert.equal(res.fit_meta.model_spec.score_method, 'WLE');
  });

  it('--anchors takes a previous result: anchoring every item at it reproduces that run', () => {
    const csv = path.join(referenceDir, 'datasets', 'LSAT7.long.csv');
    const first = path.join(dir, 'first.json');
    assert.equal(fit(['--input', csv, '--output', first]).status, 0);
    const second = path.join(dir, 'second.json');
    const r = fit(['--input', csv, '--anchors', first, '--output', second]);
    assert.equal(r.status, 0, r.stderr);
    const a = JSON.parse(readFileSync(first, 'utf8'));
    const b = JSON.parse(readFileSync(second, 'utf8'));
    assert.ok(b.item_params.every((i: { anchored?: boolean }) => i.anchored === true));
    assert.ok(Math.abs(b.fit_meta.metrics.logLik - a.fit_meta.metrics.logLik) < 0.01);
    assert.ok(Math.abs(b.fit_meta.model_spec.latent.mean) < 0.01);
    const bad = path.join(dir, 'bad-anchors.json');
    writeFileSync(bad, '[{"item_id": "Item.1", "a": "one", "b": 0}]');
    const e = fit(['--input', csv, '--anchors', bad]);
    assert.equal(e.status, 1);
    assert.match(e.stderr, /--anchors .*anchors\[0\]\.a: must be a finite number/);
  });

  it('fails clearly: missing file (1), bad header (1), no usable rows (1), unknown model (2), bad flag (2)', () => {
    const missing = fit(['--input', path.join(dir, 'nope.csv')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /\[ERROR\].*nope\.csv/);
    const badHeader = path.join(dir, 'bad.csv');
    writeFileSync(badHeader, 'a,b,c\n1,2,3\n');
    assert.equal(fit(['--input', badHeader]).status, 1);
    assert.match(fit(['--input', badHeader]).stderr, /bad header/);
    const empty = path.join(dir, 'empty.csv');
    writeFileSync(empty, 'user_id,item_id,is_correct\nu,i,\n');
    const none = fit(['--input', empty]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no usable observations/);
    const model = fit(['--input', badHeader, '--model', 'GRM']);
    assert.equal(model.status, 2);
    assert.match(model.stderr, /unknown model "GRM"/);
    assert.equal(fit(['--input', badHeader, '--bogus']).status, 2);
    assert.equal(fit(['--help']).status, 0);
  });

  it('--a-prior and --b-prior put the item priors on, named in the model spec; none by default (mirt)', () => {
    const input = path.join(referenceDir, 'datasets', 'LSAT7.long.csv');
    const plain = path.join(dir, 'plain.json');
    const withPriors = path.join(dir, 'priors.json');
    assert.equal(fit(['--input', input, '--output', plain]).status, 0);
    const r = fit([
      '--input',
      input,
      '--a-prior',
      'lognormal:0:0.5',
      '--b-prior',
      'normal:0:2',
      '--min-item-n',
      '1001',
      '--output',
      withPriors,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const p0 = JSON.parse(readFileSync(plain, 'utf8'));
    const p1 = JSON.parse(readFileSync(withPriors, 'utf8'));
    assert.equal(p0.fit_meta.model_spec.a_prior, 'none');
    assert.equal(p0.fit_meta.model_spec.b_prior, 'none');
    assert.equal(p0.fit_meta.metrics.logPrior, 0);
    assert.equal(p1.fit_meta.model_spec.a_prior, 'lognormal:0:0.5');
    assert.equal(p1.fit_meta.model_spec.b_prior, 'normal:0:2');
    assert.ok(p1.fit_meta.metrics.logPrior < 0);
    // 1,000 answers per item, below --min-item-n 1001: kept, estimated and provisional.
    assert.equal(p1.item_params.length, 5);
    assert.ok(p1.item_params.every((it: { flags: string[] }) => it.flags.includes('provisional')));
    assert.equal(p1.fit_meta.metrics.item_flags.thresholds.minResponses, 1001);
    assert.match(r.stderr, /\[WARN\] 5 item\(s\) flagged provisional/);
    const h = p1.fit_meta.metrics.em_history;
    assert.equal(h.cycles.at(-1), p1.fit_meta.metrics.cycles);
    const bad = fit(['--input', input, '--a-prior', 'normal:1:2']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bad a prior "normal:1:2"/);
    assert.equal(fit(['--input', input, '--b-prior', 'lognormal:0:1']).status, 2);
  });
});
