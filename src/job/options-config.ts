/**
 * The calibration options the job takes (contract/options.ts: MIRT_C_PRIOR / --c-prior, ...):
 * their flags, help lines and reading, from the schema (registered in config.ts, read here so
 * that config.ts stays the table of names). Each value is checked as the engine will read it, so
 * a bad prior stops the job at start, naming the setting.
 */
import { type JobOptions, OPTION_NAMES, optionSpec, readJobOptions } from '../contract/options.js';
import { engineOptions } from '../options/engine.js';
import { ConfigError } from './config-error.js';

type Pick = (key: string, flag: string, ...env: string[]) => { name: string; value: string } | null;

/** Flag -> the config key it sets (the option's field). */
export const CALIBRATION_OPTION_FLAGS: Record<string, { key: string }> = Object.fromEntries(
  OPTION_NAMES.flatMap((name) => {
    const { job, field } = optionSpec(name);
    return job ? [[job.flag, { key: field }]] : [];
  }),
);

export function readCalibrationOptions(pick: Pick): JobOptions {
  const setBy = new Map<string, string>();
  const options = readJobOptions(
    (flag, env) => {
      const set = pick(CALIBRATION_OPTION_FLAGS[flag].key, flag, env);
      if (set) setBy.set(flag, set.name);
      return set;
    },
    (m) => {
      throw new ConfigError(m);
    },
  );
  engineOptions(options, (wire, err) => {
    throw new ConfigError(`${setBy.get(optionSpec(wire).job?.flag ?? '') ?? wire}: ${err.message}`);
  });
  return options;
}

/** The --help lines of these options, with their unattended defaults. */
export function calibrationOptionHelp(): string {
  return OPTION_NAMES.flatMap((name) => {
    const o = optionSpec(name);
    if (!o.job) return [];
    const head = `  ${o.job.flag} ${o.value.json.type === 'string' ? 'SPEC' : 'X'}`.padEnd(23);
    return [`${head}${o.job.env.padEnd(47)}${o.describe} (${o.defaults.unattended})`];
  }).join('\n');
}
