/**
 * Where estimation runs. The job talks to a Calibrator only: `local` runs the engine in-process,
 * `remote` posts the observations to a /calibrate service (ours or the legacy R Plumber one).
 */
import type { JobOptions } from '../contract/options.js';
import type { CalibrateResponse } from '../contract/types.js';
import type { ResponseData } from '../engine/responses.js';

/** One calibration: the model, labels and data-bound settings here, the options of contract/options.ts. */
export interface CalibrationJob extends JobOptions {
  /** Model name as configured (validated by the engine or the service). */
  readonly model: string;
  readonly version: string;
  readonly runId: string;
  readonly threads?: number;
  /**
   * Item priors (engine/types.ts parseAPrior, parseBPrior): `none`, `lognormal:MEANLOG:SDLOG` on
   * a, `normal:MEAN:SD` on b. Local engine only until contract/options.ts declares them.
   */
  readonly aPrior?: string;
  readonly bPrior?: string;
  /** Fixed item parameters (IRT form) by item id: the run is put on their scale. */
  readonly anchors?: Readonly<
    Record<string, { readonly a: number; readonly b: number; readonly c?: number; readonly u?: number }>
  >;
  /** Starting values (IRT form) by item id for items that are estimated, not fixed. */
  readonly startValues?: ReadonlyMap<string, { readonly a: number; readonly b: number; readonly c: number }>;
  /** Progress of EM (the engine's onCycle); a remote calibrator has none to give. */
  readonly onCycle?: (cycle: number, objective: number, change: number) => void;
}

export interface Calibrator {
  /** `local` or `remote`, for the job's summary line. */
  readonly kind: 'local' | 'remote';
  /** One line for logs, e.g. `local engine (2 threads)` or `remote http://svc:8000/calibrate`. No secrets. */
  describe(): string;
  calibrate(data: ResponseData, job: CalibrationJob): Promise<CalibrateResponse>;
}
