/**
 * EM from each of the model's start points, keeping the run with the highest objective
 * (logLik + log prior). One start for every model but the 4PL, whose likelihood has several
 * local maxima of nearly equal height (models/four-pl.ts). A refit (start vector given) runs
 * once from it. Cycles and E-steps count every run.
 */

import type { EmOptions, EmResult, EStepExecutor } from './em.js';
import { type ParamLayout, startValues } from './params.js';
import type { ResponseData } from './responses.js';
import { runEm } from './squarem.js';

export async function runEmFromStarts(
  data: ResponseData,
  options: EmOptions,
  executor: EStepExecutor,
  onCycle: ((cycle: number, objective: number, change: number) => void) | undefined,
  start: { layout: ParamLayout; x?: Float64Array },
): Promise<EmResult> {
  if (start.x) return runEm(data, options, executor, onCycle, start);
  let best: EmResult | null = null;
  let cycles = 0;
  let eSteps = 0;
  for (let k = 0; k < start.layout.model.starts; k++) {
    const x = startValues(start.layout, data, k);
    const r = await runEm(data, options, executor, onCycle, { layout: start.layout, x });
    cycles += r.cycles;
    eSteps += r.eSteps;
    // A run that stopped on a runaway slope goes back to the caller for its refit at once.
    if (r.diverged.length > 0) return { ...r, cycles, eSteps };
    if (!best || r.logLik + r.logPrior > best.logLik + best.logPrior) best = r;
  }
  return { ...(best as EmResult), cycles, eSteps };
}
