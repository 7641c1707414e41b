/**
 * Worker thread body: runs one calibration off the service's event loop, so that health checks
 * and metrics keep answering while the engine computes. It receives the request's compact
 * response data (typed arrays transferred, not copied), builds the named calibrator class from
 * its module and posts back the contract response or the error's name and message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CalibrationJob, Calibrator } from '../calibrators/types.js';
import type { ResponseData } from '../engine/responses.js';

export interface CalibrationTask {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly calibratorOptions: unknown;
  readonly data: ResponseData;
  readonly job: CalibrationJob;
}

export type CalibrationReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly name: string; readonly message: string; readonly field?: string; readonly stack?: string };

async function run(task: CalibrationTask): Promise<CalibrationReply> {
  try {
    const mod = (await import(task.moduleUrl)) as Record<string, new (options: unknown) => Calibrator>;
    const Ctor = mod[task.exportName];
    if (typeof Ctor !== 'function') throw new Error(`${task.moduleUrl} exports no class ${task.exportName}`);
    const result = await new Ctor(task.calibratorOptions).calibrate(task.data, task.job);
    return { ok: true, result };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, name: e.name, message: e.message, field: (e as { field?: string }).field, stack: e.stack };
  }
}

if (parentPort) {
  const port = parentPort;
  run(workerData as CalibrationTask).then((reply) => port.postMessage(reply));
}
