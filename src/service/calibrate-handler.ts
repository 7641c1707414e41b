/**
 * POST /calibrate and /irt/calibrate as plain functions: JSON bytes or a parsed body in,
 * seed-contract response out. No HTTP here. The service runs `calibrateJsonBytes` inside a
 * worker thread (calibration-worker.ts), so parsing 100 MiB of JSON, validating it and fitting
 * the model all happen off the event loop.
 */
import { randomUUID } from 'node:crypto';
import type { CalibrationJob, Calibrator } from '../calibrators/types.js';
import type { CalibrateOptions } from '../contract/forms.js';
import type { CalibrateResponse } from '../contract/types.js';
import { ContractError, validateCalibrateRequest } from '../contract/validate.js';
import { EngineInputError, parseCPrior, parseModel, parseScoreMethod } from '../engine/types.js';
import { bytesNestDeeperThan, MAX_JSON_DEPTH } from './json-depth.js';
import { calibrateInputToData } from './request-data.js';

export interface CalibrateOutcome {
  readonly response: CalibrateResponse;
  readonly model: string;
  /** Observations that reached the model (after hygiene). */
  readonly nObs: number;
  /** Seconds per phase, for the request log and the benchmark. */
  readonly phases: Record<string, number>;
}

const since = (t: number) => Math.round(performance.now() - t) / 1000;

/** Re-raises an engine complaint about one option as a 400 naming that field. */
function checked<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof EngineInputError) throw new ContractError(field, err.message);
    throw err;
  }
}

/** The job settings a request asks for; names are validated here so that a bad one is a 400, not a 500. */
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
    anchors: o.anchors,
  };
}

/** Validates a parsed body, builds the compact data and calibrates. */
export async function calibrateBody(body: unknown, calibrator: Calibrator): Promise<CalibrateOutcome> {
  let t = performance.now();
  const input = validateCalibrateRequest(body);
  const job = jobFromOptions(input.options);
  const validate = since(t);
  t = performance.now();
  const data = calibrateInputToData(input);
  const nObs = data.nObs;
  const build = since(t);
  t = performance.now();
  const response = await calibrator.calibrate(data, job);
  return { response, model: job.model, nObs, phases: { validate, build, calibrate: since(t) } };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a JSON request body. Nesting beyond the contract's is refused before parsing (V8's
 * JSON.parse cannot overflow the stack, but spends seconds and much memory on deep nesting);
 * validation then reads only the contract's fixed depth.
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new ContractError('body', 'is empty');
  if (bytesNestDeeperThan(bytes))
    throw new ContractError('body', `nests deeper than ${MAX_JSON_DEPTH} levels`);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new ContractError('body', 'is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ContractError('body', 'is not valid JSON');
  }
}

/** The whole request as the worker runs it: bytes in, response JSON text out. */
export async function calibrateJsonBytes(
  bytes: Uint8Array,
  calibrator: Calibrator,
): Promise<{ json: string; model: string; nObs: number; phases: Record<string, number> }> {
  let t = performance.now();
  const body = parseJsonBytes(bytes);
  const parse = since(t);
  const outcome = await calibrateBody(body, calibrator);
  t = performance.now();
  const json = JSON.stringify(outcome.response);
  return {
    json,
    model: outcome.model,
    nObs: outcome.nObs,
    phases: { parse, ...outcome.phases, serialize: since(t) },
  };
}

/** The request checks without the calibration (what a bad small request fails on before a worker starts). */
export function precheckCalibrateBody(bytes: Uint8Array): void {
  jobFromOptions(validateCalibrateRequest(parseJsonBytes(bytes)).options);
}
