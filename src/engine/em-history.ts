/**
 * The EM history a psychometrician asks for after a non-convergence: per recorded cycle, the
 * objective (logLik + log prior) and the largest parameter change, kept compactly.
 *
 * Compact: the objective rounded to 1e-4 (the convergence tolerance's order: differences below
 * that mean nothing), the change to 3 significant digits. Bounded: at most `cap` entries (256);
 * when a long run fills them, every other entry is dropped and from then on only every 2nd (4th,
 * ...) cycle is recorded, so the history spans the whole run at an even stride (`stride`), and the
 * last cycle is always the final entry. `cycles` says which cycle each entry belongs to.
 */

export interface EmHistory {
  /** The cycle (EM map evaluation) each entry was recorded at. */
  readonly cycles: number[];
  readonly objective: number[];
  readonly maxChange: number[];
  /** Every `stride`-th cycle is kept (1 unless the run outgrew `cap`). */
  readonly stride: number;
}

export const HISTORY_CAP = 256;

export class EmHistoryRecorder {
  private cycles: number[] = [];
  private objective: number[] = [];
  private change: number[] = [];
  private stride = 1;
  private seen = 0;
  private last: [number, number, number] | null = null;

  constructor(private readonly cap = HISTORY_CAP) {}

  /** One recorded cycle (EM's onCycle). */
  add(cycle: number, objective: number, change: number): void {
    const entry: [number, number, number] = [cycle, round(objective, 4), significant(change, 3)];
    this.last = entry;
    if (this.seen++ % this.stride !== 0) return;
    this.push(entry);
    if (this.cycles.length >= this.cap) {
      const keep = (_: number, i: number) => i % 2 === 0;
      this.cycles = this.cycles.filter(keep);
      this.objective = this.objective.filter(keep);
      this.change = this.change.filter(keep);
      this.stride *= 2;
    }
  }

  history(): EmHistory {
    const out = { cycles: [...this.cycles], objective: [...this.objective], maxChange: [...this.change] };
    // The final cycle is what a reader looks at first: always there.
    if (this.last && out.cycles[out.cycles.length - 1] !== this.last[0]) {
      out.cycles.push(this.last[0]);
      out.objective.push(this.last[1]);
      out.maxChange.push(this.last[2]);
    }
    return { ...out, stride: this.stride };
  }

  private push([c, o, d]: [number, number, number]): void {
    this.cycles.push(c);
    this.objective.push(o);
    this.change.push(d);
  }
}

function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function significant(x: number, digits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}
