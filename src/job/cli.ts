#!/usr/bin/env node
/**
 * The `mirt-calibrate` bin: a dispatcher. No subcommand (or `run`) is the nightly job; `fit`
 * calibrates a file; `serve` starts the HTTP service. Each command module exports
 * `main(argv): Promise<number>` and is loaded on demand, so the job never pays for the service,
 * `fit` loads neither the HTTP nor the database stack, and `--help`/`--version` load almost
 * nothing (the start-up a user waits for on every call).
 */
import nodeModule from 'node:module';

type CommandModule = { main(argv: string[]): Promise<number> };

// V8's on-disk code cache for the modules a command loads (Node 22.1+; absent on 20, where this is
// a no-op): a repeated `fit` or job start skips compiling them again. It lives under the OS temp
// folder (NODE_COMPILE_CACHE moves it, NODE_DISABLE_COMPILE_CACHE=1 turns it off) and an
// unwritable folder only costs the speed-up, never the run.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/**
 * `bundle`: the command and all of its own modules as one file, written by `npm run build`
 * (esbuild, after tsc). Loading `fit` as ~110 modules costs 60-90 ms of resolving, reading and
 * compiling before any work (Node 20-26, measured in docs/ENGINE.md); one file costs ~30 ms.
 * The job's bundle is split: its start (configuration, `--help`) is one file and a few shared
 * chunks, and the job itself a chunk loaded when it runs, so `--help` reads ~6 files, not ~45.
 * Where a bundle is absent (the bin run from source, a build without it) the modules are loaded.
 */
const COMMANDS: Record<string, { module: string; source: string; bundle?: string }> = {
  run: { module: './run-command.js', source: 'src/job/run-command.ts', bundle: '../bin/run/run-command.js' },
  fit: { module: './fit-command.js', source: 'src/job/fit-command.ts', bundle: '../bin/fit.js' },
  serve: { module: '../service/serve-command.js', source: 'src/service/serve-command.ts' },
  report: { module: '../report/report-command.js', source: 'src/report/report-command.ts' },
  score: { module: './score-command.js', source: 'src/job/score-command.ts' },
};

/** The package's version (package.json two folders up from src/job and from dist/job). */
async function printVersion(): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  process.stdout.write(`mirt-calibrate ${pkg.version}\n`);
  return 0;
}

async function dispatch(args: string[]): Promise<number> {
  const first = args[0];
  if (first === '--version' || first === '-V') return printVersion();
  const name = first === undefined || first.startsWith('-') ? 'run' : first;
  const rest = first === undefined || first.startsWith('-') ? args : args.slice(1);
  const cmd = COMMANDS[name];
  if (!cmd) {
    const { nearest } = await import('./args.js');
    const { shorten } = await import('./log.js');
    const near = nearest(name, Object.keys(COMMANDS));
    await sayError(
      `[ERROR] unknown command "${shorten(name, 40)}"${near ? `; did you mean ${near}?` : ''} (commands: run, fit, serve, report, score; see mirt-calibrate --help)`,
    );
    return 2;
  }
  let mod: CommandModule;
  try {
    mod = (cmd.bundle && (await importIfPresent(cmd.bundle))) || (await importModule(cmd.module));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (
      err.code === 'ERR_MODULE_NOT_FOUND' &&
      String(err.message).includes(cmd.module.replace(/^\.\.?\//, ''))
    ) {
      await sayError(`[ERROR] the "${name}" command is not part of this build (${cmd.source} is missing)`);
      return 2;
    }
    throw e;
  }
  return mod.main(rest);
}

dispatch(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    process.exitCode = 1;
    await sayError(`[ERROR] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  },
);

// A variable specifier: commands written on other branches may not exist in this build yet.
function importModule(specifier: string): Promise<CommandModule> {
  return import(specifier) as Promise<CommandModule>;
}

/** The module at `specifier`, or null when that file does not exist (not when it fails to load). */
async function importIfPresent(specifier: string): Promise<CommandModule | null> {
  try {
    return await importModule(specifier);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const file = specifier.replace(/^(\.\.?\/)+/, '');
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(file)) return null;
    throw e;
  }
}

/** An error of the dispatcher itself: one JSON object with MIRT_LOG_FORMAT=json, else the plain line. */
async function sayError(line: string): Promise<void> {
  if (process.env.MIRT_LOG_FORMAT?.trim().toLowerCase() !== 'json') {
    console.error(line);
    return;
  }
  const { createLog } = await import('./log.js');
  (await createLog('json')).err(line);
}
