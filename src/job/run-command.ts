/** `mirt-calibrate [run]`: configuration from process.env + argv, then the job. */
import { ConfigError, HELP, loadConfig } from './config.js';
import { reportStops } from './stop-signals.js';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`[ERROR] invalid configuration: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (config.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Loaded only now: `--help` and a bad flag answer without the database and calibrator stacks.
  const { runJob } = await import('./run-job.js');
  const stopReporting = reportStops();
  try {
    const outcome = await runJob(config);
    return outcome.exitCode;
  } finally {
    stopReporting();
  }
}
