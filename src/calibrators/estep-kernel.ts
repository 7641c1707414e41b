/**
 * The WebAssembly SIMD kernels (src/engine/kernel/estep.wat): the compiled module, how a kernel
 * is called in chunks, and the worker that runs them on its share of the users.
 */

import { Worker } from 'node:worker_threads';
import { ESTEP_WASM_BASE64 } from '../engine/kernel/estep-wasm.js';

let compiled: WebAssembly.Module | null | undefined;
/** The kernel module, or null where this runtime has no WebAssembly SIMD / shared memory. */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = Buffer.from(ESTEP_WASM_BASE64, 'base64');
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export type Kernel = 'estep' | 'louis' | 'eap' | 'squares' | 'sumscore';
export type KernelFn = (...args: number[]) => void;

/**
 * Users per kernel call (see runChunked). Small, so that a kernel run once per fit asks for its
 * optimised code early: V8 tiers a kernel up after its first call(s) of Liftoff code, and with
 * 2 threads of 2,500 users (dense 5,000 x 40) chunks of 2,048 left 80% of Louis' pass on
 * Liftoff on both threads (its first call 30-48 ms against 13-18 ms with 256, 10 ms once hot);
 * a call costs ~1 us against ~0.5 ms of work for 256 users of 40 answers.
 */
export const CHUNK_USERS = 256;
/** Positions of per-user output pointers in each kernel's arguments (indexed u - u0). */
export const PER_USER_OUTPUTS: Record<Kernel, number[]> = {
  estep: [13, 14],
  louis: [],
  eap: [11, 12],
  squares: [],
  sumscore: [],
};

/**
 * Calls a kernel on users [args[0], args[1]) in chunks. V8 runs WebAssembly first in its baseline
 * compiler and switches to optimised code only between calls, so a kernel run once per fit
 * (Louis' pass, EAP) would stay on baseline code for its whole run, 2-2.5x slower (measured);
 * in chunks, the first ones make it hot and the rest run optimised. Self-contained: the
 * workers run it from its source.
 */
export function runChunked(kernel: KernelFn, args: number[], outputs: number[], chunk: number): void {
  const u0 = args[0];
  const u1 = args[1];
  const call = args.slice();
  for (let c = u0; c < u1; c += chunk) {
    call[0] = c;
    call[1] = Math.min(c + chunk, u1);
    for (const i of outputs) call[i] = args[i] + 8 * (c - u0);
    kernel(...call);
  }
}

/** The kernel's imports: the shared memory, and Math.log and Math.exp for the sum-score pass. */
export function kernelImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory, log: Math.log, exp: Math.exp } };
}

/**
 * Worker side: its first message brings the module and the shared memory (it starts before
 * they exist, see prestartWorkers); every later one is a kernel call on its range, answered 0.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const __name = (f) => f;
const runChunked = ${runChunked.toString()};
let kernels = null;
parentPort.on('message', (m) => {
  if (kernels === null) {
    kernels = new WebAssembly.Instance(m.module, { env: { memory: m.memory, log: Math.log, exp: Math.exp } }).exports;
    return;
  }
  runChunked(kernels[m.fn], m.args, m.outputs, m.chunk);
  parentPort.postMessage(0);
});
`;

/** A worker that has nothing to do; unref'd, so that it never keeps the process alive. */
function idleWorker(): Worker {
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.unref();
  return w;
}

/**
 * Workers started ahead of an executor (prestartWorkers), not yet taken. One that fails or exits
 * while waiting leaves the pool; its error is not lost, as no executor will wait on it.
 */
const waiting = new Set<Worker>();

/**
 * Starts `n` workers now, for the next executor(s) to take (startWorkers). A worker takes 20-35 ms
 * to run its first line (measured: new Worker to its first message), ~4 ms of it on this thread;
 * started before the data is read, that time passes on the other core during the read. The
 * caller that prestarts ends them with releaseWorkers once its executors are made. Returns them
 * (to be watched, not used: the executors take them).
 */
export function prestartWorkers(n: number): Worker[] {
  return Array.from({ length: n }, () => {
    const w = idleWorker();
    const leave = () => waiting.delete(w);
    w.once('error', leave);
    w.once('exit', leave);
    waiting.add(w);
    return w;
  });
}

/** How many prestarted workers are waiting to be taken. */
export function prestartedWorkers(): number {
  return waiting.size;
}

/** Terminates the prestarted workers no executor took. */
export async function releaseWorkers(): Promise<void> {
  const left = [...waiting];
  waiting.clear();
  await Promise.all(left.map((w) => w.terminate()));
}

/**
 * `n` workers on the module and memory, the prestarted ones first, then new ones: `done` for
 * each finished call, `failed` on an error. Messages keep their order, so calls can follow
 * the module and memory at once.
 */
export function startWorkers(
  n: number,
  mod: WebAssembly.Module,
  memory: WebAssembly.Memory,
  on: { done: () => void; failed: (e: Error) => void },
): Worker[] {
  const taken = [...waiting].slice(0, n);
  for (const w of taken) {
    waiting.delete(w);
    w.removeAllListeners();
  }
  const workers = [...taken, ...Array.from({ length: n - taken.length }, idleWorker)];
  for (const w of workers) {
    w.on('message', on.done);
    w.on('error', on.failed);
    w.postMessage({ module: mod, memory });
  }
  return workers;
}
