/**
 * The bin from source (`node --import tsx src/job/cli.ts`), as a user runs it, with none of the
 * job's or the service's settings inherited from the test's own environment.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '../../src/job/cli.ts');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const clean = { ...process.env };
  for (const k of Object.keys(clean))
    if (/^(MIRT_|IRT_|R_IRT_|DATABASE_URL$|DRY_RUN$|PORT$|PLUMBER_PORT$|HOST$)/.test(k)) delete clean[k];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
