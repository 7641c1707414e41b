/**
 * The targets table `npm run bench` ends with: each section adds its rows (what, target,
 * measured, mirt) to a file named by MIRT_BENCH_ROWS (each section runs in its own process, see
 * run.ts), and run.ts prints them all at the end. A section run alone prints its own rows.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface TargetRow {
  readonly what: string;
  /** The issue's target, e.g. "<= 20 s". */
  readonly target: string;
  /** Wall and CPU seconds (and memory where the target names it). */
  readonly measured: string;
  /** mirt's stored time for the same fit and the ratio, or ''. */
  readonly mirt: string;
  /** The figure before the work (stored or measured side by side), or ''. */
  readonly before?: string;
}

/** "490 s (25x ours)". */
export function mirtCell(mirt: number | undefined, oursWall: number): string {
  if (mirt === undefined) return '';
  const r = mirt / oursWall;
  return `${mirt} s (${r.toFixed(r < 10 ? 1 : 0)}x ours)`;
}

export function addRows(rows: readonly TargetRow[]): void {
  const file = process.env.MIRT_BENCH_ROWS;
  if (file) appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  else printTable(rows);
}

export function readRows(file: string): TargetRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as TargetRow);
}

export function printTable(rows: readonly TargetRow[]): void {
  if (rows.length === 0) return;
  const before = rows.some((r) => r.before);
  console.log(`| what | target | measured |${before ? ' before |' : ''} mirt |`);
  console.log(`|---|---|---|${before ? '---|' : ''}---|`);
  for (const r of rows)
    console.log(
      `| ${r.what} | ${r.target} | ${r.measured} |${before ? ` ${r.before ?? ''} |` : ''} ${r.mirt} |`,
    );
}
