/**
 * The times of one block of answers (answer-blocks.ts), as 32-bit offsets from the block's first
 * known time where they fit: whole seconds while every stamp of the block is a whole number of
 * seconds from it (±68 years), else milliseconds (±24 days), else, from the first stamp that fits
 * neither (a fraction of a millisecond, stamps further apart, an infinite one), 64-bit times as
 * given. Half the bytes of Float64 for the stamps of a file (whole seconds or milliseconds).
 *
 * Exact by construction: an offset d is kept only when `base + d * unit`, the very expression
 * `get` computes, equals the stamp, so every time reads back as the same double (0 and -0 alike,
 * which no comparison tells apart). Unknown times (NaN) are the one offset no stamp takes.
 */

/** The offset of an unknown time; stamps take offsets within ±MAX_OFFSET. */
const UNKNOWN = -0x80000000;
const MAX_OFFSET = 0x7fffffff;

export class BlockTimes {
  /** The block's first known time (finite while offsets are kept). */
  private base = 0;
  /** Milliseconds per offset: 1000 (seconds) or 1; unused once the block holds doubles. */
  private unit = 1000;
  private rel: Int32Array | null = null;
  private abs: Float64Array | null = null;

  /** Times of a block of `rows`, rows [0, k) unknown, `first` the first known time to come. */
  constructor(rows: number, k: number, first: number) {
    if (Number.isFinite(first)) {
      this.base = first;
      this.rel = new Int32Array(rows);
      this.rel.fill(UNKNOWN, 0, k);
    } else {
      this.abs = new Float64Array(rows);
      this.abs.fill(Number.NaN, 0, k);
    }
  }

  /** Row r's time (NaN: unknown). */
  get(r: number): number {
    const abs = this.abs;
    if (abs !== null) return abs[r];
    const d = (this.rel as Int32Array)[r];
    return d === UNKNOWN ? Number.NaN : this.base + d * this.unit;
  }

  /** Rows [from, to) without a time. */
  unknown(from: number, to: number): void {
    if (this.abs !== null) this.abs.fill(Number.NaN, from, to);
    else (this.rel as Int32Array).fill(UNKNOWN, from, to);
  }

  /** Row k's time t (NaN: unknown). */
  put(k: number, t: number): void {
    for (;;) {
      if (this.abs !== null) {
        this.abs[k] = t;
        return;
      }
      const rel = this.rel as Int32Array;
      if (Number.isNaN(t)) {
        rel[k] = UNKNOWN;
        return;
      }
      const d = Math.round((t - this.base) / this.unit);
      if (d >= -MAX_OFFSET && d <= MAX_OFFSET && this.base + d * this.unit === t) {
        rel[k] = d;
        return;
      }
      this.coarsen(t);
    }
  }

  /** Rows k, k + 1, ... take the times src[from, to) (NaN: unknown). */
  putRange(src: Float64Array, from: number, to: number, k: number): void {
    const abs = this.abs;
    if (abs !== null) {
      abs.set(src.subarray(from, to), k);
      return;
    }
    const rel = this.rel as Int32Array;
    const base = this.base;
    const unit = this.unit;
    const inv = 1 / unit;
    for (let j = from; j < to; j++, k++) {
      const t = src[j];
      if (Number.isNaN(t)) {
        rel[k] = UNKNOWN;
        continue;
      }
      // Rounded, then checked by the expression get() reads it back with.
      const d = Math.round((t - base) * inv);
      if (d >= -MAX_OFFSET && d <= MAX_OFFSET && base + d * unit === t) {
        rel[k] = d;
        continue;
      }
      this.coarsen(t);
      this.putRange(src, j, to, k);
      return;
    }
  }

  /** Grows the block to `rows` (the first block doubling). */
  grow(rows: number): void {
    if (this.abs !== null) {
      const a = new Float64Array(rows);
      a.set(this.abs);
      this.abs = a;
    } else {
      const r = new Int32Array(rows);
      r.set(this.rel as Int32Array);
      this.rel = r;
    }
  }

  /**
   * Makes room for stamp t, which the offsets in use cannot hold: milliseconds when t and every
   * offset so far fit them, else doubles (every time so far read back, exactly, by get).
   */
  private coarsen(t: number): void {
    const rel = this.rel as Int32Array;
    if (this.unit === 1000) {
      const d = Math.round(t - this.base);
      let fits = d >= -MAX_OFFSET && d <= MAX_OFFSET && this.base + d === t;
      for (let r = 0; fits && r < rel.length; r++) {
        fits = rel[r] === UNKNOWN || Math.abs(rel[r] * 1000) <= MAX_OFFSET;
      }
      if (fits) {
        // base + (d * 1000) * 1 is the same double as base + d * 1000: d * 1000 is exact.
        for (let r = 0; r < rel.length; r++) if (rel[r] !== UNKNOWN) rel[r] *= 1000;
        this.unit = 1;
        return;
      }
    }
    const abs = new Float64Array(rel.length);
    for (let r = 0; r < rel.length; r++) abs[r] = this.get(r);
    this.abs = abs;
    this.rel = null;
  }
}
