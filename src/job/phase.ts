/**
 * The phase the nightly job is in, and what it has written so far: read by the SIGTERM handler
 * of run-command.ts, which can only say what was lost if the job keeps this up to date. A module
 * of its own so that run-job.ts needs one `setPhase(...)` line per phase and nothing else.
 */
export const NOTHING_WRITTEN_YET = 'nothing written';

export interface JobPhase {
  /** Said after "terminated during": "extraction", "calibration", ... */
  readonly name: string;
  /** What a stop now leaves in the database, as the operator should read it. */
  readonly written: string;
}

let current: JobPhase = { name: 'start-up', written: NOTHING_WRITTEN_YET };

export function setPhase(name: string, written: string = NOTHING_WRITTEN_YET): void {
  current = { name, written };
}

export function currentPhase(): JobPhase {
  return current;
}
