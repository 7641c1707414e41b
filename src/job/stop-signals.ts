/**
 * What the nightly job says when it is stopped. Without a handler, SIGTERM (Kubernetes deleting
 * the pod, an activeDeadlineSeconds, a node drain) kills node silently with 143 and the log ends
 * at "Calibrating...": nobody can tell a stop from a crash, or whether anything was written. With
 * it, one `[ERROR]` line names the phase and what the database holds, then the process exits with
 * the conventional 128 + signal number, so the Job still counts as failed.
 *
 * Exiting at once is safe: before the commit nothing is written (an open transaction dies with
 * its connection), and after it the results are complete. The handler runs between event-loop
 * turns, which the calibration yields on large inputs (its E-steps run on worker threads).
 */
import { currentPhase } from './phase.js';

const EXIT_CODES = { SIGTERM: 143, SIGINT: 130 } as const;

/** Installs the handlers; the returned function removes them (when the job ends normally). */
export function reportStops(
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): () => void {
  const handlers = Object.entries(EXIT_CODES).map(([signal, code]) => {
    const handler = () => {
      const phase = currentPhase();
      write(`[ERROR] terminated during ${phase.name}; ${phase.written}`);
      process.exit(code);
    };
    process.once(signal as NodeJS.Signals, handler);
    return [signal as NodeJS.Signals, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}
