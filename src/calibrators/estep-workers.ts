/**
 * Where E-steps run: the WebAssembly SIMD kernel (src/engine/kernel/estep.wat) on shared
 * memory, on this thread and on worker_threads. The users are cut into contiguous ranges with
 * about equal numbers of answers; each thread has its own accumulators in the shared memory and
 * this thread adds them up. The JavaScript kernel (estep.ts) is the reference and the fallback
 * where WebAssembly SIMD is not available.
 *
 * Shared memory layout (byte offsets, 16-byte aligned): userPtr, userItem, userResp, then the
 * tables log P, log(1-P) (item-major, stride = nodes rounded up to even), log w; then per
 * thread r0, r1, nodeN, work, outMax, outSum. Louis' score tables s1, s0 and the per-thread
 * information slots come last, in pages added only when item-block standard errors ask for them
 * (they are 3x the size of the accumulators: a run without them should not pay for them).
 *
 * Offsets are plain numbers up to WebAssembly's 4 GiB: element indices are byteOffset / 8, never
 * `byteOffset >> 3` (signed 32-bit: past 2 GiB it turns negative).
 */

import { Worker } from 'node:worker_threads';
import { type EStepExecutor, inlineExecutor } from '../engine/em.js';
import type { EStepAccumulators, EStepInput } from '../engine/estep.js';
import { ESTEP_WASM_BASE64 } from '../engine/kernel/estep-wasm.js';
import { scoreOuterProductsJs } from '../engine/posterior-scores.js';
import type { ResponseData } from '../engine/responses.js';
import { usableCpus } from '../host/cpus.js';

/** Below this many observation-node updates per E-step, a second thread costs more than it saves. */
const THREADS_FROM = 2e7;
const PAGE = 65536;
/** WebAssembly's 32-bit memory: 65536 pages of 64 KiB, 4 GiB. */
const MAX_PAGES = 65536;
/** Scoring nodes (mirt's fscores default for one factor). */
const EAP_NODES = 121;

export type SizedExecutor = EStepExecutor & {
  readonly threads: number;
  readonly kernel: 'wasm-simd' | 'js';
  /** Bytes of shared memory in use now (0 for the JavaScript kernel). */
  memoryBytes(): number;
};

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

/** Element index of a byte offset into a Float64Array over the whole memory (offsets up to 4 GiB). */
export function f64Index(byteOffset: number): number {
  return byteOffset / 8;
}

export interface Region {
  u0: number;
  u1: number;
  r0: number;
  r1: number;
  nodeN: number;
  work: number;
  /** Per-user outputs: max and sum of the E-step, or mean and SD of the EAP. */
  out1: number;
  out2: number;
  /** Louis' information slots (9 per item), in the Louis pages. */
  info: number;
}

type Kernel = 'estep' | 'louis' | 'eap';
type KernelFn = (...args: number[]) => void;

/** Users per kernel call (see runChunked). */
const CHUNK_USERS = 2048;
/** Positions of per-user output pointers in each kernel's arguments (indexed u - u0). */
const PER_USER_OUTPUTS: Record<Kernel, number[]> = { estep: [13, 14], louis: [], eap: [11, 12] };

/**
 * Calls a kernel on users [args[0], args[1]) in chunks. V8 runs WebAssembly first in its baseline
 * compiler and switches to optimised code only between calls, so a kernel run once per fit
 * (Louis' pass, EAP) would stay on baseline code for its whole run, 2-2.5x slower (measured);
 * in chunks, the first ones make it hot and the rest run optimised. Self-contained: the
 * workers run it from its source.
 */
function runChunked(kernel: KernelFn, args: number[], outputs: number[], chunk: number): void {
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
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const __name = (f) => f;
const runChunked = ${runChunked.toString()};
parentPort.on('message', ({ fn, args, outputs, chunk }) => {
  runChunked(kernels[fn], args, outputs, chunk);
  parentPort.postMessage(0);
});
`;

/** Bytes of the shared memory, laid out once for `capacity` nodes; each call uses its own stride. */
export interface Layout {
  ptr: number;
  item: number;
  resp: number;
  logP: number;
  logQ: number;
  logW: number;
  nodes: number;
  /** Louis' score tables, in the Louis pages. */
  s1: number;
  s0: number;
}

/** What the layout depends on: the data's sizes, the node capacity and the users' cut. */
export interface LayoutShape {
  readonly nUsers: number;
  readonly nObs: number;
  readonly nItems: number;
  /** Node capacity, even. */
  readonly cap: number;
  /** Thread t runs users [cuts[t], cuts[t + 1]). */
  readonly cuts: readonly number[];
}

export interface MemoryPlan {
  readonly at: Layout;
  readonly regions: Region[];
  /** Pages for the E-step and the EAP. */
  readonly basePages: number;
  /** Pages once Louis' tables are added (may exceed MAX_PAGES: then that pass runs in JavaScript). */
  readonly louisPages: number;
}

/**
 * Byte offsets of everything in the shared memory (pure: sizes in, offsets out). The E-step and
 * EAP blocks first, Louis' blocks after `basePages`, so that they can be added by growing the
 * memory when standard errors need them.
 */
export function planMemory(shape: LayoutShape): MemoryPlan {
  const { nUsers, nObs, nItems: J, cap, cuts } = shape;
  let top = 0;
  const take = (bytes: number) => {
    const at = top;
    top += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const ptr = take(4 * (nUsers + 1));
  const item = take(4 * nObs);
  const resp = take(nObs);
  const logP = take(8 * J * cap);
  const logQ = take(8 * J * cap);
  const logW = take(8 * cap);
  const nodes = take(8 * cap);
  const regions: Region[] = [];
  for (let t = 0; t + 1 < cuts.length; t++) {
    const users = cuts[t + 1] - cuts[t];
    regions.push({
      u0: cuts[t],
      u1: cuts[t + 1],
      r0: take(8 * J * cap),
      r1: take(8 * J * cap),
      nodeN: take(8 * cap),
      work: take(8 * cap),
      out1: take(8 * users),
      out2: take(8 * users),
      info: -1,
    });
  }
  const basePages = Math.ceil(top / PAGE) + 1;
  top = basePages * PAGE;
  const s1 = take(8 * J * 3 * cap);
  const s0 = take(8 * J * 3 * cap);
  for (const r of regions) r.info = take(8 * J * 9);
  return {
    at: { ptr, item, resp, logP, logQ, logW, nodes, s1, s0 },
    regions,
    basePages,
    louisPages: Math.ceil(top / PAGE),
  };
}

class WasmExecutor implements SizedExecutor {
  readonly kernel = 'wasm-simd' as const;
  /** Over the whole memory; made again when the memory grows. */
  private f64: Float64Array;
  private readonly pending: ((v: unknown) => void)[] = [];
  private readonly kernels: Record<Kernel, KernelFn>;
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
    this.kernels = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as Record<
      Kernel,
      KernelFn
    >;
    this.workers = this.regions.slice(1).map(() => {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: mod, memory } });
      w.unref();
      w.on('message', () => this.pending.shift()?.(undefined));
      w.on('error', (e) => {
        this.failure = e;
        for (const resolve of this.pending.splice(0)) resolve(undefined);
      });
      return w;
    });
  }

  private readonly workers: Worker[];
  private readonly at: Layout;
  private readonly regions: Region[];

  /** Lays the memory out for up to `nodes` quadrature nodes (E-step 61, EAP 121). */
  static start(mod: WebAssembly.Module, data: ResponseData, nodes: number, threads: number): WasmExecutor {
    const cap = nodes + (nodes % 2);
    const plan = planMemory({
      nUsers: data.nUsers,
      nObs: data.nObs,
      nItems: data.nItems,
      cap,
      cuts: splitUsers(data.userPtr, threads),
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

  /** Tables in, padded to an even stride: pad nodes have log w = -inf (posterior 0), entries 0. */
  private loadTables(input: EStepInput): void {
    if (this.closed) throw new Error('E-step executor is closed');
    const { f64, nItems, at } = this;
    const nQ = input.nQ;
    const stride = nQ + (nQ % 2);
    if (stride > this.capacity)
      throw new Error(`kernel memory laid out for ${this.capacity} nodes, asked for ${nQ}`);
    this.stride = stride;
    const logP = f64Index(at.logP);
    const logQ = f64Index(at.logQ);
    for (let j = 0; j < nItems; j++) {
      f64.set(input.logP.subarray(j * nQ, (j + 1) * nQ), logP + j * stride);
      f64.set(input.logQ.subarray(j * nQ, (j + 1) * nQ), logQ + j * stride);
      if (stride > nQ) {
        f64[logP + j * stride + nQ] = 0;
        f64[logQ + j * stride + nQ] = 0;
      }
    }
    f64.set(input.logW, f64Index(at.logW));
    if (stride > nQ) f64[f64Index(at.logW) + nQ] = Number.NEGATIVE_INFINITY;
  }

  /** The common first arguments of every kernel for a region. */
  private head(r: Region): number[] {
    const { at } = this;
    return [r.u0, r.u1, this.stride / 2, at.ptr, at.item, at.resp, at.logP, at.logQ, at.logW];
  }

  /** Runs `fn` on every region: this thread the first, the workers the others. */
  private async everywhere(fn: Kernel, tail: (r: Region) => number[]): Promise<void> {
    const done = this.workers.map(
      (wk, i) =>
        new Promise((resolve) => {
          this.pending.push(resolve);
          const r = this.regions[i + 1];
          wk.postMessage({
            fn,
            args: [...this.head(r), ...tail(r)],
            outputs: PER_USER_OUTPUTS[fn],
            chunk: CHUNK_USERS,
          });
        }),
    );
    const r0 = this.regions[0];
    runChunked(this.kernels[fn], [...this.head(r0), ...tail(r0)], PER_USER_OUTPUTS[fn], CHUNK_USERS);
    await Promise.all(done);
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
    }
    await this.everywhere('estep', (r) => [r.r0, r.r1, r.nodeN, r.work, r.out1, r.out2]);
    // Accumulators out (strided -> nQ), and logLik = sum over users of max + log(sum).
    acc.r0.fill(0);
    acc.r1.fill(0);
    acc.nodeN.fill(0);
    let logLik = 0;
    for (const r of this.regions) {
      for (let j = 0; j < nItems; j++) {
        const a0 = f64Index(r.r0) + j * stride;
        const a1 = f64Index(r.r1) + j * stride;
        const o = j * nQ;
        for (let q = 0; q < nQ; q++) {
          acc.r0[o + q] += f64[a0 + q];
          acc.r1[o + q] += f64[a1 + q];
        }
      }
      const n = f64Index(r.nodeN);
      for (let q = 0; q < nQ; q++) acc.nodeN[q] += f64[n + q];
      const m = f64Index(r.out1);
      const s = f64Index(r.out2);
      for (let u = 0; u < r.u1 - r.u0; u++) logLik += f64[m + u] + Math.log(f64[s + u]);
    }
    return logLik;
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
    await this.everywhere('louis', (r) => [at.s1, at.s0, p, r.info, r.work]);
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
    await this.everywhere('eap', (r) => [at.nodes, r.work, r.out1, r.out2]);
    const nUsers = this.regions[this.regions.length - 1].u1;
    const mean = new Float64Array(nUsers);
    const sd = new Float64Array(nUsers);
    for (const r of this.regions) {
      mean.set(f64.subarray(f64Index(r.out1), f64Index(r.out1) + r.u1 - r.u0), r.u0);
      sd.set(f64.subarray(f64Index(r.out2), f64Index(r.out2) + r.u1 - r.u0), r.u0);
    }
    return { mean, sd };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
