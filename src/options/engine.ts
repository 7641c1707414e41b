/**
 * The calibration options (contract/options.ts) between a CalibrationJob and the engine: the
 * engine's parser of each option whose value it parses further (a prior's grammar), the
 * formatting of that value back into fit_meta.model_spec, and the echo of every option. The
 * contract may not import the engine, so this is where an option's engine support is named: a
 * `parsed` option without its line here does not compile.
 */
import {
  type CALIBRATION_OPTIONS,
  type JobOptions,
  OPTION_NAMES,
  type OptionName,
  optionSpec,
} from '../contract/options.js';
import type { CalibrateOptions } from '../engine/calibrate.js';
import {
  type CalibrationSettings,
  EngineInputError,
  formatCPrior,
  type IrtParam,
  parseCPrior,
  parseUPrior,
} from '../engine/types.js';

interface EngineParser<T> {
  /** Text -> the engine's value; throws EngineInputError on a bad one. */
  parse(text: string): T;
  /** The engine's value -> the text echoed in model_spec (parse(format(x)) is x). */
  format(value: T): string;
}

type ParsedOption = {
  [K in OptionName]: (typeof CALIBRATION_OPTIONS)[K]['parsed'] extends true ? K : never;
}[OptionName];

/** The engine's setting an option sets. */
type SettingOf<K extends OptionName> = CalibrationSettings[(typeof CALIBRATION_OPTIONS)[K]['field'] &
  keyof CalibrationSettings];

/** Each parsed option's parser, typed by the engine setting it produces. */
const PARSERS: { readonly [K in ParsedOption]: EngineParser<SettingOf<K>> } = {
  c_prior: { parse: parseCPrior, format: formatCPrior },
  u_prior: { parse: parseUPrior, format: formatCPrior },
};

const parserOf = (name: OptionName): EngineParser<unknown> | undefined =>
  (PARSERS as Partial<Record<OptionName, EngineParser<unknown>>>)[name];

/**
 * The job's options as the engine takes them. `onError(wire, error)` is called with an
 * EngineInputError (the service makes it a 400 naming the field); it must throw.
 */
export function engineOptions(
  job: JobOptions,
  onError: (wire: OptionName, err: EngineInputError) => never = (_, err) => {
    throw err;
  },
): Partial<CalibrateOptions> {
  const out: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const { field } = optionSpec(name);
    const v = (job as Record<string, number | string | undefined>)[field];
    if (v === undefined) continue;
    const parser = parserOf(name);
    try {
      out[field] = parser ? parser.parse(String(v)) : v;
    } catch (err) {
      if (err instanceof EngineInputError) onError(name, err);
      throw err;
    }
  }
  return out as Partial<CalibrateOptions>;
}

/**
 * fit_meta.model_spec's echo of the options a run used (its settings), at each option's echo
 * path; an option on a parameter the model does not have is echoed as null.
 */
export function echoOptions(
  settings: CalibrationSettings,
  itemParameters: readonly IrtParam[],
  spec: Record<string, unknown>,
): void {
  for (const name of OPTION_NAMES) {
    const o = optionSpec(name);
    const used = (settings as unknown as Record<string, unknown>)[o.field];
    const parser = parserOf(name);
    const value =
      o.appliesTo && !itemParameters.includes(o.appliesTo)
        ? null
        : used === undefined || used === null
          ? null
          : parser
            ? parser.format(used)
            : used;
    setPath(spec, o.echo, value);
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
}
