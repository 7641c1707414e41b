/**
 * POST /calibrate and /irt/calibrate as plain functions: JSON bytes or a parsed body in,
 * seed-contract response out. No HTTP here. The service runs `calibrateJsonBytes` inside a
 * worker thread (calibration-worker.ts), so parsing 100 MiB of JSON, validating it and fitting
 * the model all happen off the event loop.
 */

import type { CalibrationJob, Calibrator } from '../calibrators/types.js';
import type { AnchorParams, AnchorSet } from '../contract/anchors.js';
import type { CalibrateOptions } from '../contract/forms.js';
import { hygieneRecord } from '../contract/hygiene.js';
import { optionDefaults, wireToJob } from '../contract/options.js';
import type { CalibrateResponse } from '../contract/types.js';
import { ContractError, validateCalibrateRequest } from '../contract/validate.js';
import { modelFor } from '../engine/models/registry.js';
import { EngineInputError, type ModelName, parseModel } from '../engine/types.js';
import { engineOptions } from '../options/engine.js';
import { bytesNestDeeperThan, MAX_JSON_DEPTH } from './json-depth.js';
import { linkToAnchors } from './linking.js';
import { calibrateInputToData, type RequestData } from './request-data.js';

export interface CalibrateOutcome {
  readonly response: CalibrateResponse;
  readonly model: string;
  /** Observations that reached the model (after hygiene). */
  readonly nObs: number;
  /** Seconds per phase, for the request log and the benchmark. */
  readonly phases: Record<string, number>;
}

/** Service settings the calibration needs inside its worker. */
export interface CalibrateDefaults {
  /**
   * The version of results when the request names none. The R service returned none and its
   * callers wrote `v1` (the online updater reads `version='v1'`): MIRT_SERVICE_DEFAULT_VERSION.
   */
  readonly defaultVersion: string;
}

export const DEFAULT_VERSION = 'v1';

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

/** The R service's run id: `irt-fit-YYYYmmddHHMMSS` (UTC here). */
export function legacyRunId(now: Date): string {
  return `irt-fit-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

/**
 * Anchors as the model can take them. An asymptote the model does not have (a c or u left by an
 * earlier 3PL/4PL run in the stored parameters, sent to a 2PL run) is dropped with a warning,
 * not a 400.
 */
function anchorsForModel(set: AnchorSet, model: ModelName, warnings: string[]) {
  const { itemParams } = modelFor(model);
  const hasC = itemParams.includes('g');
  const hasU = itemParams.includes('h');
  const ignoredC: string[] = [];
  const ignoredU: string[] = [];
  const fit = (m: Map<string, AnchorParams>) => {
    const out = new Map<string, { a: number; b: number; c: number; u: number }>();
    for (const [id, p] of m) {
      if (!hasC && p.c !== 0) ignoredC.push(id);
      if (!hasU && p.u !== 1) ignoredU.push(id);
      out.set(id, { a: p.a, b: p.b, c: hasC ? p.c : 0, u: hasU ? p.u : 1 });
    }
    return out;
  };
  const fixed = fit(set.fixed);
  const start = fit(set.start);
  if (ignoredC.length > 0)
    warnings.push(
      `anchors: c ignored on ${ignoredC.length} entr(ies) of a ${model} run (no lower asymptote in this model): ${list(ignoredC)}`,
    );
  if (ignoredU.length > 0)
    warnings.push(
      `anchors: u ignored on ${ignoredU.length} entr(ies) of a ${model} run (no upper asymptote in this model): ${list(ignoredU)}`,
    );
  if (set.ignored.length > 0)
    warnings.push(
      `anchors: ${set.ignored.length} entr(ies) without parameters ignored: ${list(set.ignored.map((x) => `${x.item_id} (${x.reason})`))}`,
    );
  return { fixed, start };
}

function list(ids: readonly string[], max = 10): string {
  return ids.slice(0, max).join(', ') + (ids.length > max ? `, ... (${ids.length - max} more)` : '');
}

/** The job settings a request asks for; names are validated here so that a bad one is a 400, not a 500. */
export function jobFromOptions(
  o: CalibrateOptions,
  defaults: CalibrateDefaults = { defaultVersion: DEFAULT_VERSION },
  now: Date = new Date(),
  warnings: string[] = [],
): CalibrationJob {
  const model = checked('model', () => parseModel(o.model));
  // A request is an unattended run: the options it does not set take the unattended defaults.
  const options = { ...optionDefaults('unattended'), ...wireToJob(o) };
  // Values whose grammar the engine owns (a prior's), parsed now: a bad one is a 400 naming it.
  engineOptions(options, (wire, err) => {
    throw new ContractError(wire, err.message);
  });
  const anchors = o.anchors ? anchorsForModel(o.anchors, model, warnings) : null;
  return {
    ...options,
    model,
    // Callers that keep history (our job) send their own version; the R service's callers send none.
    version: o.version ?? defaults.defaultVersion,
    runId: o.run_id ?? legacyRunId(now),
    anchors: anchors && anchors.fixed.size > 0 ? Object.fromEntries(anchors.fixed) : undefined,
    startValues: anchors && anchors.start.size > 0 ? anchors.start : undefined,
  };
}

/** Calibrates; any part of the answer that is right but unusual is said in `warnings`. */
export async function calibrateBody(
  body: unknown,
  calibrator: Calibrator,
  defaults?: CalibrateDefaults,
): Promise<CalibrateOutcome> {
  let t = performance.now();
  const input = validateCalibrateRequest(body);
  const warnings: string[] = [];
  const job = jobFromOptions(input.options, defaults, new Date(), warnings);
  const validate = since(t);
  t = performance.now();
  const built = calibrateInputToData(input);
  const build = since(t);
  rowWarnings(built, warnings);
  t = performance.now();
  let response: CalibrateResponse & { status?: string; warnings?: string[] };
  if (built.data === null) {
    // Rows were fine but no item can be estimated: the job exits 0 with a warning here, so the
    // service answers 200 with nothing estimated and says why.
    response = emptyResponse(job, built.hygiene);
    warnings.push('no item is estimable (each was answered all right or all wrong): nothing was estimated');
  } else {
    response = await calibrator.calibrate(built.data, job);
  }
  const calibrate = since(t);
  resultWarnings(response, warnings);
  if (input.options.anchors) {
    const linking = linkToAnchors(response, input.options.anchors);
    (response.fit_meta as unknown as Record<string, unknown>).linking_constants = linking;
    if (linking.reason) warnings.push(`linking: ${linking.reason}; results are on this run's own scale`);
    const spec = response.fit_meta.model_spec as Record<string, unknown>;
    const a = (spec.anchors ?? {}) as Record<string, unknown>;
    spec.anchors = {
      ...a,
      used: a.used ?? 0,
      unused: a.unused ?? [],
      start_values: input.options.anchors.start.size,
      ignored: input.options.anchors.ignored,
    };
  }
  // The R service's name for the number of learners, which its callers may read.
  response.fit_meta.model_spec.n_persons = response.fit_meta.model_spec.n_users;
  response.fit_meta.metrics.warnings = warnings;
  const out = { status: 'ok', ...response, warnings };
  return {
    response: out,
    model: job.model,
    nObs: built.data?.nObs ?? 0,
    phases: { validate, build, calibrate },
  };
}

function rowWarnings(built: RequestData, warnings: string[]): void {
  const d = built.hygiene.dropped;
  const rejected = Object.values(d.rejected).reduce((s, n) => s + n, 0);
  const dropped = d.missingId + d.invalidCorrect + d.nullCorrect + rejected;
  if (dropped > 0) {
    const kinds = Object.entries(built.notes.examples)
      .filter(([k]) => !k.startsWith('responded_at'))
      .map(([k, f]) => `${k} (first: ${f})`);
    warnings.push(`${dropped} row(s) dropped and counted in fit_meta.metrics.hygiene: ${kinds.join(', ')}`);
  }
  if (built.notes.ignoredTimestamps > 0) {
    const first = Object.entries(built.notes.examples).find(([k]) => k.startsWith('responded_at'))?.[1];
    warnings.push(
      `${built.notes.ignoredTimestamps} responded_at value(s) are not timestamps (first: ${first}): their answers are kept, with arrival order deciding between duplicates`,
    );
  }
}

function resultWarnings(response: CalibrateResponse, warnings: string[]): void {
  const m = response.fit_meta.metrics as Record<string, unknown>;
  const h = m.hygiene as { excluded_items?: { id: string; reason: string }[] } | undefined;
  const excluded = h?.excluded_items ?? [];
  if (excluded.length > 0)
    warnings.push(
      `${excluded.length} item(s) excluded, listed in fit_meta.metrics.hygiene.excluded_items: ${list(excluded.map((x) => `${x.id} (${x.reason})`))}`,
    );
  if (m.converged === false)
    warnings.push(`EM stopped after ${String(m.cycles)} cycles without converging: estimates may be off`);
  const unused =
    (response.fit_meta.model_spec.anchors as { unused?: string[] } | null | undefined)?.unused ?? [];
  if (unused.length > 0) warnings.push(`anchors: ${unused.length} id(s) not in the data: ${list(unused)}`);
}

/** The answer when nothing could be estimated: empty lists, the hygiene, no fit statistics. */
function emptyResponse(job: CalibrationJob, h: RequestData['hygiene']): CalibrateResponse {
  return {
    item_params: [],
    abilities: [],
    fit_meta: {
      run_id: job.runId,
      model_spec: { model: job.model, n_items: 0, n_users: 0, n_obs: 0, anchors: null },
      metrics: {
        logLik: null as unknown as number,
        AIC: null as unknown as number,
        n_obs: 0,
        hygiene: hygieneRecord(h),
      },
    },
  };
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
  defaults?: CalibrateDefaults,
): Promise<{ json: string; model: string; nObs: number; phases: Record<string, number> }> {
  let t = performance.now();
  const body = parseJsonBytes(bytes);
  const parse = since(t);
  const outcome = await calibrateBody(body, calibrator, defaults);
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
export function precheckCalibrateBody(bytes: Uint8Array, defaults?: CalibrateDefaults): void {
  jobFromOptions(validateCalibrateRequest(parseJsonBytes(bytes)).options, defaults);
}
