/**
 * Engine benchmark: the whole `mirt-calibrate fit` process (read CSV, fit, score, write JSON) on
 * simulated data, as a user runs it, plus the E-step rate per kernel and thread count.
 */
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createExecutor } from '../src/calibrators/estep-workers.js';
import { EmMap } from '../src/engine/em.js';
import { startValues } from '../src/engine/params.js';
import { readResponsesCsv } from '../src/files/csv-responses.js';
import { BENCH_SETS, writeCsv } from './datasets.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const bin = path.join(root, 'dist', 'job', 'cli.js');

async function eStepRate(file: string, nQ: number): Promise<string[]> {
  const data = await readResponsesCsv(createReadStream(file));
  const lines: string[] = [];
  for (const [kernel, threads] of [
    ['js', 1],
    ['wasm-simd', 1],
    ['wasm-simd', 2],
  ] as const) {
    const ex = await createExecutor(data, nQ, { threads, kernel });
    const em = new EmMap(
      data,
      {
        model: '2PL',
        quadPoints: nQ,
        quadRange: 6,
        maxCycles: 1,
        tol: 1e-4,
        cPrior: { kind: 'none' },
        acceleration: 'none',
      },
      ex,
    );
    const x = startValues(em.layout, data);
    await em.eStep(x);
    const reps = kernel === 'js' ? 2 : 6;
    const t = performance.now();
    for (let i = 0; i < reps; i++) await em.eStep(x);
    const s = (performance.now() - t) / 1000 / reps;
    await ex.close();
    lines.push(
      `    E-step ${kernel} x${threads}: ${s.toFixed(3)} s, ${((data.nObs * nQ) / s / 1e9).toFixed(2)}e9 observation-nodes/s`,
    );
  }
  return lines;
}

export async function benchEngine(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirt-bench-'));
  console.log(`== engine: whole 'fit' process (read CSV, fit, score, write JSON); ${bin}`);
  try {
    for (const set of BENCH_SETS) {
      const csv = path.join(dir, 'in.csv');
      const out = path.join(dir, 'out.json');
      const rows = await writeCsv(set, csv);
      const t = performance.now();
      const { stderr } = await run(
        'node',
        [bin, 'fit', '--input', csv, '--model', set.model, '--output', out],
        { maxBuffer: 1 << 24 },
      );
      const wall = (performance.now() - t) / 1000;
      const m = JSON.parse(readFileSync(out, 'utf8')).fit_meta.metrics;
      const rss = /peak RSS (\d+) MiB/.exec(stderr)?.[1] ?? '?';
      const ti = m.timings;
      console.log(`- ${set.name}: ${rows} rows`);
      console.log(
        `    wall ${wall.toFixed(2)} s (EM ${ti.em.toFixed(2)}, SE ${ti.se.toFixed(2)}, scoring ${ti.scoring.toFixed(2)}, item fit ${ti.itemFit.toFixed(2)}), ` +
          `peak RSS ${rss} MiB, ${m.cycles} cycles / ${m.e_steps} E-steps, converged ${m.converged}, logLik ${m.logLik.toFixed(3)}`,
      );
      if (set.mirtFitSeconds)
        console.log(
          `    mirt 1.47 EM fit alone: ${set.mirtFitSeconds} s -> ours whole process ${(wall / set.mirtFitSeconds).toFixed(2)}x of that`,
        );
      if (set.perUser < set.nItems && rows >= 2e6) for (const l of await eStepRate(csv, 61)) console.log(l);
      rmSync(csv);
      rmSync(out);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEngine();
