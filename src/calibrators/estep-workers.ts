/**
 * Where E-steps run: the WebAssembly SIMD kernel (src/engine/kernel/estep.wat) on shared
 * memory, on this thread and on worker_threads. The users are cut into contiguous ranges with
 * about equal numbers of answers; each thread has its own accumulators in the shared memory and
 * this thread adds them up. The JavaScript kernel (estep.ts) is the reference and the fallback
 * where WebAssembly SIMD is not available.
 *
 * Shared memory layout (byte offsets, 16-byte aligned): userPtr, userItem, userResp, then the
 * tables log P, log(1-P) (item-major, stride = nodes rounded up to even), log w; then per
 * thread r0, r1, nodeN, work, outMax, outSum.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type EStepExecutor, inlineExecutor } from '../engine/em.js';
import type { EStepAccumulators, EStepInput } from '../engine/estep.js';
import { ESTEP_WASM_BASE64 } from '../engine/kernel/estep-wasm.js';
import type { ResponseData } from '../engine/responses.js';

/** Below this many observation-node updates per E-step, a second thread costs more than it saves. */
const THREADS_FROM = 2e7;
const PAGE = 65536;

export type SizedExecutor = EStepExecutor & { readonly threads: number; readonly kernel: 'wasm-simd' | 'js' };

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

export interface ExecutorOptions {
  /** Threads (this one included); default: 2 (or the cores, if fewer) on large data, else 1. */
  readonly threads?: number;
  /** `js` forces the reference kernel. */
  readonly kernel?: 'wasm-simd' | 'js';
}

export async function createExecutor(data: ResponseData, nQ: number, options: ExecutorOptions = {}): Promise<SizedExecutor> {
  const auto = data.nObs * nQ >= THREADS_FROM ? Math.min(2, availableParallelism()) : 1;
  const threads = Math.max(1, Math.min(options.threads ?? auto, 16, Math.max(1, data.nUsers)));
  const mod = options.kernel === 'js' ? null : kernelModule();
  if (mod) return WasmExecutor.start(mod, data, nQ, threads);
  // The reference kernel runs on this thread only: threads are a WebAssembly-path feature.
  return { ...inlineExecutor(), threads: 1, kernel: 'js' };
}

interface Region {
  info: number;
  u0: number;
  u1: number;
  r0: number;
  r1: number;
  nodeN: number;
  work: number;
  outMax: number;
  outSum: number;
}

type KernelFn = (...args: number[]) => void;

/** Worker side: instantiate the kernel on the shared memory and run its range when told. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, args, louisArgs } = workerData;
const { estep, louis } = new WebAssembly.Instance(module, { env: { memory } }).exports;
parentPort.on('message', (what) => {
  if (what === 0) estep(...args);
  else louis(...louisArgs, what.p, what.info, what.work);
  parentPort.postMessage(0);
});
`;

class WasmExecutor implements SizedExecutor {
  readonly kernel = 'wasm-simd' as const;
  private readonly f64: Float64Array;
  private readonly pending: ((v: unknown) => void)[] = [];
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    readonly threads: number,
    private readonly memory: WebAssembly.Memory,
    private readonly estep: KernelFn,
    private readonly nQ: number,
    private readonly stride: number,
    private readonly nItems: number,
    private readonly tables: { logP: number; logQ: number; logW: number },
    private readonly regions: Region[],
    private readonly baseArgs: (r: Region) => number[],
    private readonly louisArgs: (r: Region) => number[],
    private readonly louis: KernelFn,
    private readonly scores: { s1: number; s0: number },
    private readonly workers: Worker[],
  ) {
    this.f64 = new Float64Array(memory.buffer);
    for (const w of workers) {
      w.on('message', () => this.pending.shift()?.(undefined));
      w.on('error', (e) => {
        this.failure = e;
        for (const resolve of this.pending.splice(0)) resolve(undefined);
      });
    }
  }

  static start(mod: WebAssembly.Module, data: ResponseData, nQ: number, threads: number): WasmExecutor {
    const stride = nQ + (nQ % 2); // nodes padded to whole f64x2 pairs
    const J = data.nItems;
    const cuts = splitUsers(data.userPtr, threads);
    let top = 0;
    const take = (bytes: number) => {
      const at = top;
      top += Math.ceil(bytes / 16) * 16;
      return at;
    };
    const ptr = take(4 * data.userPtr.length);
    const item = take(4 * data.nObs);
    const resp = take(data.nObs);
    const logP = take(8 * J * stride);
    const logQ = take(8 * J * stride);
    const logW = take(8 * stride);
    const s1 = take(8 * J * 3 * stride);
    const s0 = take(8 * J * 3 * stride);
    const regions: Region[] = [];
    for (let t = 0; t < threads; t++) {
      const users = cuts[t + 1] - cuts[t];
      regions.push({
        u0: cuts[t],
        u1: cuts[t + 1],
        r0: take(8 * J * stride),
        r1: take(8 * J * stride),
        nodeN: take(8 * stride),
        work: take(8 * stride),
        outMax: take(8 * users),
        outSum: take(8 * users),
        info: take(8 * J * 9),
      });
    }
    const pages = Math.ceil(top / PAGE) + 1;
    if (pages > 65536) throw new Error(`E-step data needs ${(top / 2 ** 30).toFixed(1)} GiB, over WebAssembly's 4 GiB`);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const buf = memory.buffer;
    new Int32Array(buf, ptr, data.userPtr.length).set(data.userPtr);
    new Int32Array(buf, item, data.nObs).set(data.userItem);
    new Uint8Array(buf, resp, data.nObs).set(data.userResp);
    const exports = new WebAssembly.Instance(mod, { env: { memory } }).exports;
    const nq2 = stride / 2;
    const baseArgs = (r: Region) => [r.u0, r.u1, nq2, ptr, item, resp, logP, logQ, logW, r.r0, r.r1, r.nodeN, r.work, r.outMax, r.outSum];
    // louis(u0, u1, nq2, ptr, item, resp, logP, logQ, logW, s1, s0, p, info, work): p goes last from the caller.
    const louisArgs = (r: Region) => [r.u0, r.u1, nq2, ptr, item, resp, logP, logQ, logW, s1, s0];
    const workers = regions.slice(1).map((r) => {
      const workerData = { module: mod, memory, args: baseArgs(r), louisArgs: louisArgs(r) };
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData });
      w.unref();
      return w;
    });
    const tables = { logP, logQ, logW };
    return new WasmExecutor(threads, memory, exports.estep as KernelFn, nQ, stride, J, tables, regions, baseArgs, louisArgs, exports.louis as KernelFn, { s1, s0 }, workers);
  }

  /** Tables in, padded: pad nodes have log w = -inf (posterior 0) and table entries 0. */
  private loadTables(input: EStepInput): void {
    if (this.closed) throw new Error('E-step executor is closed');
    const { f64, nQ, stride, nItems } = this;
    for (let j = 0; j < nItems; j++) {
      const o = (this.tables.logP >> 3) + j * stride;
      const oq = (this.tables.logQ >> 3) + j * stride;
      f64.set(input.logP.subarray(j * nQ, (j + 1) * nQ), o);
      f64.set(input.logQ.subarray(j * nQ, (j + 1) * nQ), oq);
    }
    const w = this.tables.logW >> 3;
    f64.set(input.logW, w);
    if (stride > nQ) f64[w + nQ] = Number.NEGATIVE_INFINITY;
  }

  /** Runs `own` here and posts `message` to every worker; resolves when all are done. */
  private async everywhere(own: () => void, message: (r: Region) => unknown): Promise<void> {
    const done = this.workers.map(
      (wk, i) =>
        new Promise((resolve) => {
          this.pending.push(resolve);
          wk.postMessage(message(this.regions[i + 1]));
        }),
    );
    own();
    await Promise.all(done);
    if (this.failure) throw this.failure;
  }

  async run(input: EStepInput, acc: EStepAccumulators): Promise<number> {
    this.loadTables(input);
    const { f64, nQ, stride, nItems } = this;
    for (const r of this.regions) {
      f64.fill(0, r.r0 >> 3, (r.r0 >> 3) + nItems * stride);
      f64.fill(0, r.r1 >> 3, (r.r1 >> 3) + nItems * stride);
      f64.fill(0, r.nodeN >> 3, (r.nodeN >> 3) + stride);
    }
    await this.everywhere(
      () => this.estep(...this.baseArgs(this.regions[0])),
      () => 0,
    );
    // Accumulators out (strided -> nQ), and logLik = sum over users of max + log(sum).
    acc.r0.fill(0);
    acc.r1.fill(0);
    acc.nodeN.fill(0);
    let logLik = 0;
    for (const r of this.regions) {
      for (let j = 0; j < nItems; j++) {
        const a0 = (r.r0 >> 3) + j * stride;
        const a1 = (r.r1 >> 3) + j * stride;
        const o = j * nQ;
        for (let q = 0; q < nQ; q++) {
          acc.r0[o + q] += f64[a0 + q];
          acc.r1[o + q] += f64[a1 + q];
        }
      }
      const n = r.nodeN >> 3;
      for (let q = 0; q < nQ; q++) acc.nodeN[q] += f64[n + q];
      const m = r.outMax >> 3;
      const s = r.outSum >> 3;
      for (let u = 0; u < r.u1 - r.u0; u++) logLik += f64[m + u] + Math.log(f64[s + u]);
    }
    return logLik;
  }

  async scoreOuterProducts(input: EStepInput, s1: Float64Array, s0: Float64Array, p: number, nItems: number): Promise<Float64Array> {
    this.loadTables(input);
    const { f64, nQ, stride } = this;
    for (let row = 0; row < nItems * p; row++) {
      f64.set(s1.subarray(row * nQ, (row + 1) * nQ), (this.scores.s1 >> 3) + row * stride);
      f64.set(s0.subarray(row * nQ, (row + 1) * nQ), (this.scores.s0 >> 3) + row * stride);
    }
    for (const r of this.regions) f64.fill(0, r.info >> 3, (r.info >> 3) + nItems * 9);
    const r0 = this.regions[0];
    await this.everywhere(
      () => this.louis(...this.louisArgs(r0), p, r0.info, r0.work),
      (r) => ({ p, info: r.info, work: r.work }),
    );
    const out = new Float64Array(nItems * 9);
    for (const r of this.regions) {
      const o = r.info >> 3;
      for (let i = 0; i < out.length; i++) out[i] += f64[o + i];
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
