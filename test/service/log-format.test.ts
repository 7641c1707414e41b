/**
 * The service's whole log in one format (MIRT_LOG_FORMAT): `mirt-calibrate serve` as its own
 * process, a calibration and a health check, then SIGTERM. In json every line of both streams
 * (start, listening, calibration started, requests, stop) is one JSON object; in text (the
 * default) every line is `<ISO time> [LEVEL] ...`, the request lines included.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { simulate } from './helpers.js';

const CLI = join(import.meta.dirname, '../../src/job/cli.ts');
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[(INFO|WARN|ERROR)\] /;
const DEADLINE_MS = 60_000;

async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${DEADLINE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Serves, calibrates once, checks health, stops with SIGTERM; returns both streams. */
async function session(
  format: string | null,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', R_IRT_INTERNAL_TOKEN: 'tok-123' };
  if (format) env.MIRT_LOG_FORMAT = format;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--host', '127.0.0.1', '--port', '0'],
    { env },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b) => (stdout += String(b)));
  child.stderr?.on('data', (b) => (stderr += String(b)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await until('the service to listen', () => /listening on http:\/\/[\d.]+:\d+/.test(stderr));
    const port = /listening on http:\/\/[\d.]+:(\d+)/.exec(stderr)?.[1];
    const url = `http://127.0.0.1:${port}`;
    const res = await fetch(`${url}/calibrate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer tok-123' },
      body: JSON.stringify({ observations: simulate(300, 10, 10) }),
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal((await fetch(`${url}/health`)).status, 200);
    await until('both request lines', () => (stdout.match(/request/g) ?? []).length >= 2);
    child.kill('SIGTERM');
    const code = await exited;
    return { stdout, stderr, code };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('the service log format', () => {
  test('json: every line of both streams is one JSON object, start and stop lines included', async () => {
    const r = await session('json');
    assert.equal(r.code, 0, r.stderr);
    const all = [...r.stdout.split('\n'), ...r.stderr.split('\n')].filter(Boolean);
    const objects = all.map((l) => parseLine(l));
    for (const o of objects) {
      assert.match(String(o.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(['info', 'warn', 'error'].includes(String(o.level)), JSON.stringify(o));
    }
    const msgs = objects.map((o) => String(o.msg));
    assert.ok(msgs.some((m) => m.startsWith('mirt-calibrate service listening on http://')));
    assert.ok(msgs.includes('calibration started'));
    assert.ok(msgs.some((m) => m.startsWith('SIGTERM received: no new requests')));
    assert.ok(msgs.includes('service stopped.'));
    const calib = objects.find((o) => o.msg === 'request' && o.route === '/calibrate');
    assert.equal(calib?.status, 200);
    assert.equal(typeof (calib?.phases_s as Record<string, number>)?.calibrate, 'number');
    assert.ok(!all.join('\n').includes('tok-123'), 'no token in the log');
  });

  test('text (the default): every line time-stamped with its level, requests as key=value', async () => {
    const r = await session(null);
    assert.equal(r.code, 0, r.stderr);
    const all = [...r.stdout.split('\n'), ...r.stderr.split('\n')].filter(Boolean);
    for (const l of all) assert.match(l, STAMP, l);
    assert.ok(
      r.stdout
        .split('\n')
        .some((l) => / \[INFO\] request .*method=POST route=\/calibrate .*status=200 /.test(l)),
      r.stdout,
    );
    assert.match(r.stderr, / \[INFO\] service stopped\.\n$/);
    assert.ok(!all.join('\n').includes('tok-123'), 'no token in the log');
  });
});

/** One log line as JSON, or a failure quoting the line. */
function parseLine(l: string): Record<string, unknown> {
  try {
    return JSON.parse(l) as Record<string, unknown>;
  } catch {
    throw new assert.AssertionError({ message: `not JSON: ${l}` });
  }
}
