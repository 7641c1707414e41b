/** Worker side of estep-workers.ts: runs the E-step kernel on its range of users when told. */
import { parentPort, workerData } from 'node:worker_threads';
import { clearAccumulators, eStepRange } from '../engine/estep.js';
import type { WorkerInit } from './estep-workers.js';

const init = workerData as WorkerInit;
const acc = { r0: init.r0, r1: init.r1, nodeN: init.nodeN };
const work = new Float64Array(init.nQ);
parentPort?.on('message', () => {
  clearAccumulators(acc);
  const logLik = eStepRange(init, init.u0, init.u1, acc, work);
  parentPort?.postMessage({ logLik });
});
