/** The in-process calibrator: the engine, with E-steps on worker threads for large inputs. */
import { definedOnly, type JobOptions } from '../contract/options.js';
import type { CalibrateResponse } from '../contract/types.js';
import { calibrate } from '../engine/calibrate.js';
import type { ResponseData } from '../engine/responses.js';
import { parseAPrior, parseBPrior } from '../engine/types.js';
import { engineOptions } from '../options/engine.js';
import { createExecutor } from './estep-workers.js';
import { notIdentified } from './identification.js';
import { markNotIdentified, toCalibrateResponse } from './to-contract.js';
import type { CalibrationJob, Calibrator } from './types.js';

export class LocalCalibrator implements Calibrator {
  readonly kind = 'local' as const;
  /** `defaults`: options used where a job sets none (the job's configuration). */
  constructor(
    private readonly threads?: number,
    private readonly defaults: JobOptions = {},
  ) {}

  describe(): string {
    return `local engine${this.threads ? ` (${this.threads} threads)` : ''}`;
  }

  async calibrate(data: ResponseData, given: CalibrationJob): Promise<CalibrateResponse> {
    const job: CalibrationJob = { ...this.defaults, ...definedOnly(given) };
    const started = performance.now();
    const threads = job.threads ?? this.threads;
    const result = await calibrate(data, {
      ...engineOptions(job),
      ...(job.aPrior === undefined ? {} : { aPrior: parseAPrior(job.aPrior) }),
      ...(job.bPrior === undefined ? {} : { bPrior: parseBPrior(job.bPrior) }),
      model: job.model,
      threads,
      anchors:
        job.anchors &&
        Object.fromEntries(
          Object.entries(job.anchors).map(([id, p]) => [id, { a: p.a, b: p.b, c: p.c ?? 0, u: p.u ?? 1 }]),
        ),
      startValues: job.startValues,
      onCycle: job.onCycle,
      executorFor: (d) => createExecutor(d, job.quadPoints ?? 61, { threads }),
    });
    const response = toCalibrateResponse(
      result,
      { version: job.version, runId: job.runId },
      (performance.now() - started) / 1000,
    );
    // Said in the result, so that `fit`, the service and the job can warn about it.
    const unidentified = notIdentified(data, response);
    if (unidentified) {
      response.fit_meta.metrics.not_identified = unidentified;
      markNotIdentified(response, unidentified.items);
    }
    return response;
  }
}
