/**
 * Progress a person watching a long fit can read, as mirt's verbose output gives it: during EM a
 * line at most every `intervalSecs` (cycle, objective, largest parameter change, time so far),
 * and one line per finished phase (extract, EM, standard errors, scoring, item fit, upsert).
 * `--quiet` / MIRT_QUIET=true switch all of it off; the result lines stay.
 *
 * The engine reports cycles through its `onCycle` hook (engine/calibrate.ts); the phases inside
 * one calibration are known only when it returns (its `timings`), so they are printed then.
 */
import { performance } from 'node:perf_hooks';
import { UsageError } from './args.js';
import type { LogFields } from './log.js';

/** A progress line and its fields (json logs carry the numbers as numbers). */
export type ProgressWrite = (line: string, fields: LogFields) => void;

export interface ProgressOptions {
  /** Least time between two EM lines. Default 2 s (MIRT_PROGRESS_SECS; 0 = every cycle). */
  readonly intervalSecs?: number;
  /** Seconds on a monotonic clock (tests inject one). */
  readonly clock?: () => number;
}

export const DEFAULT_PROGRESS_SECS = 2;

const monotonic = () => performance.now() / 1000;

/**
 * The engine's onCycle: a line when at least `intervalSecs` passed since the start or the last
 * line, so a fit shorter than that prints none and a long one about one line per interval.
 * The objective is the log-likelihood plus the log prior (the log-likelihood without priors).
 */
export function emProgress(
  write: ProgressWrite,
  options: ProgressOptions = {},
): (cycle: number, objective: number, change: number) => void {
  const clock = options.clock ?? monotonic;
  const interval = options.intervalSecs ?? DEFAULT_PROGRESS_SECS;
  const start = clock();
  let last = start;
  return (cycle, objective, change) => {
    const now = clock();
    if (now - last < interval) return;
    last = now;
    const elapsed = now - start;
    write(
      `[INFO] EM cycle ${cycle}: objective ${objective.toFixed(4)}, largest change ${change.toExponential(2)}, ${elapsed.toFixed(1)} s`,
      { phase: 'EM', cycle, objective, max_change: change, elapsed_s: round(elapsed) },
    );
  };
}

/** `[INFO] phase <name> done in <s> s[; detail]`: one line per finished phase. */
export function phaseLine(write: ProgressWrite, name: string, seconds: number, detail?: string): void {
  write(`[INFO] phase ${name} done in ${seconds.toFixed(2)} s${detail ? `; ${detail}` : ''}`, {
    phase: name,
    seconds: round(seconds),
  });
}

/**
 * The phases inside one calibration, from the result's `fit_meta.metrics` (local engine:
 * `timings` {em, se, scoring, itemFit}; a remote service may send none, then nothing is said).
 */
export function calibrationPhases(write: ProgressWrite, metrics: Readonly<Record<string, unknown>>): void {
  const t = metrics.timings as Partial<Record<'em' | 'se' | 'scoring' | 'itemFit', number>> | undefined;
  if (!t || typeof t !== 'object') return;
  const cycles = typeof metrics.cycles === 'number' ? `${metrics.cycles} cycles, ` : '';
  const converged = metrics.converged === false ? 'not converged' : 'converged';
  if (typeof t.em === 'number') phaseLine(write, 'EM', t.em, `${cycles}${converged}`);
  if (typeof t.se === 'number') phaseLine(write, 'standard errors', t.se);
  if (typeof t.scoring === 'number') phaseLine(write, 'scoring', t.scoring);
  if (typeof t.itemFit === 'number') phaseLine(write, 'item fit', t.itemFit);
}

/** MIRT_PROGRESS_SECS: seconds between EM lines (0 = every cycle). */
export function progressSecs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.MIRT_PROGRESS_SECS?.trim();
  if (!raw) return DEFAULT_PROGRESS_SECS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 3600)
    throw new UsageError(`MIRT_PROGRESS_SECS: expected seconds from 0 to 3600, got "${raw.slice(0, 40)}"`);
  return n;
}

/** MIRT_QUIET: true/1/yes/on turns progress off. */
export function quietFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const s = env.MIRT_QUIET?.trim().toLowerCase() ?? '';
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(s)) return false;
  throw new UsageError(`MIRT_QUIET: expected true or false, got "${s.slice(0, 40)}"`);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
