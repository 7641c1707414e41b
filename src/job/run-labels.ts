/**
 * Version and run id of one calibration, from its start: the UTC time to the millisecond, so
 * that versions sort as text and two runs in one second stay apart.
 */
export function runLabels(at: Date = new Date()): { version: string; runId: string } {
  const iso = at.toISOString();
  return { version: `v${iso.replace(/[-:]/g, '').replace('.', '')}`, runId: `fit-${iso}` };
}
