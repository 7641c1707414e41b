/**
 * POST /calibrate and /irt/calibrate as a plain function: body in, seed-contract response out.
 * No HTTP here; the route only adds the status code and the headers.
 */
import { randomUUID } from 'node:crypto';
import type { CalibrationJob, Calibrator } from '../calibrators/types.js';
import type { CalibrateOptions } from '../contract/forms.js';
import type { CalibrateResponse } from '../contract/types.js';
import { ContractError, validateCalibrateRequest } from '../contract/validate.js';
import type { ResponseData } from '../engine/responses.js';
import { EngineInputError, parseCPrior, parseModel, parseScoreMethod } from '../engine/types.js';
import { HttpError } from './errors.js';
import { calibrateInputToData } from './request-data.js';

/** A calibrator that can also be told to give up (the worker one terminates its thread). */
export interface AbortableCalibrator extends Calibrator {
  calibrate(data: ResponseData, job: CalibrationJob, signal?: AbortSignal): Promise<CalibrateResponse>;
}

export interface CalibrateOutcome {
  readonly response: CalibrateResponse;
  readonly model: string;
  readonly nObs: number;
}

/** Re-raises an engine complaint about one option as a 400 naming that field. */
function checked<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof EngineInputError) throw new ContractError(field, err.message);
    throw err;
  }
}

/** The job settings a request asks for; names are validated here so a bad one is a 400, not a 500. */
export function jobFromOptions(o: CalibrateOptions, now: Date = new Date()): CalibrationJob {
  const model = checked('model', () => parseModel(o.model));
  if (o.score_method !== undefined) checked('score_method', () => parseScoreMethod(o.score_method as string));
  if (o.c_prior !== undefined) checked('c_prior', () => parseCPrior(o.c_prior as string));
  return {
    model,
    // A version names one calibration's results; callers that keep history send their own.
    version: o.version ?? now.toISOString(),
    runId: o.run_id ?? randomUUID(),
    quadPoints: o.quadpts,
    scoreMethod: o.score_method,
    cPrior: o.c_prior,
    maxCycles: o.max_cycles,
    tol: o.tol,
  };
}

/** The calibration time limit: past it the calibration is abandoned (its thread terminated). */
export async function calibrateWithin<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new HttpError(503, 'timeout', `calibration exceeded the service time limit of ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  try {
    return await Promise.race([run(ac.signal), limit]);
  } finally {
    clearTimeout(timer);
  }
}

export async function handleCalibrate(body: unknown, calibrator: AbortableCalibrator, timeLimitMs: number): Promise<CalibrateOutcome> {
  const input = validateCalibrateRequest(body);
  const job = jobFromOptions(input.options);
  const data = calibrateInputToData(input);
  const response = await calibrateWithin(timeLimitMs, (signal) => calibrator.calibrate(data, job, signal));
  return { response, model: job.model, nObs: data.nObs };
}
