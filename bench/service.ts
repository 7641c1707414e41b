/**
 * Service benchmark (`npm run bench service`, or alone: `node --import tsx bench/service.ts`):
 *  1. one POST /calibrate of 1M simulated observations (~120 MiB of JSON with UUID user ids and
 *     timestamps): latency, the server's peak RSS, and the slowest /health answer meanwhile;
 *  2. POST /irt/score throughput with autocannon on loopback (one user, 20 answers per request).
 * The server runs as a child process (`mirt-calibrate serve`) so that its memory is its own.
 * Options: BENCH_OBS (1000000), BENCH_SCORE_SECS (10), BENCH_CONNECTIONS (32).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { simulateResponses } from '../src/engine/simulate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'bench-token';
const N_OBS = Number(process.env.BENCH_OBS ?? 1_000_000);
const PER_USER = 10;
const N_ITEMS = 500;
const SCORE_SECS = Number(process.env.BENCH_SCORE_SECS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const MiB = 1024 * 1024;

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** The server's request log lines (JSON), to read the calibration's phase timings. */
const serverLog: string[] = [];

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'src/job/cli.ts'),
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--timeout-secs',
      '3600',
    ],
    { cwd: root, env: { ...process.env, R_IRT_INTERNAL_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let pending = '';
  child.stdout?.on('data', (c: Buffer) => {
    pending += c.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    serverLog.push(...lines);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
  return { child, url };
}

/** A realistic body: UUID-like user ids, item ids, 0/1, an ISO timestamp per answer. */
function calibrateBody(): { body: string; nUsers: number } {
  const nUsers = Math.ceil(N_OBS / PER_USER);
  const { data } = simulateResponses({ model: '2PL', nUsers, nItems: N_ITEMS, perUser: PER_USER, seed: 11 });
  const parts: string[] = [];
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  for (let u = 0; u < data.nUsers; u++) {
    const hex = ((u * 2654435761) >>> 0).toString(16).padStart(8, '0');
    const uid = `${hex}-${String(u).padStart(4, '0').slice(-4)}-4abc-8def-${String(u).padStart(12, '0')}`;
    for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) {
      const at = new Date(t0 + (u * PER_USER + k) * 1000).toISOString();
      parts.push(
        `{"user_id":"${uid}","item_id":"${data.itemIds[data.userItem[k]]}","is_correct":${data.userResp[k]},"responded_at":"${at}"}`,
      );
    }
  }
  return { body: `{"model":"2PL","observations":[${parts.join(',')}]}`, nUsers: data.nUsers };
}

/** Entry for `npm run bench` (bench/run.ts calls benchService). */
export async function benchService(): Promise<void> {
  console.log(`service bench: Node ${process.version}, ${availableParallelism()} cores`);
  const { child, url } = await startServer();
  const pid = child.pid as number;
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  try {
    console.log(`server ${url} (pid ${pid}), idle RSS ${rssMiB(pid).toFixed(0)} MiB`);
    const { body, nUsers } = calibrateBody();
    console.log(
      `/calibrate body: ${N_OBS} observations, ${nUsers} users, ${N_ITEMS} items, ${(Buffer.byteLength(body) / MiB).toFixed(1)} MiB`,
    );

    // Health keeps being asked during the calibration: its slowest answer shows the event loop stays free.
    let polling = true;
    let slowestHealthMs = 0;
    let healthAnswers = 0;
    const poller = (async () => {
      while (polling) {
        const t = performance.now();
        await (await fetch(`${url}/health`)).text();
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - t);
        healthAnswers++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const lagNow = async () => {
      const text = await (await fetch(`${url}/metrics`, { headers: auth })).text();
      return Number(/^mirt_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    };
    await lagNow(); // prom-client resets the event-loop histogram on each scrape
    const t0 = performance.now();
    const res = await fetch(`${url}/calibrate`, { method: 'POST', headers: auth, body });
    const text = await res.text();
    const seconds = (performance.now() - t0) / 1000;
    polling = false;
    await poller;
    const lagMaxMs = (await lagNow()) * 1000;
    if (res.status !== 200) throw new Error(`/calibrate answered ${res.status}: ${text.slice(0, 300)}`);
    const out = JSON.parse(text) as {
      item_params: { item_id: string; params: { a: number; b: number } }[];
      fit_meta: { metrics: { logLik: number; cycles?: number; seconds?: number; converged?: boolean } };
    };
    const m = out.fit_meta.metrics;
    console.log(
      `/calibrate 1 request: ${seconds.toFixed(2)} s end to end (engine ${Number(m.seconds ?? Number.NaN).toFixed(2)} s, ${m.cycles} cycles, converged ${m.converged}), response ${(text.length / MiB).toFixed(1)} MiB`,
    );
    const line = serverLog
      .map((l) => JSON.parse(l) as { route?: string; phases_s?: Record<string, number> })
      .find((l) => l.phases_s);
    console.log(`  phases in the worker (s): ${JSON.stringify(line?.phases_s ?? {})}`);
    console.log(`server peak RSS ${peakRssMiB(pid).toFixed(0)} MiB`);
    console.log(
      `server event loop during it: max lag ${lagMaxMs.toFixed(1)} ms; /health from this (busy) client: ${healthAnswers} answers, slowest ${slowestHealthMs.toFixed(1)} ms`,
    );

    // /irt/score: one test session (20 answers) per request against the calibrated bank.
    const session = out.item_params.slice(0, 20);
    const scoreBody = JSON.stringify({
      item_params: session,
      observations: session.map((it, k) => ({
        user_id: 'learner-1',
        item_id: it.item_id,
        is_correct: k % 3 === 0 ? 0 : 1,
      })),
    });
    const check = await fetch(`${url}/irt/score`, { method: 'POST', headers: auth, body: scoreBody });
    if (check.status !== 200) throw new Error(`/irt/score answered ${check.status}: ${await check.text()}`);
    const r = await autocannon({
      url: `${url}/irt/score`,
      method: 'POST',
      headers: auth,
      body: scoreBody,
      connections: CONNECTIONS,
      duration: SCORE_SECS,
    });
    console.log(
      `/irt/score (EAP, 20 answers, ${CONNECTIONS} connections, ${SCORE_SECS} s): ${r.requests.average.toFixed(0)} req/s, latency p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
    );
    console.log(`server peak RSS overall ${peakRssMiB(pid).toFixed(0)} MiB`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

// Run alone: `node --import tsx bench/service.ts`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchService().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
