/**
 * The common row of the long layout, read by a WebAssembly kernel (kernel/long-rows.wat) before
 * the lexer sees it (PlainRecords of csv-lexer.ts): each buffer copied into the kernel's memory,
 * its rows read there in one pass (fields scanned by their role, ids hashed and interned in the
 * kernel's tables, the answer a 0/1 byte, the ISO stamp read as iso-time.ts reads it), and the
 * rows handed to the builder in batches by id numbers. docs/ENGINE.md ("Reading files") has the
 * figures.
 *
 * A row is taken only when it is read exactly as the general path would read it: no field
 * starts with a quote, the row has the header's number of fields and ends with LF, CRLF or CR,
 * the ids are not empty and do not start or end with a space or tab (the general path trims
 * them), the answer is `0` or `1`, the time stamp is empty or one of iso-time.ts's forms, and a
 * new id is all bytes below 128 (long-rows-memory.ts). Anything else stops the pass before that
 * row, which the lexer then reads, counts and reports as usual.
 */
import type { ResponseBuilder } from '../engine/responses.js';
import type { ByteInterner } from './byte-interner.js';
import type { PlainRecords } from './csv-lexer.js';
import { kernelAvailable, LongRowsMemory, NEEDS_ROOM, OUTPUTS_FULL } from './long-rows-memory.js';

/** Columns of the long layout (time -1: none). */
export interface LongColumns {
  readonly user: number;
  readonly item: number;
  readonly correct: number;
  readonly time: number;
  readonly width: number;
}

export class PlainLongRows implements PlainRecords {
  end = 0;
  /** Rows read here. */
  rows = 0;
  /** The kernel, made once the long layout is chosen (a wide file, or none, makes none). */
  private kernel: LongRowsMemory | null = null;

  private constructor(
    private readonly builder: ResponseBuilder,
    private readonly users: ByteInterner,
    private readonly items: ByteInterner,
  ) {}

  /** The reader of common rows, or null where WebAssembly is not available (the lexer reads them all). */
  static create(builder: ResponseBuilder, users: ByteInterner, items: ByteInterner): PlainLongRows | null {
    return kernelAvailable() ? new PlainLongRows(builder, users, items) : null;
  }

  /** Starts reading rows, once the header and the first row have chosen the long layout. */
  use(columns: LongColumns): void {
    this.kernel = new LongRowsMemory();
    this.kernel.setColumns({ ...columns, last: columns.width - 1 });
  }

  read(buf: Buffer, pos: number, len: number, d: number): number {
    const k = this.kernel;
    if (k === null) return 0;
    const base = k.place(buf, pos, len);
    k.syncIn(0, this.users);
    k.syncIn(1, this.items);
    let p = pos;
    let count = 0;
    for (;;) {
      const n = k.read(base + p, base + len, d);
      // The kernel's new ids first: the builder checks each index against the tables.
      k.syncOut(0, this.users);
      k.syncOut(1, this.items);
      if (n > 0) {
        this.builder.addRows(k.rows(n));
        count += n;
        p = k.end - base;
      }
      const why = k.why;
      if (why === NEEDS_ROOM) k.makeRoom();
      else if (why === OUTPUTS_FULL) k.widenOutputs();
      else break;
    }
    this.end = p;
    this.rows += count;
    return count;
  }

  done(): void {
    this.kernel?.release();
  }
}
