/**
 * Runs calibration requests in worker threads, one fresh thread per request: a terminated
 * thread frees everything a large fit allocated, and the time limit can stop a fit in the
 * middle of its computation (`worker.terminate()`), which a promise on the main thread cannot.
 * The calibrator class (by default the engine's LocalCalibrator) is loaded inside the worker.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ContractError } from '../contract/validate.js';
import { EngineInputError } from '../engine/types.js';
import type { CalibrateDefaults } from './calibrate-handler.js';
import type { CalibrationReply, CalibrationTask } from './calibration-worker.js';
import { HttpError } from './errors.js';

// Run from source (tsx, .ts) or from the build (.js): sibling files share this file's extension.
const ext = extname(fileURLToPath(import.meta.url));
const workerUrl = new URL(`./calibration-worker${ext}`, import.meta.url);
export const LOCAL_CALIBRATOR_MODULE = new URL(`../calibrators/local${ext}`, import.meta.url).href;

/**
 * Starts the worker. From the build it is a plain .js file. From source (tests, bench, tsx) Node 20
 * does not apply the parent's `--import tsx` loader inside workers, so a one-line bootstrap
 * registers tsx (a devDependency, present wherever the .ts sources run) and imports the .ts file.
 */
function startWorker(options: ConstructorParameters<typeof Worker>[1]): Worker {
  if (ext !== '.ts') return new Worker(workerUrl, options);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

export interface CalibrationRunnerOptions {
  /** Module holding the calibrator class; default the engine's local calibrator. */
  readonly moduleUrl?: string;
  readonly exportName?: string;
  /** The class constructor's argument inside the worker (structured-cloned): LocalCalibrator takes its thread count. */
  readonly calibratorArg?: unknown;
  /** Past this the worker is terminated and the request answered 503. */
  readonly timeLimitMs: number;
  /** What a request leaves unsaid (the version of its results). */
  readonly defaults: CalibrateDefaults;
}

export interface CalibrationRun {
  readonly json: string;
  readonly model: string;
  readonly nObs: number;
  /** Seconds per phase inside the worker (load, parse, validate, build, calibrate, serialize). */
  readonly phases: Record<string, number>;
}

/** An error from the worker, rebuilt so that the service maps it to the right status. */
function rebuild(reply: Extract<CalibrationReply, { ok: false }>): Error {
  if (reply.name === 'EngineInputError') return new EngineInputError(reply.message, reply.subject);
  if (reply.name === 'ContractError' && reply.field !== undefined) {
    const e = new ContractError(reply.field, '');
    e.message = reply.message;
    return e;
  }
  const e = new Error(reply.message);
  e.name = reply.name;
  if (reply.stack) e.stack = reply.stack;
  return e;
}

/** The body's bytes as a standalone ArrayBuffer that can be moved to the worker. */
function ownBuffer(body: Uint8Array): Uint8Array {
  if (
    body.byteOffset === 0 &&
    body.byteLength === body.buffer.byteLength &&
    body.buffer instanceof ArrayBuffer
  )
    return body;
  return new Uint8Array(body); // small bodies come from Node's shared pool: copy, never transfer the pool
}

export class CalibrationRunner {
  readonly moduleUrl: string;
  readonly exportName: string;
  private workers = 0;

  constructor(private readonly options: CalibrationRunnerOptions) {
    this.moduleUrl = options.moduleUrl ?? LOCAL_CALIBRATOR_MODULE;
    this.exportName = options.exportName ?? 'LocalCalibrator';
  }

  /** Calibrations being parsed or fitted in a worker thread right now. */
  get running(): number {
    return this.workers;
  }

  /** `signal`: the caller hung up; the worker is terminated and the promise rejects once it is gone. */
  run(body: Uint8Array, signal?: AbortSignal): Promise<CalibrationRun> {
    const bytes = ownBuffer(body);
    const task: CalibrationTask = {
      moduleUrl: this.moduleUrl,
      exportName: this.exportName,
      calibratorArg: this.options.calibratorArg,
      body: bytes,
      defaults: this.options.defaults,
    };
    return new Promise((resolve, reject) => {
      const worker = startWorker({ workerData: task, transferList: [bytes.buffer as ArrayBuffer] });
      this.workers++;
      // Why the thread is being stopped, if it is: the promise rejects with this once it exits,
      // so that whoever holds a slot for it frees the slot only when the thread is gone.
      let stopping: Error | null = null;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.workers--;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const stop = (why: Error) => {
        stopping ??= why;
        void worker.terminate();
      };
      const timer = setTimeout(() => {
        const secs = Math.round(this.options.timeLimitMs / 1000);
        stop(new HttpError(503, 'timeout', `calibration exceeded the service time limit of ${secs} s`));
      }, this.options.timeLimitMs);
      const onAbort = () => stop(new Error('the caller hung up; calibration stopped'));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (reply: CalibrationReply) => {
        if (stopping) return;
        settle(() =>
          reply.ok
            ? resolve({ json: reply.json, model: reply.model, nObs: reply.nObs, phases: reply.phases })
            : reject(rebuild(reply)),
        );
        void worker.terminate();
      });
      worker.once('error', (err) => {
        if (!stopping) settle(() => reject(err));
      });
      worker.once('exit', (code) =>
        settle(() => reject(stopping ?? new Error(`calibration worker exited with code ${code}`))),
      );
    });
  }
}
