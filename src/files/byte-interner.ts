/**
 * Ids interned by their bytes: a field of the input buffer is hashed (FNV-1a) and looked up in
 * an open-addressing table whose keys live in one growing byte arena, so a row costs no string.
 * A string is made once per distinct id, when it is first seen. This is the engine's IdTable
 * (engine/response-types.ts) for readers of bytes: ResponseBuilder.useIdTables takes it.
 *
 * One id per distinct string, as a table of strings would number them: bytes that are not valid
 * UTF-8 decode with U+FFFD in place of the bad bytes, so two different byte strings can make one
 * string; the second is then numbered as the first (and looked up through its string each time,
 * a path only files in another encoding take).
 */

const EMPTY = 0;
/** FNV-1a (32 bit). */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

export class ByteInterner {
  readonly ids: string[] = [];
  private arena = new Uint8Array(1 << 16);
  private used = 0;
  // Room for 8192 ids before the first growth: growing from inside a reader's loop that the
  // JIT has compiled throws that code away (the call was never seen), which on a file of 200k
  // rows and 5,000 learners cost more than the room.
  private start = new Int32Array(8192);
  private len = new Int32Array(8192);
  private hashes = new Int32Array(8192);
  /** Slot -> index + 1 (0 = empty); capacity a power of two, kept at most half full. */
  private table = new Int32Array(16384);
  private mask = 16383;
  /**
   * Ids below this with bytes are in `table`; those from here on were adopted (`adoptAscii`)
   * and are put in it by the next look-up (`settle`): a file the row module reads whole never
   * looks an id up here after its first rows, so its ids never go through this table.
   */
  private indexed = 0;
  // Rows usually come grouped by user: the same bytes again skip the hash.
  private lastIndex = -1;
  /** Ids by string: those given as strings, and decodes holding U+FFFD (see the file comment). */
  private readonly byString = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  /** Index of the id b[s, e) (UTF-8), adding it when new. */
  intern(b: Buffer, s: number, e: number): number {
    const n = e - s;
    const last = this.lastIndex;
    if (last >= 0 && this.len[last] === n && this.sameBytes(last, b, s, n)) return last;
    let h = FNV_OFFSET;
    for (let k = s; k < e; k++) h = Math.imul(h ^ b[k], FNV_PRIME);
    return this.lookup(b, s, n, h);
  }

  /**
   * As intern, with h the FNV-1a hash of the bytes (FNV_OFFSET, then h = imul(h ^ byte,
   * FNV_PRIME) per byte), computed by a caller that scanned them anyway.
   */
  internHashed(b: Buffer, s: number, e: number, h: number): number {
    const n = e - s;
    const last = this.lastIndex;
    if (last >= 0 && this.hashes[last] === h && this.len[last] === n && this.sameBytes(last, b, s, n))
      return last;
    return this.lookup(b, s, n, h);
  }

  /** The index of the id `id`, added when new (the id of its UTF-8 bytes). */
  internString(id: string): number {
    let k = this.byString.get(id);
    if (k !== undefined) return k;
    const b = Buffer.from(id, 'utf8');
    if (b.toString('utf8') === id) k = this.intern(b, 0, b.length);
    else {
      // A lone surrogate has no UTF-8 form: such an id is numbered apart, with no bytes.
      k = this.ids.length;
      this.keyRoom(k);
      this.len[k] = -1;
      this.ids.push(id);
    }
    this.byString.set(id, k);
    return k;
  }

  /**
   * Ids numbered elsewhere (the row module's table, which mirrors this one: long-rows-memory.ts),
   * appended in their order as indices size, size + 1, ...: their bytes one after the other in
   * `block`, lens[k] bytes each. Every byte must be below 128 (the string is the bytes, no U+FFFD
   * question), else this throws. None may be an id of this table: each is looked for among the
   * ids the table holds (throwing if found), and among the ids adopted before it when the next
   * look-up puts them in the table (`settle`). One arena copy and one decode of the block.
   */
  adoptAscii(block: Uint8Array, lens: Int32Array): void {
    let high = 0;
    for (let k = 0; k < block.length; k++) high |= block[k];
    if (high >= 128) throw new Error('ByteInterner.adoptAscii: an id with a byte above 127');
    const first = this.ids.length;
    const count = lens.length;
    let total = 0;
    for (let k = 0; k < count; k++) total += lens[k];
    if (total !== block.length) throw new Error('ByteInterner.adoptAscii: lengths and block disagree');
    while (first + count > this.start.length) this.growKeys();
    if (this.used + block.length > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.used + block.length));
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
    }
    const arena = this.arena;
    arena.set(block, this.used);
    const text = Buffer.from(block.buffer, block.byteOffset, block.length).toString('latin1');
    let at = this.used;
    let t = 0;
    for (let k = 0; k < count; k++) {
      const i = first + k;
      const n = lens[k];
      let h = FNV_OFFSET;
      for (let b = at; b < at + n; b++) h = Math.imul(h ^ arena[b], FNV_PRIME);
      this.start[i] = at;
      this.len[i] = n;
      this.hashes[i] = h;
      this.checkNew(i);
      this.ids.push(text.slice(t, t + n));
      at += n;
      t += n;
    }
    this.used = at;
  }

  /** Id i is not one of the table: the empty slot where it goes (it throws when it is). */
  private checkNew(i: number): number {
    const h = this.hashes[i];
    const n = this.len[i];
    const at = this.start[i];
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (let v = table[slot]; v !== EMPTY; v = table[slot]) {
      if (this.hashes[v - 1] === h && this.len[v - 1] === n && this.sameBytes(v - 1, this.arena, at, n)) {
        throw new Error(`ByteInterner: id ${i} is id ${v - 1} again`);
      }
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  /** The adopted ids put in the table, each checked against those before it. */
  private settle(): void {
    const size = this.ids.length;
    while (size * 2 > this.mask) this.rehash();
    for (let i = this.indexed; i < size; i++) {
      if (this.len[i] >= 0) this.table[this.checkNew(i)] = i + 1;
      this.indexed = i + 1;
    }
  }

  /** The bytes id i was numbered by (a view of the arena), null for an id numbered without bytes. */
  keyBytes(i: number): Uint8Array | null {
    const n = this.len[i];
    return n < 0 ? null : this.arena.subarray(this.start[i], this.start[i] + n);
  }

  private lookup(b: Buffer, s: number, n: number, h: number): number {
    if (this.indexed < this.ids.length) this.settle();
    let slot = h & this.mask;
    for (;;) {
      const v = this.table[slot];
      if (v === EMPTY) break;
      const i = v - 1;
      if (this.hashes[i] === h && this.len[i] === n && this.sameBytes(i, b, s, n)) {
        this.lastIndex = i;
        return i;
      }
      slot = (slot + 1) & this.mask;
    }
    const text = b.toString('utf8', s, s + n);
    if (text.includes('\uFFFD')) {
      const same = this.byString.get(text);
      if (same !== undefined) return same;
      this.byString.set(text, this.ids.length);
    }
    const i = this.add(b, s, n, h, text);
    this.table[slot] = i + 1;
    this.indexed = i + 1;
    if (this.ids.length * 2 > this.mask) this.rehash();
    this.lastIndex = i;
    return i;
  }

  private sameBytes(i: number, b: Uint8Array, s: number, n: number): boolean {
    const a = this.arena;
    const o = this.start[i];
    for (let k = 0; k < n; k++) if (a[o + k] !== b[s + k]) return false;
    return true;
  }

  private keyRoom(i: number): void {
    if (i === this.start.length) this.growKeys();
  }

  private growKeys(): void {
    this.start = grow32(this.start);
    this.len = grow32(this.len);
    this.hashes = grow32(this.hashes);
  }

  private add(b: Buffer, s: number, n: number, h: number, text: string): number {
    const i = this.ids.length;
    this.keyRoom(i);
    if (this.used + n > this.arena.length) {
      const a = new Uint8Array(Math.max(this.arena.length * 2, this.used + n));
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
    }
    // Byte by byte: ids are short, and a subarray to copy from is an object per id.
    const arena = this.arena;
    const at = this.used;
    for (let k = 0; k < n; k++) arena[at + k] = b[s + k];
    this.start[i] = this.used;
    this.len[i] = n;
    this.hashes[i] = h;
    this.used += n;
    this.ids.push(text);
    return i;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.indexed; i++) {
      if (this.len[i] < 0) continue; // numbered without bytes (internString)
      let slot = this.hashes[i] & mask;
      while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

function grow32(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
