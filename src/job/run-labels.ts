/** Version and run id of one calibration, from its start time (UTC, second resolution). */
export function runLabels(at: Date = new Date()): { version: string; runId: string } {
  const iso = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { version: `v${iso.replace(/[-:]/g, '')}`, runId: `fit-${iso}` };
}
