/**
 * A command module's `main(argv)` (src/job/*-command.ts, or a bundle of one) in a process of its
 * own, from the repository's root, so that bundles and modules are compared as the bin runs them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../deploy/repo.js';

export function runCommandMain(
  loader: string,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(loader)}); process.exitCode = await m.main(${JSON.stringify(argv)});`,
    ],
    { encoding: 'utf8', cwd: ROOT, env },
  );
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}
