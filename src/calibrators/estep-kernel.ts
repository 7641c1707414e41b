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

/** Users per kernel call (see runChunked). */
export const CHUNK_USERS = 2048;
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

/** Worker side: instantiate the kernel on the shared memory, run what it is told on its range. */
/** The kernel's imports: the shared memory, and Math.log and Math.exp for the sum-score pass. */
export function kernelImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory, log: Math.log, exp: Math.exp } };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory, log: Math.log, exp: Math.exp } }).exports;
const __name = (f) => f;
const runChunked = ${runChunked.toString()};
parentPort.on('message', ({ fn, args, outputs, chunk }) => {
  runChunked(kernels[fn], args, outputs, chunk);
  parentPort.postMessage(0);
});
`;

/** `n` workers on the module and memory: `done` for each finished call, `failed` on an error. */
export function startWorkers(
  n: number,
  mod: WebAssembly.Module,
  memory: WebAssembly.Memory,
  on: { done: () => void; failed: (e: Error) => void },
): Worker[] {
  return Array.from({ length: n }, () => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: mod, memory } });
    w.unref();
    w.on('message', on.done);
    w.on('error', on.failed);
    return w;
  });
}
