/**
 * `fit` as one bundled file (package.json's `bundle` script, loaded by the bin when present): the
 * script bundles the command the bin names, and a bundle made with the script's own options
 * computes what the module graph computes, byte for byte once the run's stamps are set aside.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { ROOT } from '../deploy/repo.js';
import { runCommandMain } from '../helpers/command-main.js';

const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.bundle;
const cliSource = readFileSync(join(ROOT, 'src/job/cli.ts'), 'utf8');
// Inside the repository, so that the bundle's external packages resolve from its node_modules.
const cache = join(ROOT, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'fit-bundle-'));
const out = mkdtempSync(join(tmpdir(), 'fit-bundle-out-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

test('the bundle script writes the file the bin loads for fit, from the fit command', () => {
  const args = script.split(/\s+/);
  assert.equal(args[0], 'esbuild');
  assert.equal(args[1], 'dist/job/fit-command.js');
  assert.ok(args.includes('--outfile=dist/bin/fit.js'), script);
  // The bin sits in dist/job: ../bin/fit.js from there is dist/bin/fit.js.
  assert.match(cliSource, /fit: \{[^}]*bundle: '\.\.\/bin\/fit\.js'/);
});

/** The run's stamps (version, run id, times taken) differ between any two runs. */
function stable(json: string): string {
  return json
    .replace(/"(version|run_id|fitted_at)":"[^"]*"/g, '"$1":""')
    .replace(/"seconds":[0-9.e-]+/g, '"seconds":0')
    .replace(/"timings":\{[^}]*\}/g, '"timings":{}');
}

/** Equal, or the first difference with a little context (the outputs are ~200 kB). */
function assertSame(actual: string, expected: string): void {
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  if (i === actual.length && i === expected.length) return;
  assert.fail(
    `differ at ${i}: ...${actual.slice(i - 80, i + 80)}... vs ...${expected.slice(i - 80, i + 80)}...`,
  );
}

test('a bundle made with those options fits as the modules do', async () => {
  const flags = script.split(/\s+/).filter((a) => a.startsWith('--') && !a.startsWith('--outfile'));
  const option = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
  assert.ok(flags.includes('--bundle') && flags.includes('--packages=external'), script);
  const bundle = join(dir, 'fit.js');
  await build({
    entryPoints: [join(ROOT, 'src/job/fit-command.ts')],
    outfile: bundle,
    bundle: true,
    platform: option('platform') as 'node',
    format: option('format') as 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const input = join(ROOT, 'examples/lsat7.long.csv');
  const run = (loader: string, output: string) => {
    runCommandMain(loader, ['--input', input, '--output', output]);
    return stable(readFileSync(output, 'utf8'));
  };
  const fromBundle = run(bundle, join(out, 'bundle.json'));
  const fromModules = run(join(ROOT, 'src/job/fit-command.ts'), join(out, 'modules.json'));
  assert.ok(fromBundle.includes('"item_params"'));
  assertSame(fromBundle, fromModules);
});
