/**
 * What every phase of the nightly job (run-job.ts) shares: the run's labels and clock, where its
 * lines go, and how a phase ends the run. A phase that cannot go on throws `JobStop` with the
 * outcome it ends in (one [ERROR] line already printed); runJob returns that outcome. So each
 * phase reads top to bottom, and no failure can be forgotten on the way out.
 */
import { performance } from 'node:perf_hooks';
import type { Extraction } from '../data/extract.js';
import type { WriteSummary } from '../data/write-results.js';
import type { HygieneReport } from '../engine/responses.js';
import type { JobConfig } from './config.js';
import type { ProgressWrite } from './progress.js';
import { runLabels } from './run-labels.js';
import { NOTHING_WRITTEN } from './summary.js';

export interface JobIo {
  /** INFO/WARN and the plain lines, to stdout by default. */
  out(line: string): void;
  /** [ERROR] lines, to stderr by default. */
  err(line: string): void;
  /**
   * Progress (EM lines at most every few seconds, one line per finished phase; progress.ts), to
   * stderr by default; absent = none (--quiet, and tests that read the other lines).
   */
  progress?: ProgressWrite;
}

/**
 * `no-data`: nothing in the window (normal, exit 0). `not-estimable`: answers in the window, but
 * nothing the model can estimate from them (exit 1: no new results, and the operator must hear
 * of it, whether the source broke or the data are too thin; docs/nightly-job.md).
 */
export type JobStatus = 'ok' | 'dry-run' | 'no-data' | 'not-estimable' | 'locked' | 'failed';

export interface JobOutcome {
  readonly exitCode: number;
  readonly status: JobStatus;
  readonly version: string;
  readonly runId: string;
  readonly extraction?: Extraction;
  readonly hygiene?: HygieneReport;
  readonly written?: WriteSummary;
  readonly seconds: Readonly<Record<string, number>>;
}

/** Ends the run with `outcome` (thrown by a phase, returned by runJob). */
export class JobStop extends Error {
  constructor(readonly outcome: JobOutcome) {
    super(`job stopped: ${outcome.status}`);
  }
}

export class RunContext {
  readonly version: string;
  readonly runId: string;
  /** Seconds per finished phase, and the total once the run ends. */
  readonly seconds: Record<string, number> = {};
  private readonly t0 = performance.now();

  constructor(
    readonly config: JobConfig,
    readonly io: JobIo,
    started: Date,
  ) {
    ({ version: this.version, runId: this.runId } = runLabels(started));
  }

  get progress(): ProgressWrite | undefined {
    return this.io.progress;
  }

  /** Seconds since the run started. */
  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Records phase `name` as having run since `since` (a performance.now() reading). */
  lap(name: string, since: number): void {
    this.seconds[name] = (performance.now() - since) / 1000;
  }

  outcome(status: JobStatus, exitCode: number, extra: Partial<JobOutcome> = {}): JobOutcome {
    this.seconds.total = this.elapsed();
    return { status, exitCode, version: this.version, runId: this.runId, seconds: this.seconds, ...extra };
  }

  /** One [ERROR] line, exit 1. */
  fail(line: string, extra: Partial<JobOutcome> = {}, status: JobStatus = 'failed'): JobOutcome {
    this.io.err(`[ERROR] ${line}`);
    return this.outcome(status, 1, extra);
  }

  /** Answers in the window, none the model can use: exit 1, nothing written. */
  notEstimable(rows: number, why: string, extra: Partial<JobOutcome> = {}): JobOutcome {
    return this.fail(
      `nothing to calibrate: ${rows} rows read in the window but ${why}. ${NOTHING_WRITTEN} Check the correctness and id columns of the source, or widen MIRT_LOOKBACK_DAYS.`,
      extra,
      'not-estimable',
    );
  }
}

/** The first line of an error's message, without a closing full stop (it goes mid-sentence). */
export function msg(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/\.$/, '');
}
