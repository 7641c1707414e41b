/**
 * The job's bundle (package.json's `bundle` script, loaded by the bin when present): the script
 * bundles the command the bin names, split so that the job itself is a chunk loaded on demand,
 * and a bundle made with the script's own options prints the same help and runs the same job as
 * the module graph.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { ROOT } from '../deploy/repo.js';
import { demoPlatformFolder } from '../helpers/cli.js';
import { runCommandMain } from '../helpers/command-main.js';

const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.bundle;
const runStep = script
  .split('&&')
  .map((s) => s.trim().split(/\s+/))
  .find((args) => args[1] === 'dist/job/run-command.js');
// Inside the repository, so that the bundle's external packages resolve from its node_modules.
const cache = join(ROOT, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'run-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const dataDir = demoPlatformFolder('mirt-run-bundle-');

test('the bundle script writes the files the bin loads for the job, split, from the run command', () => {
  assert.ok(runStep, script);
  assert.equal(runStep[0], 'esbuild');
  assert.ok(runStep.includes('--splitting') && runStep.includes('--outdir=dist/bin/run'), script);
  // The bin sits in dist/job: ../bin/run/run-command.js from there is dist/bin/run/run-command.js.
  assert.match(
    readFileSync(join(ROOT, 'src/job/cli.ts'), 'utf8'),
    /run: \{[^}]*bundle: '\.\.\/bin\/run\/run-command\.js'/,
  );
});

/** The run's stamps: its version, its times. */
function stable(text: string): string {
  return text
    .replace(/v\d{8}T\d{9}Z/g, 'V')
    .replace(/(done in|seconds=)\s*[0-9.]+/g, '$1 T')
    .replace(/peak RSS \d+/g, 'peak RSS M');
}

test('a bundle made with those options prints the help and runs the job as the modules do', async () => {
  const flags = (runStep ?? []).filter((a) => a.startsWith('--') && !a.startsWith('--outdir'));
  const option = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
  assert.ok(flags.includes('--bundle') && flags.includes('--packages=external'), script);
  await build({
    entryPoints: [join(ROOT, 'src/job/run-command.ts')],
    outdir: dir,
    bundle: true,
    splitting: true,
    platform: option('platform') as 'node',
    format: option('format') as 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  // Split: the job is a chunk of its own, not part of the file `--help` loads.
  const entry = join(dir, 'run-command.js');
  assert.ok(existsSync(entry));
  assert.ok(
    readdirSync(dir).some((f) => f.startsWith('run-job-')),
    readdirSync(dir).join(', '),
  );
  assert.ok(!readFileSync(entry, 'utf8').includes('function runJob('));

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(MIRT_|IRT_|R_IRT_|DATABASE_URL$|DRY_RUN$)/.test(k)) delete env[k];
  Object.assign(env, { MIRT_DATA_DIR: dataDir, MIRT_LOG_FORMAT: 'plain' });
  const run = (loader: string, args: string[]) => {
    const r = runCommandMain(loader, args, env);
    return { stdout: stable(r.stdout), stderr: stable(r.stderr) };
  };
  const modules = join(ROOT, 'src/job/run-command.ts');
  const help = run(entry, ['--help']);
  assert.match(help.stdout, /^Usage: mirt-calibrate \[run\] \[options\]/);
  assert.deepEqual(help, run(modules, ['--help']));
  // Every answer of the demo's 30 days, whenever the two runs start.
  const job = ['--dry-run', '--lookback-days', '90'];
  const fromBundle = run(entry, job);
  assert.match(fromBundle.stdout, /\[DRY_RUN\] Summary: items=25 users=\d+ observations=\d+ model=2PL/);
  assert.deepEqual(fromBundle, run(modules, job));
});
