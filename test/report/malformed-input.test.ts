/**
 * `mirt-calibrate report` on input that is not a whole calibration result: never a stack trace.
 * Not JSON or the wrong shapes: one [ERROR] line naming the file and the field, exit 1. A result
 * without `fit_meta.metrics` / `fit_meta.model_spec` (the R service, hand-made files): drawn
 * without them, a [WARN] line, a note on the page, exit 0. Plus a deterministic mutation sweep
 * in-process: every damaged result is either drawn or refused with a ReportInputError.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalCalibrator } from '../../src/calibrators/local.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import { responsesFromObservations } from '../../src/engine/responses.js';
import { renderReport } from '../../src/report/report.js';
import { checkResult, ReportInputError } from '../../src/report/result-shape.js';
import { simulate } from '../helpers/platform.js';
import { repoRoot } from '../helpers/reference.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const bin = path.join(repoRoot, pkg.bin['mirt-calibrate']);
const dir = mkdtempSync(path.join(tmpdir(), 'report-bad-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let good: CalibrateResponse;
before(async () => {
  const data = responsesFromObservations(
    simulate(80, 6, 5, 31).map((a) => ({
      user_id: `u${a.user}`,
      item_id: `q${a.item}`,
      is_correct: a.correct,
    })),
  );
  good = await new LocalCalibrator().calibrate(data, { model: '2PL', version: 'v1', runId: 'run-1' });
});

const copy = (): Record<string, unknown> => JSON.parse(JSON.stringify(good));

function report(name: string, text: string) {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, [bin, 'report', '--input', file], { encoding: 'utf8' });
  return { ...r, file };
}

describe('report on malformed input', () => {
  it('not JSON, or the wrong shapes: one [ERROR] line naming the field, exit 1, no stack trace', () => {
    const withItem = (item: unknown) => JSON.stringify({ ...copy(), item_params: [item] });
    const cases: [string, string, RegExp][] = [
      ['truncated', JSON.stringify(good).slice(0, 200), /: not valid JSON \(/],
      ['html', '<html></html>', /: not valid JSON \(/],
      ['empty', '', /: not valid JSON \(/],
      ['array', '[1, 2]', /the file: expected a calibration result .*, got an array$/],
      ['null', 'null', /the file: expected a calibration result .*, got null$/],
      ['number', '42', /got number$/],
      ['other', '{"hello": 1}', /not a calibration result: no item_params, abilities, fit_meta/],
      [
        'no-items',
        JSON.stringify({ ...copy(), item_params: undefined }),
        /not a calibration result: no item_params /,
      ],
      [
        'items-object',
        JSON.stringify({ ...copy(), item_params: {} }),
        /item_params: expected an array, got object$/,
      ],
      ['item-null', withItem(null), /item_params\[0\]: expected an object, got null$/],
      ['item-no-params', withItem({ item_id: 'q1' }), /item_params\[0\]\.params: expected an object/],
      [
        'item-a-text',
        withItem({ item_id: 'q1', params: { a: '1.2', b: 0 } }),
        /item_params\[0\]\.params\.a: expected a finite number, got string$/,
      ],
      [
        'item-id-object',
        withItem({ item_id: { id: 1 }, params: { a: 1, b: 0 } }),
        /item_params\[0\]\.item_id/,
      ],
      [
        'item-fit-p',
        withItem({ item_id: 'q1', params: { a: 1, b: 0 }, fit: { statistic: 'S-X2', value: 3, df: 2 } }),
        /item_params\[0\]\.fit\.p: expected a finite number, got nothing$/,
      ],
      [
        'abilities-theta',
        JSON.stringify({ ...copy(), abilities: [{ user_id: 'u', theta: 'high' }] }),
        /abilities\[0\]\.theta: expected a finite number, got string$/,
      ],
      [
        'fit-meta-text',
        JSON.stringify({ ...copy(), fit_meta: 'x' }),
        /fit_meta: expected an object, got string$/,
      ],
      [
        'metrics-array',
        JSON.stringify({ ...copy(), fit_meta: { run_id: 'r', metrics: [], model_spec: {} } }),
        /fit_meta\.metrics: expected an object, got an array$/,
      ],
      [
        'hygiene-number',
        JSON.stringify({ ...copy(), fit_meta: { run_id: 'r', metrics: { hygiene: 3 }, model_spec: {} } }),
        /fit_meta\.metrics\.hygiene: expected an object, got number$/,
      ],
    ];
    for (const [name, text, why] of cases) {
      const r = report(`${name}.json`, text);
      assert.equal(r.status, 1, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, '', name);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.ok(lines[0].startsWith(`[ERROR] cannot read ${r.file}: `), `${name}: ${lines[0]}`);
      assert.match(lines[0], why, name);
      assert.ok(lines[0].length < 500, name);
    }
  });

  it('without fit_meta.metrics or model_spec: drawn from what is there, saying what is missing', () => {
    for (const drop of [['metrics'], ['model_spec'], ['metrics', 'model_spec']]) {
      const r = copy();
      const meta = r.fit_meta as Record<string, unknown>;
      for (const k of drop) delete meta[k];
      const out = report(`no-${drop.join('-')}.json`, JSON.stringify(r));
      assert.equal(out.status, 0, out.stderr);
      const lines = out.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, out.stderr);
      assert.match(lines[0], /^\[WARN\] .* has no fit_meta\.\w+ \(.*: the report is drawn without it$/);
      for (const k of drop) assert.ok(lines[0].includes(`fit_meta.${k}`), lines[0]);
      assert.match(out.stdout, /<p class="note">Not in the result: fit_meta\./);
      assert.match(out.stdout, /<h2>Items \(6; flagged \d+\)<\/h2>/);
    }
  });

  it('a mutation sweep: every damaged result is drawn or refused with a ReportInputError', () => {
    // Paths to every value in the result (arrays: first two entries), then each replaced by
    // values of the wrong kinds or deleted: drawing or a ReportInputError, nothing else.
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, at: (string | number)[]) => {
      paths.push(at);
      if (Array.isArray(v)) for (const [i, x] of v.slice(0, 2).entries()) walk(x, [...at, i]);
      else if (typeof v === 'object' && v !== null)
        for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
    };
    walk(good, []);
    const wrong: unknown[] = [undefined, null, 'x', -1, 1e308, true, [], {}, [null], { a: null }];
    let drawn = 0;
    let refused = 0;
    for (const p of paths) {
      for (const w of wrong) {
        const r = copy();
        let o: Record<string | number, unknown> = r;
        for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        const value = p.length === 0 ? w : r;
        if (p.length > 0) {
          if (w === undefined) delete o[p.at(-1)!];
          else o[p.at(-1)!] = w;
        }
        try {
          // As a file would hold it (a deleted array entry becomes null).
          const text = JSON.stringify(value);
          const checked = checkResult(text === undefined ? undefined : JSON.parse(text));
          assert.match(renderReport(checked.result, checked.missing), /<\/html>\n$/);
          drawn++;
        } catch (e) {
          assert.ok(
            e instanceof ReportInputError,
            `${p.join('.')} = ${JSON.stringify(w)}: ${(e as Error).stack}`,
          );
          refused++;
        }
      }
    }
    assert.ok(drawn > 100 && refused > 100, `${drawn} drawn, ${refused} refused`);
  });
});
