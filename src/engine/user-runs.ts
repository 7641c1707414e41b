/**
 * A block's users as runs (answer-blocks.ts): in a file grouped by user a block of 65,536
 * answers names a user ~1,300 times (50 answers each), not 65,536, so run j is user[j] from row
 * start[j] up to start[j + 1] (the last run up to the block's rows). A block whose runs turn out
 * short (a time-ordered export) holds a plain column instead: `push` refuses the run that would
 * make them average under MIN_RUN rows.
 */

const MIN_RUN = 8;

export class UserRuns {
  user: Int32Array = new Int32Array(256);
  start: Int32Array = new Int32Array(256);
  n = 0;

  /** Row `row` (the next one) is user u's; false when a new run would exceed a block of `rows`'s budget. */
  push(u: number, row: number, rows: number): boolean {
    if (this.n > 0 && this.user[this.n - 1] === u) return true;
    if (this.n === this.user.length) {
      if (this.n * 2 > rows / MIN_RUN) return false;
      this.user = grow(this.user);
      this.start = grow(this.start);
    }
    this.user[this.n] = u;
    this.start[this.n] = row;
    this.n++;
    return true;
  }

  /** The users of rows [0, rows) into `to`. */
  expand(to: Int32Array, rows: number): Int32Array {
    for (let j = 0; j < this.n; j++)
      to.fill(this.user[j], this.start[j], j + 1 < this.n ? this.start[j + 1] : rows);
    return to;
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
