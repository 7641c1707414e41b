/**
 * A Calibrator that runs another calibrator class (by default the engine's LocalCalibrator) in
 * a fresh worker thread per calibration. One thread per calibration: a terminated thread frees
 * everything a large fit allocated, and the time limit can stop a fit mid-computation
 * (`worker.terminate()`), which a promise on the main thread cannot.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CalibrationJob } from '../calibrators/types.js';
import type { CalibrateResponse } from '../contract/types.js';
import { ContractError } from '../contract/validate.js';
import type { ResponseData } from '../engine/responses.js';
import { EngineInputError } from '../engine/types.js';
import type { AbortableCalibrator } from './calibrate-handler.js';
import type { CalibrationReply, CalibrationTask } from './calibration-worker.js';

// Run from source (tsx, .ts) or from the build (.js): the sibling files share this file's extension.
const ext = extname(fileURLToPath(import.meta.url));
const workerUrl = new URL(`./calibration-worker${ext}`, import.meta.url);
const defaultModuleUrl = new URL(`../calibrators/local${ext}`, import.meta.url).href;

export interface WorkerCalibratorOptions {
  /** Module holding the calibrator class; default the engine's local calibrator. */
  readonly moduleUrl?: string;
  readonly exportName?: string;
  /** Passed to the class's constructor inside the worker (structured-cloned). */
  readonly calibratorOptions?: unknown;
}

/** An error from the worker, rebuilt so that the service maps it to the right status. */
function rebuild(reply: Extract<CalibrationReply, { ok: false }>): Error {
  if (reply.name === 'EngineInputError') return new EngineInputError(reply.message);
  if (reply.name === 'ContractError' && reply.field) {
    const e = new ContractError(reply.field, '');
    e.message = reply.message;
    return e;
  }
  const e = new Error(reply.message);
  e.name = reply.name;
  if (reply.stack) e.stack = reply.stack;
  return e;
}

/** Buffers of the compact data, moved to the worker instead of copied. */
function transferables(d: ResponseData): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const a of [d.userPtr, d.userItem, d.userResp, d.itemN, d.itemCorrect]) {
    if (a.buffer instanceof ArrayBuffer) set.add(a.buffer);
  }
  return [...set];
}

export class WorkerCalibrator implements AbortableCalibrator {
  readonly kind = 'local' as const;
  private readonly moduleUrl: string;
  private readonly exportName: string;

  constructor(private readonly options: WorkerCalibratorOptions = {}) {
    this.moduleUrl = options.moduleUrl ?? defaultModuleUrl;
    this.exportName = options.exportName ?? 'LocalCalibrator';
  }

  describe(): string {
    return 'local engine (worker thread per calibration)';
  }

  calibrate(data: ResponseData, job: CalibrationJob, signal?: AbortSignal): Promise<CalibrateResponse> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const task: CalibrationTask = {
      moduleUrl: this.moduleUrl,
      exportName: this.exportName,
      calibratorOptions: this.options.calibratorOptions ?? {},
      data,
      job,
    };
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerUrl, { workerData: task, transferList: transferables(data) });
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => {
        settle(() => reject(signal?.reason ?? new Error('calibration aborted')));
        void worker.terminate();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('message', (reply: CalibrationReply) => {
        settle(() => (reply.ok ? resolve(reply.result as CalibrateResponse) : reject(rebuild(reply))));
        void worker.terminate();
      });
      worker.once('error', (err) => settle(() => reject(err)));
      worker.once('exit', (code) => settle(() => reject(new Error(`calibration worker exited with code ${code}`))));
    });
  }
}
