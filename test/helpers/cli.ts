/**
 * The bin from source (`node --import tsx src/job/cli.ts`), as a user runs it, with none of the
 * job's or the service's settings inherited from the test's own environment.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { openPgliteDb } from '../../src/data/pglite-db.js';
import { createPlatform } from '../../src/job/demo-platform.js';

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

/**
 * A simulated platform (400 learners, 25 questions, 30 days) in an embedded database folder made
 * before the suite's tests and removed after them; returns the folder.
 */
export function demoPlatformFolder(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  before(async () => {
    const db = await openPgliteDb(dataDir);
    try {
      await createPlatform(db, { students: 400, questions: 25, days: 30, seed: 7 });
    } finally {
      await db.close();
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  return dataDir;
}
