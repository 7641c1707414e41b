/** `mirt-calibrate [run]`: configuration from process.env + argv, then the job. */
import { UsageError, unknownFlag } from './args.js';
import { ConfigError, FLAGS, HELP, loadConfig } from './config.js';
import { createLog, type Log, type LogFormat, LogFormatError, logFormat, shortenQuoted } from './log.js';
import { progressSecs, quietFromEnv } from './progress.js';
import { reportStops } from './stop-signals.js';

/** The run's own output flags (config.ts holds the job's settings). */
const OUTPUT_FLAGS = new Set(['--quiet', '-q']);

export const OUTPUT_HELP = `
Output (progress and log format):
  -q, --quiet          MIRT_QUIET=true                                no progress lines (EM cycles, phases)
                       MIRT_LOG_FORMAT   text (time-stamped lines, default), plain (no time stamps)
                                         or json (one JSON object per line, pino)
                       MIRT_PROGRESS_SECS                             seconds between EM lines (2; 0 = every cycle)
`;

/** A usage line before the job's log exists: json when asked for, never a time stamp. */
async function usageLog(env: NodeJS.ProcessEnv): Promise<{ log: Log; format: LogFormat | null }> {
  try {
    const format = logFormat(env);
    return { log: await createLog(format === 'json' ? 'json' : 'plain'), format };
  } catch (e) {
    if (!(e instanceof LogFormatError)) throw e;
    return { log: await createLog('plain'), format: null };
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { log: usage, format } = await usageLog(env);
  const bad = (message: string) => {
    usage.err(`[ERROR] invalid configuration: ${shortenQuoted(message)}`);
    return 2;
  };
  if (format === null) return bad(errorText(() => logFormat(env)));
  let quiet = false;
  let config: ReturnType<typeof loadConfig>;
  let intervalSecs: number;
  try {
    quiet = argv.some((a) => OUTPUT_FLAGS.has(a)) || quietFromEnv(env);
    const jobArgs = argv.filter((a) => !OUTPUT_FLAGS.has(a));
    // Unknown flags first, with a suggestion; config.ts's own parser then reads the known ones.
    const longFlags = [...Object.keys(FLAGS), ...OUTPUT_FLAGS].filter((f) => f.startsWith('--'));
    for (let i = 0; i < jobArgs.length; i++) {
      const name = jobArgs[i].split('=')[0];
      const spec = FLAGS[name];
      if (spec && !spec.boolean && !jobArgs[i].includes('='))
        i++; // its value, whatever it looks like
      else if (!spec && name.startsWith('-') && name !== '-')
        throw unknownFlag(name, longFlags.map(bare), '');
    }
    config = loadConfig(jobArgs, env);
    intervalSecs = progressSecs(env);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) return bad(e.message);
    throw e;
  }
  if (config.help) {
    process.stdout.write(HELP + OUTPUT_HELP);
    return 0;
  }
  if (config.reportPath && !config.dryRun) {
    // The folder must exist and be writable now, not after an hour of calibration.
    const { checkOutputPath } = await import('./args.js');
    try {
      await checkOutputPath(
        '--report (MIRT_REPORT_PATH)',
        config.reportPath.replaceAll('{version}', 'v0'),
        config.reportPath,
      );
    } catch (e) {
      return bad((e as Error).message);
    }
  }
  // Loaded only now: `--help` and a bad flag answer without the database and calibrator stacks.
  const { runJob } = await import('./run-job.js');
  const log = await createLog(format);
  const stopReporting = reportStops((line) => log.err(line));
  try {
    const outcome = await runJob(config, {
      io: { out: log.out, err: log.err, ...(quiet ? {} : { progress: log.err }) },
      progress: { intervalSecs },
    });
    return outcome.exitCode;
  } finally {
    stopReporting();
  }
}

function bare(flag: string): string {
  return flag.replace(/^-+/, '');
}

function errorText(f: () => unknown): string {
  try {
    f();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}
