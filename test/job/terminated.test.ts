/**
 * A job stopped by SIGTERM says so: a real job process (the bin, through tsx) on an embedded
 * database large enough that the calibration lasts, signalled once it printed "Calibrating",
 * prints one `[ERROR] terminated during calibration; nothing written` line, exits 143, and
 * leaves the database without a run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPgliteDb } from '../../src/data/pglite-db.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';

const CLI = join(import.meta.dirname, '../../src/job/cli.ts');
const DEADLINE_MS = 120_000;

describe('SIGTERM during a run', () => {
  const root = mkdtempSync(join(tmpdir(), 'mirt-sigterm-'));
  const dataDir = join(root, 'data');
  before(async () => {
    const db = await openPgliteDb(dataDir);
    try {
      await createAttemptView(db, 'integer');
      // 8,000 learners x 50 of 60 items = 400,000 answers: a 3PL on it calibrates for seconds,
      // with its E-steps on worker threads (as a production-sized run), so the signal lands
      // while the calibration runs.
      await insertAttempts(db, 'integer', simulate(8000, 60, 50, 11));
    } finally {
      await db.close();
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('during the calibration: one [ERROR] line naming the phase, exit 143, nothing written', async () => {
    const clean = { ...process.env };
    for (const k of Object.keys(clean))
      if (/^(MIRT_|IRT_|R_IRT_|DATABASE_URL$|DRY_RUN$)/.test(k)) delete clean[k];
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--model', '3PL'], {
      env: { ...clean, MIRT_DATA_DIR: dataDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const deadline = (what: string) =>
      new Promise<never>((_, reject) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${what} within ${DEADLINE_MS / 1000} s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, DEADLINE_MS);
        t.unref();
      });

    await Promise.race([
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (/\[INFO\] Calibrating \d+ observations/.test(stdout)) resolve();
        };
        child.stdout.on('data', check);
        exited.then(() => reject(new Error(`the job ended before calibrating:\n${stdout}\n${stderr}`)));
      }),
      deadline('no "Calibrating" line'),
    ]);
    assert.match(stdout, /on local engine/, 'calibrating in-process');
    child.kill('SIGTERM');
    const end = await Promise.race([exited, deadline('no exit after SIGTERM')]);

    assert.deepEqual(end, { code: 143, signal: null }, `exit status\n${stderr}`);
    // Standard error holds the progress lines too (EM cycles, phases): the stop line is the last,
    // and the only [ERROR]; each line after its time stamp.
    const errLines = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /, ''));
    assert.equal(errLines.at(-1), '[ERROR] terminated during calibration; nothing written', stderr);
    assert.equal(errLines.filter((l) => l.startsWith('[ERROR]')).length, 1, stderr);
    assert.ok(!stdout.includes('Calibration upsert completed.'), stdout);
    const db = await openPgliteDb(dataDir); // the stopped process's folder lock is free
    try {
      const runs = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mirt_fit_meta');
      assert.equal(runs[0].n, 0, 'no run written');
    } finally {
      await db.close();
    }
  });
});
