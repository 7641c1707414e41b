/**
 * The memory of the long-row kernel (kernel/long-rows.wat): its control block, the bytes being
 * read, the per-row outputs, and the kernel's two id tables, users and items.
 *
 * The kernel's tables mirror the reader's ByteInterners, which stay the one numbering (they are
 * the builder's IdTables and the lexer's path interns through them): ids the JavaScript side
 * numbered are copied in before each pass (`syncIn`), ids the kernel numbered are given to the
 * interner after it (`syncOut`), in the order they were numbered, so an id has one index in
 * both. The kernel numbers only ids of bytes below 128 (their string is their bytes); an id new
 * to it with another byte stops the pass before its row, and the interner decides its string
 * (U+FFFD for bytes that are not UTF-8, where two byte strings can be one id: see
 * byte-interner.ts).
 *
 * Regions are laid out here, one after the other, and never freed: a region that outgrows its
 * room is copied to a new one at least twice its size, so what is left behind is at most as
 * much as what is in use. Growing the memory detaches the views of its old buffer: every view
 * is taken through `bytes()`/`words()`, which renew them.
 */
import type { ByteInterner } from './byte-interner.js';
import { LONG_ROWS_WASM_BASE64 } from './kernel/long-rows-wasm.js';

/** Byte offsets of the control block (the layout is described in long-rows.wat). */
const TABLE_AT = [0, 32] as const;
const SLOTS = 0;
const MASK = 4;
const KEYS = 8;
const KEY_ROOM = 12;
const IDS = 16;
const ARENA = 20;
const ARENA_ROOM = 24;
const ARENA_USED = 28;
const END = 64;
const WHY = 68;
const NEED = 72;
const TIMED = 76;
const OUT_USER = 80;
const OUT_ITEM = 84;
const OUT_RESP = 88;
const OUT_TIME = 92;
const OUT_ROOM = 96;
const COLUMN_AT = 100;
/** The control block, then the module's 32 bytes of lane masks (long-rows.wat). */
const CONTROL_BYTES = 160;

/** Why a pass stopped: a row it does not take or the end of the bytes; full outputs; a table's room. */
export const STOPPED_AT_ROW = 0;
export const OUTPUTS_FULL = 1;
export const NEEDS_ROOM = 2;

/**
 * Rows written per pass before the outputs are handed on: a few at first (a file of a few rows
 * costs a few kilobytes), four times more each time a pass fills them, up to OUT_ROWS.
 */
const OUT_ROWS = 16384;
const FIRST_OUT_ROWS = 256;
/** Ids of each table before its first growth (its slots: four times that, grown by the kernel's rule `full`; its arena: 16 bytes an id). */
const FIRST_KEYS = 128;
const PAGE = 65536;
/**
 * Bytes readable past the input and past an arena's room: the kernel scans and compares ids 16
 * bytes at a time, reading up to 15 bytes past an id's end (whose values do not matter, but
 * whose addresses must be in the memory).
 */
const MARGIN = 16;

/** Users and items: the kernel's table k. */
export type TableIndex = 0 | 1;

/** Columns of the long layout as the kernel takes them (time -1: none). */
export interface KernelColumns {
  readonly user: number;
  readonly item: number;
  readonly correct: number;
  readonly time: number;
  readonly last: number;
}

/** One pass's rows: views of the kernel's outputs, valid until the next pass. */
export interface KernelRows {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly resp: Uint8Array;
  /** NaN where a row has no time; null when no row of the pass has one. */
  readonly time: Float64Array | null;
  readonly n: number;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  read(p: number, end: number, d: number): number;
  readCommon(p: number, end: number, d: number, stamped: number): number;
  hash(s: number, n: number): number;
  full(n: number, mask: number): number;
  slots(table: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The kernel compiles here (else the lexer reads every row: WebAssembly off, as with --jitless). */
export function kernelAvailable(): boolean {
  return kernelModule() !== null;
}

/** The compiled kernel, null where this runtime cannot compile WebAssembly. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(LONG_ROWS_WASM_BASE64, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export class LongRowsMemory {
  private readonly kernel: KernelExports;
  private readonly memory: WebAssembly.Memory;
  private buffer: ArrayBuffer;
  private u8: Uint8Array;
  private i32: Int32Array;
  /** The first free byte (regions are only ever added above it). */
  private top = CONTROL_BYTES;
  private input = 0;
  private inputRoom = 0;
  /** The buffer whose bytes [srcPos, srcLen) are at `input`. */
  private src: Uint8Array | null = null;
  private srcPos = 0;
  private srcLen = 0;
  /**
   * The columns are the common layout, user, item, answer and maybe the time in this order and
   * no other (1: with the time, 0: without), read by the kernel's `readCommon`; -1: any other,
   * read by its `read`.
   */
  private common = -1;

  /** A kernel with its own memory (only where kernelAvailable()). */
  constructor() {
    const mod = kernelModule();
    if (mod === null) throw new Error('the long-row kernel needs WebAssembly');
    this.kernel = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
    this.memory = this.kernel.memory;
    this.buffer = this.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.outputs(FIRST_OUT_ROWS);
    // Every region first, then the control block: growing the memory detaches earlier views.
    const tables = [0, 1].map(() => [
      this.alloc(FIRST_KEYS * 12),
      this.alloc(FIRST_KEYS * 4 * 4),
      this.alloc(FIRST_KEYS * 16 + MARGIN),
    ]);
    const w = this.words();
    for (const k of [0, 1] as const) {
      const c = TABLE_AT[k] >> 2;
      const [keys, slots, arena] = tables[k];
      w[c + (SLOTS >> 2)] = slots;
      w[c + (MASK >> 2)] = FIRST_KEYS * 4 - 1;
      w[c + (KEYS >> 2)] = keys;
      w[c + (KEY_ROOM >> 2)] = FIRST_KEYS;
      w[c + (ARENA >> 2)] = arena;
      w[c + (ARENA_ROOM >> 2)] = FIRST_KEYS * 16;
    }
  }

  /** New outputs of room for `rows` rows. */
  private outputs(rows: number): void {
    const at = [this.alloc(rows * 4), this.alloc(rows * 4), this.alloc(rows * 8), this.alloc(rows)];
    const w = this.words();
    w[OUT_ROOM >> 2] = rows;
    [w[OUT_USER >> 2], w[OUT_ITEM >> 2], w[OUT_TIME >> 2], w[OUT_RESP >> 2]] = at;
  }

  /** After a pass that filled the outputs: room for more rows in the next, up to OUT_ROWS. */
  widenOutputs(): void {
    const rows = this.words()[OUT_ROOM >> 2];
    if (rows < OUT_ROWS) this.outputs(Math.min(rows * 4, OUT_ROWS));
  }

  setColumns(c: KernelColumns): void {
    const w = this.words();
    const at = COLUMN_AT >> 2;
    w[at] = c.user;
    w[at + 1] = c.item;
    w[at + 2] = c.correct;
    w[at + 3] = c.time;
    w[at + 4] = c.last;
    const ordered = c.user === 0 && c.item === 1 && c.correct === 2;
    if (ordered && c.time === 3 && c.last === 3) this.common = 1;
    else if (ordered && c.time === -1 && c.last === 2) this.common = 0;
    else this.common = -1;
  }

  /**
   * Puts buf[pos, len) in the kernel's memory (unless it is there from the last call: the lexer
   * offers the rest of one buffer again after each row it reads, until `release`) and returns
   * the address of buf[0] as seen by the kernel, so that buf[i] is at the returned value + i.
   * The same buffer object is taken to hold the same bytes only until `release`: a source may
   * read its next chunk into the same memory, even hand out the same object again.
   */
  place(buf: Uint8Array, pos: number, len: number): number {
    if (buf !== this.src || pos < this.srcPos || len !== this.srcLen) {
      const n = len - pos;
      if (n + MARGIN > this.inputRoom) {
        this.inputRoom = Math.max(n + MARGIN, this.inputRoom * 2);
        this.input = this.alloc(this.inputRoom);
      }
      this.bytes().set(buf.subarray(pos, len), this.input);
      this.src = buf;
      this.srcPos = pos;
      this.srcLen = len;
    }
    return this.input - this.srcPos;
  }

  /** The last buffer placed is done with: the next `place` copies, whatever buffer it is given. */
  release(): void {
    this.src = null;
  }

  /** One pass of the kernel over [p, end) (addresses), with delimiter d: the rows read. */
  read(p: number, end: number, d: number): number {
    return this.common < 0 ? this.kernel.read(p, end, d) : this.kernel.readCommon(p, end, d, this.common);
  }

  /** After a pass: the address where its last row ended. */
  get end(): number {
    return this.words()[END >> 2];
  }

  /** After a pass: why it stopped (STOPPED_AT_ROW, OUTPUTS_FULL, NEEDS_ROOM). */
  get why(): number {
    return this.words()[WHY >> 2];
  }

  /** The n rows of the last pass. */
  rows(n: number): KernelRows {
    const w = this.words();
    const buf = this.buffer;
    return {
      user: new Int32Array(buf, w[OUT_USER >> 2], n),
      item: new Int32Array(buf, w[OUT_ITEM >> 2], n),
      resp: new Uint8Array(buf, w[OUT_RESP >> 2], n),
      time: w[TIMED >> 2] > 0 ? new Float64Array(buf, w[OUT_TIME >> 2], n) : null,
      n,
    };
  }

  /** Ids the interner numbered since the last call, copied into the kernel's table k. */
  syncIn(k: TableIndex, ids: ByteInterner): void {
    const c = TABLE_AT[k] >> 2;
    for (let i = this.words()[c + (IDS >> 2)]; i < ids.size; i++) {
      const key = ids.keyBytes(i);
      this.room(k, key === null ? 0 : key.length);
      const w = this.words();
      const at = (w[c + (KEYS >> 2)] >> 2) + i * 3;
      if (key === null) {
        // Numbered without bytes (a string with no UTF-8 form): an index, never a match.
        w[at] = 0;
        w[at + 1] = -1;
        w[at + 2] = 0;
      } else {
        const used = w[c + (ARENA_USED >> 2)];
        this.bytes().set(key, w[c + (ARENA >> 2)] + used);
        // The kernel's hash, not the interner's: the kernel hashes 8 bytes at a time.
        const h = this.kernel.hash(w[c + (ARENA >> 2)] + used, key.length);
        w[at] = used;
        w[at + 1] = key.length;
        w[at + 2] = h;
        w[c + (ARENA_USED >> 2)] = used + key.length;
        this.place32(w, c, h, i);
      }
      w[c + (IDS >> 2)] = i + 1;
    }
  }

  /**
   * Ids the kernel numbered since the last call, given to the interner in their order. Their
   * bytes lie one after the other in the kernel's arena (an id is added at its end), so the
   * interner takes them as one block (`adoptAscii`: the kernel numbers only ids of bytes below
   * 128, and none the interner has, which it checks).
   */
  syncOut(k: TableIndex, ids: ByteInterner): void {
    const c = TABLE_AT[k] >> 2;
    const w = this.words();
    const count = w[c + (IDS >> 2)];
    const first = ids.size;
    if (first === count) return;
    const keys = w[c + (KEYS >> 2)] >> 2;
    const lens = new Int32Array(count - first);
    for (let i = first; i < count; i++) lens[i - first] = w[keys + i * 3 + 1];
    const from = w[c + (ARENA >> 2)] + w[keys + first * 3];
    ids.adoptAscii(new Uint8Array(this.buffer, from, w[c + (ARENA_USED >> 2)] - w[keys + first * 3]), lens);
  }

  /** Room in both tables for one more id of the bytes the last pass asked for. */
  makeRoom(): void {
    const need = this.words()[NEED >> 2];
    this.room(0, need);
    this.room(1, need);
  }

  /** Room in table k for one more id of n bytes: keys, slots (by the rule the kernel's $add keeps, `full`), arena. */
  private room(k: TableIndex, n: number): void {
    const c = TABLE_AT[k] >> 2;
    let w = this.words();
    const ids = w[c + (IDS >> 2)];
    if (ids >= w[c + (KEY_ROOM >> 2)]) {
      const room = w[c + (KEY_ROOM >> 2)] * 2;
      const keys = this.alloc(room * 12);
      w = this.words();
      this.bytes().copyWithin(keys, w[c + (KEYS >> 2)], w[c + (KEYS >> 2)] + ids * 12);
      w[c + (KEYS >> 2)] = keys;
      w[c + (KEY_ROOM >> 2)] = room;
    }
    if (this.kernel.full(ids + 1, w[c + (MASK >> 2)])) {
      let size = (w[c + (MASK >> 2)] + 1) * 2;
      while (this.kernel.full(ids + 1, size - 1)) size *= 2;
      const slots = this.alloc(size * 4);
      w = this.words();
      w[c + (SLOTS >> 2)] = slots;
      w[c + (MASK >> 2)] = size - 1;
      this.kernel.slots(TABLE_AT[k]);
    }
    const used = w[c + (ARENA_USED >> 2)];
    if (used + n > w[c + (ARENA_ROOM >> 2)]) {
      const room = Math.max(w[c + (ARENA_ROOM >> 2)] * 2, used + n);
      const arena = this.alloc(room + MARGIN);
      w = this.words();
      this.bytes().copyWithin(arena, w[c + (ARENA >> 2)], w[c + (ARENA >> 2)] + used);
      w[c + (ARENA >> 2)] = arena;
      w[c + (ARENA_ROOM >> 2)] = room;
    }
  }

  /** Puts id i (hash h) in the first empty slot of its probe sequence in table c (a word offset). */
  private place32(w: Int32Array, c: number, h: number, i: number): void {
    const slots = w[c + (SLOTS >> 2)] >> 2;
    const mask = w[c + (MASK >> 2)];
    let slot = h & mask;
    while (w[slots + slot] !== 0) slot = (slot + 1) & mask;
    w[slots + slot] = i + 1;
  }

  /** A new region of n bytes (8-aligned, zeroed: memory is only ever taken from the top). */
  private alloc(n: number): number {
    const at = (this.top + 7) & ~7;
    this.top = at + n;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE));
    return at;
  }

  private words(): Int32Array {
    this.renew();
    return this.i32;
  }

  private bytes(): Uint8Array {
    this.renew();
    return this.u8;
  }

  private renew(): void {
    if (this.memory.buffer !== this.buffer) {
      this.buffer = this.memory.buffer;
      this.u8 = new Uint8Array(this.buffer);
      this.i32 = new Int32Array(this.buffer);
    }
  }
}
