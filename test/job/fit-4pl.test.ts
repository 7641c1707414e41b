/**
 * The 4PL end to end through `mirt-calibrate fit` (the built bin): --model 4PL, --u-prior, the
 * contract's params.u and its standard error, and the report's ceiling column.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { logPriorG } from '../../src/engine/models/priors.js';
import { renderReport } from '../../src/report/report.js';
import { referenceDir, repoRoot } from '../helpers/reference.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const bin = path.join(repoRoot, pkg.bin['mirt-calibrate']);
const dir = mkdtempSync(path.join(tmpdir(), 'fit-4pl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const lsat7 = () => path.join(referenceDir, 'datasets', 'LSAT7.long.csv');

function fit(args: string[]) {
  return spawnSync(process.execPath, [bin, 'fit', ...args], { encoding: 'utf8' });
}

describe('mirt-calibrate fit --model 4PL', () => {
  it("fits LSAT7 with priors on c and u, reaching mirt's penalised objective", () => {
    const out = path.join(dir, 'lsat7-4pl.json');
    const r = fit([
      '--input',
      lsat7(),
      '--model',
      '4pl',
      '--c-prior',
      'normal:-1.1:2',
      '--u-prior',
      'normal:1.1:2',
      '--output',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    const spec = res.fit_meta.model_spec;
    assert.equal(spec.model, '4PL');
    assert.equal(spec.u_prior, 'normal:1.1:2');
    assert.equal(spec.c_prior, 'normal:-1.1:2');
    for (const it of res.item_params) {
      assert.deepEqual(Object.keys(it.params), ['a', 'b', 'c', 'u']);
      assert.ok(it.params.u < 1 && it.params.u > it.params.c, JSON.stringify(it.params));
      assert.ok('u' in it.se);
    }
    const ref = JSON.parse(readFileSync(path.join(referenceDir, 'results', 'LSAT7.4PLprior.json'), 'utf8'));
    const lg = (p: number) => Math.log(p / (1 - p));
    const refPrior = ref.items.reduce(
      (s: number, it: { g: number; u: number }) =>
        s +
        logPriorG({ kind: 'normal', mean: -1.1, sd: 2 }, lg(it.g)).f +
        logPriorG({ kind: 'normal', mean: 1.1, sd: 2 }, lg(it.u)).f,
      0,
    );
    const m = res.fit_meta.metrics;
    assert.ok(m.logLik + m.logPrior >= ref.logLik + refPrior - 0.01);
    assert.equal(m.n_params, 20);
    const html = renderReport(res);
    assert.match(html, /<th scope="col"[^>]*>u<\/th>/);
    assert.match(html, /prior on the upper asymptote u<\/dt><dd>normal:1\.1:2/);
  });

  it('rejects a bad --u-prior as bad usage (exit 2)', () => {
    const r = fit(['--input', lsat7(), '--model', '4PL', '--u-prior', 'normal:1:-2']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^\[ERROR\] bad u prior "normal:1:-2"/m);
  });
});
