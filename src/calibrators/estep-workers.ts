/**
 * E-steps across threads: the users are cut into contiguous ranges of about equal numbers of
 * answers; the main thread runs the first range and each worker_thread one other, on shared
 * memory (the response arrays and the probability tables are SharedArrayBuffers, each thread
 * has its own accumulators), and the main thread adds the accumulators up.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type EStepExecutor, inlineExecutor } from '../engine/em.js';
import { type EStepAccumulators, type EStepInput, clearAccumulators, eStepRange } from '../engine/estep.js';
import type { ResponseData } from '../engine/responses.js';

/** Below this many observation-node updates per E-step, threads cost more than they save. */
const THREADS_FROM = 2e7;

export type SizedExecutor = EStepExecutor & { readonly threads: number };

export interface WorkerInit {
  readonly nQ: number;
  readonly u0: number;
  readonly u1: number;
  readonly userPtr: Int32Array;
  readonly userItem: Int32Array;
  readonly userResp: Uint8Array;
  readonly logP: Float64Array;
  readonly logQ: Float64Array;
  readonly logW: Float64Array;
  readonly r0: Float64Array;
  readonly r1: Float64Array;
  readonly nodeN: Float64Array;
}

function shared<T extends Int32Array | Uint8Array | Float64Array>(src: T): T {
  if (src.buffer instanceof SharedArrayBuffer) return src;
  const Ctor = src.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(src.byteLength));
  out.set(src as never);
  return out;
}

function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * n));
}

/** Cuts users into `parts` contiguous ranges with about equal numbers of answers. */
export function splitUsers(userPtr: Int32Array, parts: number): number[] {
  const nUsers = userPtr.length - 1;
  const total = userPtr[nUsers];
  const cuts = [0];
  let u = 0;
  for (let p = 1; p < parts; p++) {
    const target = (total * p) / parts;
    while (u < nUsers && userPtr[u] < target) u++;
    cuts.push(u);
  }
  cuts.push(nUsers);
  return cuts;
}

export function inlineSized(): SizedExecutor {
  return { ...inlineExecutor(), threads: 1 };
}

/**
 * `threads` undefined: automatic (2 or the cores available, whichever is fewer, for large data;
 * 1 otherwise). The two vCPUs of small machines give 1.0–2.0x: measured in bench.
 */
export async function createExecutor(data: ResponseData, threads: number | undefined, nQ: number): Promise<SizedExecutor> {
  const auto = data.nObs * nQ >= THREADS_FROM ? Math.min(2, availableParallelism()) : 1;
  const t = Math.max(1, Math.min(threads ?? auto, 16, Math.max(1, data.nUsers)));
  if (t === 1) return inlineSized();
  return WorkerExecutor.start(data, t, nQ);
}

/**
 * The worker runs the engine's own kernel, shipped as source: the kernel is a self-contained
 * function, and this works the same from the built JavaScript and from TypeScript under a
 * loader (a worker started from a .ts file would need the loader registered in it too).
 * `__name` is a no-op for transpilers that wrap functions to keep their names.
 */
const WORKER_SOURCE = `
const __name = (f) => f;
const { parentPort, workerData: init } = require('node:worker_threads');
const clearAccumulators = ${clearAccumulators.toString()};
const eStepRange = ${eStepRange.toString()};
const acc = { r0: init.r0, r1: init.r1, nodeN: init.nodeN };
const work = new Float64Array(init.nQ);
parentPort.on('message', () => {
  clearAccumulators(acc);
  const logLik = eStepRange(init, init.u0, init.u1, acc, work);
  parentPort.postMessage({ logLik });
});
`;

class WorkerExecutor implements SizedExecutor {
  private pending = new Map<Worker, (v: number) => void>();
  private readonly work: Float64Array;
  private closed = false;

  private constructor(
    readonly threads: number,
    private readonly workers: Worker[],
    private readonly tables: { logP: Float64Array; logQ: Float64Array; logW: Float64Array },
    private readonly accs: EStepAccumulators[],
    private readonly own: { u0: number; u1: number; input: EStepInput },
  ) {
    this.work = new Float64Array(own.input.nQ);
    for (const w of workers) {
      w.on('message', (m: { logLik: number }) => {
        const resolve = this.pending.get(w);
        this.pending.delete(w);
        resolve?.(m.logLik);
      });
    }
  }

  static async start(data: ResponseData, threads: number, nQ: number): Promise<WorkerExecutor> {
    const J = data.nItems;
    const userPtr = shared(data.userPtr);
    const userItem = shared(data.userItem);
    const userResp = shared(data.userResp);
    const tables = { logP: sharedF64(J * nQ), logQ: sharedF64(J * nQ), logW: sharedF64(nQ) };
    const cuts = splitUsers(userPtr, threads);
    const workers: Worker[] = [];
    const accs: EStepAccumulators[] = [];
    for (let p = 1; p < threads; p++) {
      const acc = { r0: sharedF64(J * nQ), r1: sharedF64(J * nQ), nodeN: sharedF64(nQ) };
      accs.push(acc);
      const init: WorkerInit = { nQ, u0: cuts[p], u1: cuts[p + 1], userPtr, userItem, userResp, ...tables, ...acc };
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: init });
      w.unref();
      workers.push(w);
    }
    const input: EStepInput = { nQ, userPtr, userItem, userResp, ...tables };
    return new WorkerExecutor(threads, workers, tables, accs, { u0: cuts[0], u1: cuts[1], input });
  }

  async run(input: EStepInput, acc: EStepAccumulators): Promise<number> {
    if (this.closed) throw new Error('E-step executor is closed');
    this.tables.logP.set(input.logP);
    this.tables.logQ.set(input.logQ);
    this.tables.logW.set(input.logW);
    const replies = this.workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          this.pending.set(w, resolve);
          w.once('error', reject);
          w.postMessage('run');
        }),
    );
    clearAccumulators(acc);
    let logLik = eStepRange(this.own.input, this.own.u0, this.own.u1, acc, this.work);
    const lls = await Promise.all(replies);
    for (let p = 0; p < this.accs.length; p++) {
      logLik += lls[p];
      const a = this.accs[p];
      for (let i = 0; i < acc.r0.length; i++) {
        acc.r0[i] += a.r0[i];
        acc.r1[i] += a.r1[i];
      }
      for (let q = 0; q < acc.nodeN.length; q++) acc.nodeN[q] += a.nodeN[q];
    }
    return logLik;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
