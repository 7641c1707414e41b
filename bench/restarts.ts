/**
 * The cost of the 3PL M-step's multimodality restarts (issue 11, item 3; models/item-mstep.ts):
 * EM with and without them on SAT12 (the reference data, 3PL with mirt's prior on logit c) and on
 * a simulated 3PL bank, with the objective each reaches. Time as a ratio (the machine is shared).
 * `node --import tsx bench/restarts.ts` (or `npm run bench -- restarts`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inlineExecutor } from '../src/engine/em.js';
import { ParamLayout } from '../src/engine/params.js';
import { ResponseBuilder, type ResponseData } from '../src/engine/responses.js';
import { simulateResponses } from '../src/engine/simulate.js';
import { runEm } from '../src/engine/squarem.js';
import { DEFAULT_C_PRIOR } from '../src/engine/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function sat12(): ResponseData {
  const text = readFileSync(
    path.join(here, '..', 'test', 'fixtures', 'reference', 'datasets', 'SAT12.long.csv'),
    'utf8',
  );
  const b = new ResponseBuilder({ minItemResponses: 1 });
  for (const line of text.split('\n').slice(1)) {
    const [u, i, x] = line.split(',');
    if (u) b.add(u, i, x);
  }
  return b.build();
}

async function run(data: ResponseData, restarts: boolean) {
  const options = {
    model: '3PL' as const,
    quadPoints: 61,
    quadRange: 6,
    maxCycles: 500,
    tol: 1e-4,
    cPrior: DEFAULT_C_PRIOR,
    acceleration: 'squarem' as const,
    multimodalRestarts: restarts,
  };
  const t0 = process.cpuUsage();
  const r = await runEm(data, options, inlineExecutor(), undefined, {
    layout: new ParamLayout('3PL', data.nItems),
  });
  const cpu = process.cpuUsage(t0);
  return { r, seconds: (cpu.user + cpu.system) / 1e6 };
}

export async function benchRestarts(): Promise<void> {
  const sets: [string, ResponseData][] = [
    ['SAT12 (600 x 32)', sat12()],
    [
      'simulated 3PL (5,000 x 60)',
      simulateResponses({ model: '3PL', nUsers: 5000, nItems: 60, seed: 3 }).data,
    ],
  ];
  for (const [name, data] of sets) {
    const off = await run(data, false);
    const on = await run(data, true);
    const obj = (x: typeof on) => x.r.logLik + x.r.logPrior;
    console.log(
      `3PL restarts, ${name}: CPU ${off.seconds.toFixed(2)} s -> ${on.seconds.toFixed(2)} s ` +
        `(x${(on.seconds / off.seconds).toFixed(2)}), E-steps ${off.r.eSteps} -> ${on.r.eSteps}, ` +
        `objective ${obj(off).toFixed(4)} -> ${obj(on).toFixed(4)} (${(obj(on) - obj(off)).toFixed(4)}), ` +
        `converged ${off.r.converged} / ${on.r.converged}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRestarts();
