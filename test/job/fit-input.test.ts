/**
 * `mirt-calibrate fit` on the inputs users have and the faults they hit: files without line
 * ends, CR-only files, malformed rows, usage errors, other layouts, the CSV outputs. The built
 * bin, real files, real exit codes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/reference.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const bin = path.join(repoRoot, pkg.bin['mirt-calibrate']);
const dir = mkdtempSync(path.join(tmpdir(), 'fit-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fit(args: string[], input?: string) {
  return spawnSync(process.execPath, [bin, 'fit', ...args], { input, encoding: 'utf8' });
}

/** Runs fit in a child process that is killed after `limitMs` (a hang, not a duration, fails). */
function fitWithin(args: string[], limitMs: number): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'fit', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 1 << 20) stderr += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

/** A small 2PL-able data set: 40 users x 6 items, answers from a fixed pattern. */
function rows(sep = ','): string[] {
  const out: string[] = [];
  for (let u = 0; u < 40; u++)
    for (let j = 0; j < 6; j++)
      out.push([`u${u}`, `i${j}`, (u * 7 + j * 5) % 11 < 5 + (u % 4) ? 1 : 0].join(sep));
  return out;
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('[ERROR]'));

describe('fit: inputs and faults (issue 9 items 14, 15, 24; issue 14 item 2, 3)', () => {
  it('a 50 MB input without a line end finishes with one short error (linear time)', async () => {
    const file = path.join(dir, 'one-line.csv');
    writeFileSync(file, Buffer.alloc(50 << 20, 'user_id,item_id,is_correct,u1,i1,1,'));
    // Generous: the fixed reader fails after its first MiB; the old one did not finish in 60 s.
    const r = await fitWithin(['--input', file, '--output', path.join(dir, 'x.json')], 60_000);
    assert.equal(r.status, 1, `exit status ${r.status} (null: killed, did not finish)`);
    const errors = errorLines(r.stderr);
    assert.equal(errors.length, 1, r.stderr.slice(0, 2000));
    assert.ok(errors[0].length < 400, `error line of ${errors[0].length} characters`);
    assert.match(errors[0], /line 1: no line end within 1 MiB/);
  });

  it('CR-only line ends are read (classic Mac, some exports)', () => {
    const file = path.join(dir, 'cr.csv');
    writeFileSync(file, `user_id,item_id,is_correct\r${rows().join('\r')}\r`);
    const r = fit(['--input', file, '--output', path.join(dir, 'cr.json')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[INFO\] Loaded 240 observations from .*\(40 users, 6 items;/);
  });

  it('the summary line names every kind of dropped row, with a warning per kind', () => {
    const file = path.join(dir, 'malformed.csv');
    const body = rows();
    body.splice(3, 0, 'u1,i2'); // short
    body.splice(8, 0, 'u2,i1,1,extra'); // more fields than the header
    body.splice(12, 0, '"u\n3",i1,1'); // a line break inside an id
    body.splice(20, 0, '"u4"x,i1,1'); // text after a closing quote
    body.push('u9,i1,"1'); // an unterminated quote
    writeFileSync(file, `user_id,item_id,is_correct\n${body.join('\n')}\n`);
    const r = fit(['--input', file, '--output', path.join(dir, 'm.json')]);
    assert.equal(r.status, 0, r.stderr);
    const summary = r.stderr.split('\n').find((l) => l.startsWith('[INFO] Loaded')) ?? '';
    for (const kind of [
      'short row',
      'long row',
      'line break in field',
      'text after quote',
      'unterminated quote',
    ])
      assert.match(summary, new RegExp(`1 ${kind}`), `${kind} in: ${summary}`);
    assert.match(
      r.stderr,
      /\[WARN\] dropped 1 row\(s\) with fewer fields than the header \(first at line 5\)/,
    );
    assert.match(r.stderr, /\[WARN\] dropped 1 row\(s\) with an unterminated quote/);
    const res = JSON.parse(readFileSync(path.join(dir, 'm.json'), 'utf8'));
    assert.equal(res.fit_meta.metrics.hygiene.dropped.rejected.short_row, 1);
  });

  it('usage errors exit 2 before any data is read', () => {
    const missing = path.join(dir, 'does-not-exist.csv');
    for (const [flags, message] of [
      [['--quadpts', '3'], /--quadpts must be an integer in \[5, 401\]/],
      [['--min-item-n', '0'], /--min-item-n must be a positive integer/],
      [['--format', 'diagonal'], /--format must be auto, long or wide/],
      [['--delimiter', '|'], /--delimiter must be/],
      [['--format', 'wide', '--item-col', 'q'], /not --format wide/],
      [['--output', 'a.json', '--scores-csv', 'a.json'], /same file/],
    ] as const) {
      const r = fit(['--input', missing, ...flags]);
      assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /does-not-exist/, 'the input was not opened');
    }
  });

  it('reads an export with other column names and ; as the delimiter', () => {
    const file = path.join(dir, 'export.csv');
    const body = rows(';').map((r, k) => `${r};2026-01-01T00:${String(k % 60).padStart(2, '0')}:00Z`);
    writeFileSync(file, `student_id;question_id;correct;completed_at\n${body.join('\n')}\n`);
    const r = fit([
      '--input',
      file,
      '--user-col',
      'student_id',
      '--item-col',
      'question_id',
      '--correct-col',
      'correct',
      '--time-col',
      'completed_at',
      '--output',
      path.join(dir, 'export.json'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Loaded 240 observations .*\(long format, ";"-separated; 40 users, 6 items/);
  });

  it('the wide matrix gives the same fit as the long file', () => {
    const long = path.join(dir, 'long.csv');
    writeFileSync(long, `user_id,item_id,is_correct\n${rows().join('\n')}\n`);
    const cells = new Map(rows().map((r) => [r.split(',').slice(0, 2).join(','), r.split(',')[2]]));
    const wideRows = Array.from(
      { length: 40 },
      (_, u) => `u${u}\t${Array.from({ length: 6 }, (_, j) => cells.get(`u${u},i${j}`)).join('\t')}`,
    );
    const wide = path.join(dir, 'wide.tsv');
    writeFileSync(
      wide,
      `user_id\t${Array.from({ length: 6 }, (_, j) => `i${j}`).join('\t')}\n${wideRows.join('\n')}\n`,
    );
    const a = fit(['--input', long, '--version', 'v1']);
    const b = fit(['--input', wide, '--version', 'v1']);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stderr, /wide format, tab-separated/);
    const ra = JSON.parse(a.stdout);
    const rb = JSON.parse(b.stdout);
    assert.deepEqual(rb.item_params, ra.item_params);
    assert.deepEqual(rb.abilities, ra.abilities);
  });

  it('--items-csv and --scores-csv write what R read.csv reads; the JSON is what JSON.stringify gives', () => {
    const file = path.join(dir, 'data.csv');
    writeFileSync(file, `user_id,item_id,is_correct\n${rows().join('\n')}\n"u,x",i0,1\n"u,x",i1,0\n`);
    const json = path.join(dir, 'out.json');
    const items = path.join(dir, 'items.csv');
    const scores = path.join(dir, 'scores.csv');
    const r = fit(['--input', file, '--output', json, '--items-csv', items, '--scores-csv', scores]);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(json, 'utf8');
    const res = JSON.parse(text);
    assert.equal(text, `${JSON.stringify(res)}\n`);
    const itemLines = readFileSync(items, 'utf8').trim().split('\n');
    assert.equal(
      itemLines[0],
      'item_id,model,a,b,c,se_a,se_b,se_c,n,p_correct,anchored,sx2,sx2_df,sx2_p,rmsea,fit_note',
    );
    assert.equal(itemLines.length, 1 + res.item_params.length);
    const first = itemLines[1].split(',');
    assert.equal(first[0], res.item_params[0].item_id);
    assert.equal(Number(first[2]), res.item_params[0].params.a);
    assert.equal(first[7], 'NA', 'no c for a 2PL: NA');
    const scoreLines = readFileSync(scores, 'utf8').trim().split('\n');
    assert.equal(scoreLines[0], 'user_id,theta,se');
    assert.equal(scoreLines.length, 1 + res.abilities.length);
    const ux = scoreLines.find((l) => l.startsWith('"u,x"'));
    const abx = res.abilities.find((a: { user_id: string }) => a.user_id === 'u,x');
    assert.equal(ux, `"u,x",${abx.theta},${abx.se}`);
  });

  it('a failed run leaves an earlier output file as it was', () => {
    const json = path.join(dir, 'keep.json');
    writeFileSync(json, '{"earlier": true}');
    const file = path.join(dir, 'none.csv');
    writeFileSync(file, 'user_id,item_id,is_correct\nu,i,\n');
    const r = fit(['--input', file, '--output', json]);
    assert.equal(r.status, 1);
    assert.equal(readFileSync(json, 'utf8'), '{"earlier": true}');
  });
});
