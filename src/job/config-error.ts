/** A bad setting of the job: one line naming it, exit code 2 (config.ts and the modules it reads with). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
