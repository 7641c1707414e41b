/**
 * Where E-steps run: the WebAssembly SIMD kernel (src/engine/kernel/estep.wat, estep-kernel.ts)
 * on shared memory (estep-memory.ts), on this thread and on worker_threads. The users are cut
 * into contiguous ranges with about equal numbers of answers; each thread has its own
 * accumulators in the shared memory and this thread adds them up. The JavaScript kernel
 * (estep.ts) is the reference and the fallback where WebAssembly SIMD is not available.
 */

import type { Worker } from 'node:worker_threads';
import { type EStepExecutor, inlineExecutor } from '../engine/em.js';
import type { EStepAccumulators, EStepInput } from '../engine/estep.js';
import type { ItemFitPassInput, ItemFitPassOutput } from '../engine/itemfit-passes.js';
import { scoreOuterProductsJs } from '../engine/posterior-scores.js';
import type { ResponseData } from '../engine/responses.js';
import { usableCpus } from '../host/cpus.js';
import { completeRows, countComplete } from './estep-complete.js';
import { itemFitOnKernel } from './estep-itemfit.js';
import {
  CHUNK_USERS,
  type Kernel,
  type KernelFn,
  kernelImports,
  kernelModule,
  PER_USER_OUTPUTS,
  prestartWorkers,
  runChunked,
  startWorkers,
} from './estep-kernel.js';
import {
  FIT_ANSWERS_PER_LEARNER,
  f64Index,
  type Layout,
  loadLogTables,
  MAX_PAGES,
  type MemoryPlan,
  maxAnswers,
  PAGE,
  planMemory,
  type Region,
  readAccumulators,
  splitUsers,
} from './estep-memory.js';

export { kernelModule, releaseWorkers } from './estep-kernel.js';
export { f64Index, type MemoryPlan, planMemory, splitUsers } from './estep-memory.js';

/**
 * Below this many observation-node updates per E-step, a second thread costs more than it saves.
 * Started by the executor, a worker takes 20-35 ms to its first line (~4 ms of it on this
 * thread); `fit` prestarts it during the read (prestartForFit), which leaves a message each way
 * per kernel call (~0.1-0.2 ms) against half the call's work. Not lowered for that (issue 14):
 * dense 5,000 x 40 at 61 nodes (1.2e7) on 2 threads, prestarted, took 0.187 s against 0.219 s
 * to calibrate (min of 8, alternated, load ~2) with the kernels before the complete learners'
 * path; with it the kernels' work halved, and on the shared 2-core test machine (load 7-9) the
 * second thread no longer won, neither a whole fit (Node 26: 0.42 s against 0.32 s wall, this
 * thread's CPU 0.214 s against 0.225 s, min of 8) nor a single call alternated with one thread
 * (E-step 3.6 against 3.4 ms, min of 100; at 600k x 61, 9.3 against 8.4 ms). Lower it on
 * measurements on 2 idle cores.
 */
const THREADS_FROM = 2e7;
/** Scoring nodes (mirt's fscores default for one factor). */
const EAP_NODES = 121;

export type SizedExecutor = EStepExecutor & {
  readonly threads: number;
  readonly kernel: 'wasm-simd' | 'js';
  /** Bytes of shared memory in use now (0 for the JavaScript kernel). */
  memoryBytes(): number;
};

export interface ExecutorOptions {
  /** Threads (this one included); default: 2 (or the cores, if fewer) on large data, else 1. */
  readonly threads?: number;
  /** `js` forces the reference kernel. */
  readonly kernel?: 'wasm-simd' | 'js';
}

/**
 * For `fit`, before it reads its input: starts the kernel workers that the executor will want
 * (createExecutor's own choice, on `answers`, the input's estimate: files/answers-in-file.ts), so
 * that their start overlaps the read. None where threads are not wanted. The caller ends
 * those not taken with releaseWorkers when the fit is over.
 */
export function prestartForFit(answers: number, options: { threads?: number; quadPoints?: number }): void {
  if (!kernelModule()) return; // the JavaScript kernel runs on this thread only
  let extra: number;
  if (options.threads !== undefined) extra = Math.min(options.threads, 16) - 1;
  else {
    if (usableCpus() < 2) return;
    extra = answers * (options.quadPoints ?? 61) >= THREADS_FROM ? 1 : 0;
  }
  if (extra > 0) prestartWorkers(extra);
}

export async function createExecutor(
  data: ResponseData,
  nQ: number,
  options: ExecutorOptions = {},
): Promise<SizedExecutor> {
  const auto = data.nObs * nQ >= THREADS_FROM ? Math.min(2, usableCpus()) : 1;
  const threads = Math.max(1, Math.min(options.threads ?? auto, 16, Math.max(1, data.nUsers)));
  const mod = options.kernel === 'js' ? null : kernelModule();
  // Laid out for the EAP's 121 nodes too, so that scoring runs on the same memory.
  if (mod) return WasmExecutor.start(mod, data, Math.max(nQ, EAP_NODES), threads);
  // The reference kernel runs on this thread only: threads are a WebAssembly-path feature.
  return { ...inlineExecutor(), threads: 1, kernel: 'js', memoryBytes: () => 0 };
}

interface TableKernels {
  completeTables(logP: number, logQ: number, logW: number, dn: number, nItems: number, nq2: number): void;
  foldComplete(r0: number, r1: number, dc: number, nItems: number, nq2: number): void;
}

class WasmExecutor implements SizedExecutor {
  readonly kernel = 'wasm-simd' as const;
  /** Over the whole memory; made again when the memory grows. */
  private f64: Float64Array;
  private readonly pending: ((v: unknown) => void)[] = [];
  private readonly kernels: Record<Kernel, KernelFn>;
  /** The small passes over tables this thread runs between kernel calls (estep-complete.ts). */
  private readonly table: TableKernels;
  private failure: Error | null = null;
  private closed = false;
  /** Node stride (even) of the tables loaded last. */
  private stride = 0;

  private constructor(
    readonly threads: number,
    private readonly memory: WebAssembly.Memory,
    mod: WebAssembly.Module,
    private readonly capacity: number,
    private readonly nItems: number,
    private readonly plan: MemoryPlan,
  ) {
    this.at = plan.at;
    this.regions = plan.regions;
    this.f64 = new Float64Array(memory.buffer);
    const exports = new WebAssembly.Instance(mod, kernelImports(memory)).exports;
    this.kernels = exports as unknown as Record<Kernel, KernelFn>;
    this.table = exports as unknown as TableKernels;
    this.workers = startWorkers(this.regions.length - 1, mod, memory, {
      done: () => this.pending.shift()?.(undefined),
      failed: (e) => {
        this.failure = e;
        for (const resolve of this.pending.splice(0)) resolve(undefined);
      },
    });
  }

  private readonly workers: Worker[];
  private readonly at: Layout;
  private readonly regions: Region[];

  /** Lays the memory out for up to `nodes` quadrature nodes (E-step 61, EAP 121). */
  static start(mod: WebAssembly.Module, data: ResponseData, nodes: number, threads: number): WasmExecutor {
    const cap = nodes + (nodes % 2);
    const most = maxAnswers(data.userPtr);
    const plan = planMemory({
      nUsers: data.nUsers,
      nObs: data.nObs,
      nItems: data.nItems,
      cap,
      cuts: splitUsers(data.userPtr, threads),
      fitAnswers: Math.min(FIT_ANSWERS_PER_LEARNER, most),
      maxAnswers: most,
      complete: countComplete(data.userPtr, data.nItems) > 0,
    });
    if (plan.basePages > MAX_PAGES)
      throw new Error(
        `E-step data needs ${((plan.basePages * PAGE) / 2 ** 30).toFixed(1)} GiB, over WebAssembly's 4 GiB`,
      );
    // Reserved up to the Louis pages (address space only); committed as the memory grows.
    const memory = new WebAssembly.Memory({
      initial: plan.basePages,
      maximum: Math.min(plan.louisPages, MAX_PAGES),
      shared: true,
    });
    const { at } = plan;
    new Int32Array(memory.buffer, at.ptr, data.userPtr.length).set(data.userPtr);
    new Int32Array(memory.buffer, at.item, data.nObs).set(data.userItem);
    new Uint8Array(memory.buffer, at.resp, data.nObs).set(data.userResp);
    return new WasmExecutor(threads, memory, mod, cap, data.nItems, plan);
  }

  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Adds the Louis pages on first use. False when they do not fit in 4 GiB: the caller then runs
   * the pass in JavaScript on this thread (same sums, slower).
   */
  private louisMemory(): boolean {
    const { louisPages } = this.plan;
    if (louisPages > MAX_PAGES) return false;
    const have = this.memory.buffer.byteLength / PAGE;
    if (have < louisPages) {
      try {
        this.memory.grow(louisPages - have);
      } catch {
        return false; // the system would not commit more memory: the JavaScript pass needs none
      }
      this.f64 = new Float64Array(this.memory.buffer);
    }
    return true;
  }

  /** Tables in (estep-memory.ts's loadLogTables); their stride is that of the kernels' next calls. */
  private loadTables(input: EStepInput): void {
    if (this.closed) throw new Error('E-step executor is closed');
    const stride = input.nQ + (input.nQ % 2);
    if (stride > this.capacity)
      throw new Error(`kernel memory laid out for ${this.capacity} nodes, asked for ${input.nQ}`);
    this.stride = stride;
    loadLogTables(this.f64, this.at, input, this.nItems, stride);
    const { at } = this;
    if (at.complete)
      this.table.completeTables(at.logP, at.logQ, at.logW, at.complete, this.nItems, stride / 2);
  }

  /** The common first arguments of every kernel for a region. */
  private head(r: Region): number[] {
    const { at } = this;
    return [r.u0, r.u1, this.stride / 2, at.ptr, at.item, at.resp, at.logP, at.logQ, at.logW];
  }

  /** The last arguments of Louis' pass, the EAP and the squares: J, the answer list, the complete tables. */
  private listArgs(r: Region): number[] {
    return [this.nItems, this.at.listSlots, r.list, this.at.complete];
  }

  /** Runs `fn` on every region: this thread the first, the workers the others. */
  private everywhere(fn: Kernel, tail: (r: Region) => number[]): Promise<void> {
    const args = (t: number) => [...this.head(this.regions[t]), ...tail(this.regions[t])];
    return this.onThreads(fn, args, CHUNK_USERS);
  }

  /**
   * Runs `fn` with argsOf(t) on thread t: this thread 0, worker i thread i + 1. The workers are
   * ref'd while they have a call: unref'd and running, the process would exit under the await
   * (idle, they must not keep it alive).
   */
  private async onThreads(fn: Kernel, argsOf: (t: number) => number[], chunk: number): Promise<void> {
    const outputs = PER_USER_OUTPUTS[fn];
    const done = this.workers.map(
      (wk, i) =>
        new Promise((resolve) => {
          this.pending.push(resolve);
          wk.ref();
          wk.postMessage({ fn, args: argsOf(i + 1), outputs, chunk });
        }),
    );
    try {
      runChunked(this.kernels[fn], argsOf(0), outputs, chunk);
      await Promise.all(done);
    } finally {
      for (const wk of this.workers) wk.unref();
    }
    if (this.failure) throw this.failure;
  }

  async run(input: EStepInput, acc: EStepAccumulators): Promise<number> {
    this.loadTables(input);
    const { f64, stride, nItems } = this;
    const nQ = input.nQ;
    for (const r of this.regions) {
      f64.fill(0, f64Index(r.r0), f64Index(r.r0) + nItems * stride);
      f64.fill(0, f64Index(r.r1), f64Index(r.r1) + nItems * stride);
      f64.fill(0, f64Index(r.nodeN), f64Index(r.nodeN) + stride);
      if (r.complete) f64.fill(0, f64Index(r.complete), f64Index(r.complete) + completeRows(nItems) * stride);
    }
    await this.everywhere('estep', (r) => [
      r.r0,
      r.r1,
      r.nodeN,
      r.work,
      r.out1,
      r.out2,
      ...this.listArgs(r),
      r.complete,
    ]);
    for (const r of this.regions)
      if (r.complete) this.table.foldComplete(r.r0, r.r1, r.complete, nItems, stride / 2);
    return readAccumulators(f64, this.regions, acc, nQ, stride);
  }

  async scoreOuterProducts(
    input: EStepInput,
    s1: Float64Array,
    s0: Float64Array,
    p: number,
    nItems: number,
  ): Promise<Float64Array> {
    if (this.closed) throw new Error('E-step executor is closed');
    if (!this.louisMemory()) return scoreOuterProductsJs(input, s1, s0, p, nItems);
    this.loadTables(input);
    const { f64, stride, at } = this;
    const nQ = input.nQ;
    for (let row = 0; row < nItems * p; row++) {
      f64.set(s1.subarray(row * nQ, (row + 1) * nQ), f64Index(at.s1) + row * stride);
      f64.set(s0.subarray(row * nQ, (row + 1) * nQ), f64Index(at.s0) + row * stride);
    }
    for (const r of this.regions) f64.fill(0, f64Index(r.info), f64Index(r.info) + nItems * 9);
    await this.everywhere('louis', (r) => [at.s1, at.s0, p, r.info, r.work, ...this.listArgs(r)]);
    const out = new Float64Array(nItems * 9);
    for (const r of this.regions) {
      const o = f64Index(r.info);
      for (let i = 0; i < out.length; i++) out[i] += f64[o + i];
    }
    return out;
  }

  async posteriorMoments(
    input: EStepInput,
    nodes: Float64Array,
  ): Promise<{ mean: Float64Array; sd: Float64Array }> {
    this.loadTables(input);
    const { f64, stride, at } = this;
    f64.set(nodes, f64Index(at.nodes));
    if (stride > nodes.length) f64[f64Index(at.nodes) + nodes.length] = 0;
    await this.everywhere('eap', (r) => [at.nodes, r.work, r.out1, r.out2, ...this.listArgs(r)]);
    const nUsers = this.regions[this.regions.length - 1].u1;
    const mean = new Float64Array(nUsers);
    const sd = new Float64Array(nUsers);
    for (const r of this.regions) {
      mean.set(f64.subarray(f64Index(r.out1), f64Index(r.out1) + r.u1 - r.u0), r.u0);
      sd.set(f64.subarray(f64Index(r.out2), f64Index(r.out2) + r.u1 - r.u0), r.u0);
    }
    return { mean, sd };
  }

  /**
   * Item fit's passes in the kernels on every thread (estep-itemfit.ts). Null when the extra
   * pages cannot be had (the caller runs them in JavaScript).
   */
  async itemFitPasses(input: ItemFitPassInput): Promise<ItemFitPassOutput | null> {
    const { data, tables, logW } = input;
    if (this.closed) throw new Error('E-step executor is closed');
    if (!this.louisMemory()) return null;
    this.loadTables({ nQ: logW.length, ...data, logP: tables.logP, logQ: tables.logQ, logW });
    return itemFitOnKernel(
      {
        f64: () => this.f64,
        at: this.at,
        regions: this.regions,
        head: (r) => this.head(r),
        listArgs: (r) => this.listArgs(r),
        onThreads: (fn, argsOf, chunk) => this.onThreads(fn, argsOf, chunk),
      },
      input,
      this.stride,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
