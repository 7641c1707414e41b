/**
 * Worker thread body: one calibration request, off the service's event loop, so that health
 * checks and metrics keep answering while a large body is parsed and the engine computes. It
 * receives the raw body bytes (transferred, not copied), builds the named calibrator class from
 * its module, and posts back the response JSON text or the error's name, field and message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Calibrator } from '../calibrators/types.js';
import { type CalibrateDefaults, calibrateJsonBytes } from './calibrate-handler.js';

export interface CalibrationTask {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly calibratorArg: unknown;
  readonly body: Uint8Array;
  readonly defaults: CalibrateDefaults;
}

export type CalibrationReply =
  | {
      readonly ok: true;
      readonly json: string;
      readonly model: string;
      readonly nObs: number;
      readonly phases: Record<string, number>;
    }
  | {
      readonly ok: false;
      readonly name: string;
      readonly message: string;
      readonly field?: string;
      /** An EngineInputError's subject (engine/errors.ts). */
      readonly subject?: string;
      readonly stack?: string;
    };

async function run(task: CalibrationTask): Promise<CalibrationReply> {
  try {
    const t0 = performance.now();
    const mod = (await import(task.moduleUrl)) as Record<string, new (arg: unknown) => Calibrator>;
    const Ctor = mod[task.exportName];
    if (typeof Ctor !== 'function') throw new Error(`${task.moduleUrl} exports no class ${task.exportName}`);
    const loadSeconds = Math.round(performance.now() - t0) / 1000;
    const calibrator = new Ctor(task.calibratorArg);
    const out = await calibrateJsonBytes(task.body, calibrator, task.defaults);
    return { ok: true, ...out, phases: { load: loadSeconds, ...out.phases } };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return {
      ok: false,
      name: e.name,
      message: e.message,
      field: (e as { field?: string }).field,
      subject: (e as { subject?: string }).subject,
      stack: e.stack,
    };
  }
}

if (parentPort) {
  const port = parentPort;
  run(workerData as CalibrationTask).then((reply) => port.postMessage(reply));
}
