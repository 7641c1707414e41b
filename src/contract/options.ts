/**
 * The calibration options, each declared once: its name on the wire (the snake_case field of
 * POST /calibrate, as the R Plumber service and our service take it, and its key in
 * fit_meta.model_spec), its field in a CalibrationJob and in the engine's options (one name),
 * the job's environment variable and flag, how a value is read and checked, and its default on
 * each surface. Validation (validate.ts), the service, the remote client, the local calibrator,
 * the job's configuration, the OpenAPI document and `fit`'s echo all read this table; a new
 * option is one entry here (plus its engine support, and for a value the engine parses further,
 * its line in options/engine.ts: the contract imports no engine code).
 *
 * The contract checks a value's type and range; a grammar the engine owns (a prior's
 * `normal:MEAN:SD`) is parsed by the engine when the job is built, and a bad one is still a 400
 * naming this field (service/calibrate-handler.ts) or a configuration error naming the variable.
 */

/** The value kinds an option takes, each with its wire check and its reading from text (env, flags). */
export interface ValueKind<V extends number | string> {
  /** What a value must be, for error messages and docs ("an integer from 5 to 401"). */
  readonly what: string;
  /** The JSON Schema of the value (OpenAPI). */
  readonly json: Readonly<Record<string, unknown>>;
  /** The value if `v` is one, else undefined. */
  read(v: unknown): V | undefined;
  /** The value written in `s` (an environment variable, a flag), else undefined. */
  fromText(s: string): V | undefined;
}

function integer(min: number, max: number): ValueKind<number> {
  const ok = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= min && (x as number) <= max;
  return {
    what: `an integer from ${min} to ${max}`,
    json: { type: 'integer', minimum: min, maximum: max },
    read: (v) => (ok(v) ? v : undefined),
    fromText: (s) => (/^\s*\d+\s*$/.test(s) && ok(Number(s)) ? Number(s) : undefined),
  };
}

/** A number in (0, max). */
function positive(max: number): ValueKind<number> {
  const ok = (x: unknown): x is number => typeof x === 'number' && x > 0 && x < max;
  return {
    what: `a number in (0, ${max})`,
    json: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: max },
    read: (v) => (ok(v) ? v : undefined),
    fromText: (s) => (s.trim() !== '' && ok(Number(s)) ? Number(s) : undefined),
  };
}

/** A non-empty string whose grammar (`grammar`, for the docs) the engine parses. */
function spec(grammar: string): ValueKind<string> {
  const ok = (x: unknown): x is string => typeof x === 'string' && x.trim() !== '';
  return {
    what: `a non-empty string (${grammar})`,
    json: { type: 'string', description: grammar },
    read: (v) => (ok(v) ? v : undefined),
    fromText: (s) => (ok(s) ? s.trim() : undefined),
  };
}

/** One of a few names, in any case (read as given: the engine parses the name). */
function oneOf(names: readonly string[]): ValueKind<string> {
  const ok = (x: unknown): x is string =>
    typeof x === 'string' && names.some((n) => n.toLowerCase() === x.trim().toLowerCase());
  return {
    what: `one of ${names.join(', ')} (any case)`,
    json: { type: 'string', enum: names, description: 'any case' },
    read: (v) => (ok(v) ? v : undefined),
    fromText: (s) => (ok(s) ? s.trim() : undefined),
  };
}

export interface OptionSpec<V extends number | string = number | string> {
  /** The CalibrationJob field, and the engine's option and setting of that name. */
  readonly field: string;
  readonly value: ValueKind<V>;
  /** The job's environment variable and flag (config.ts), or null: the job does not take it. */
  readonly job: { readonly env: string; readonly flag: string } | null;
  /** `fit`'s flag (fit-command.ts). */
  readonly fitFlag: string;
  /**
   * The default on each surface, as the option's value: `fit` keeps mirt's unpenalised defaults
   * for a researcher at the keyboard; the unattended job and service use the weak priors of
   * DESIGN.md, applied by them (optionDefaults). Checked against what each surface echoes
   * (test/contract/options.test.ts).
   */
  readonly defaults: { readonly fit: V; readonly unattended: V };
  /** Where fit_meta.model_spec echoes the value used (a dotted path). */
  readonly echo: string;
  /** The item parameter the option concerns: echoed as null by a model without it. */
  readonly appliesTo?: 'a' | 'b' | 'c' | 'u';
  /** The engine parses the value further (a prior's grammar): see options/engine.ts. */
  readonly parsed: boolean;
  /** One line for the docs and OpenAPI. */
  readonly describe: string;
}

const PRIOR = 'none, normal:MEAN:SD on the logit, or beta:A:B';

export const CALIBRATION_OPTIONS = {
  quadpts: {
    field: 'quadPoints',
    value: integer(5, 401),
    job: null,
    fitFlag: '--quadpts',
    defaults: { fit: 61, unattended: 61 },
    echo: 'quadrature.points',
    parsed: false,
    describe: 'quadrature nodes of the latent distribution, equally spaced on [-6, 6]',
  },
  score_method: {
    field: 'scoreMethod',
    value: oneOf(['EAP', 'MAP', 'ML', 'WLE']),
    job: null,
    fitFlag: '--score',
    defaults: { fit: 'EAP', unattended: 'EAP' },
    echo: 'score_method',
    parsed: false,
    describe: 'how abilities are estimated',
  },
  c_prior: {
    field: 'cPrior',
    value: spec(PRIOR),
    job: { env: 'MIRT_C_PRIOR', flag: '--c-prior' },
    fitFlag: '--c-prior',
    defaults: { fit: 'none', unattended: 'normal:-1.1:2' },
    echo: 'c_prior',
    appliesTo: 'c',
    parsed: true,
    describe: 'prior on the lower asymptote c (3PL, 4PL)',
  },
  u_prior: {
    field: 'uPrior',
    value: spec(PRIOR),
    job: { env: 'MIRT_U_PRIOR', flag: '--u-prior' },
    fitFlag: '--u-prior',
    defaults: { fit: 'none', unattended: 'none' },
    echo: 'u_prior',
    appliesTo: 'u',
    parsed: true,
    describe: 'prior on the upper asymptote u (4PL)',
  },
  max_cycles: {
    field: 'maxCycles',
    value: integer(1, 100_000),
    job: { env: 'MIRT_MAX_CYCLES', flag: '--max-cycles' },
    fitFlag: '--max-cycles',
    defaults: { fit: 500, unattended: 500 },
    echo: 'max_cycles',
    parsed: false,
    describe: 'EM cycle limit',
  },
  tol: {
    field: 'tol',
    value: positive(1),
    job: { env: 'MIRT_TOL', flag: '--tol' },
    fitFlag: '--tol',
    defaults: { fit: 1e-4, unattended: 1e-4 },
    echo: 'tol',
    parsed: false,
    describe: 'convergence: largest parameter change',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof CALIBRATION_OPTIONS;
export const OPTION_NAMES = Object.keys(CALIBRATION_OPTIONS) as OptionName[];

type Spec<K extends OptionName> = (typeof CALIBRATION_OPTIONS)[K];
/** The value type of option K (number or string). */
export type OptionValue<K extends OptionName> = Spec<K>['defaults']['fit'] extends number ? number : string;

/** The options as a request carries them (wire names). */
export type WireOptions = { [K in OptionName]?: OptionValue<K> };
/** The same as a CalibrationJob carries them (fields). */
export type JobOptions = { readonly [K in OptionName as Spec<K>['field']]?: OptionValue<K> };

export function optionSpec(name: OptionName): OptionSpec {
  return CALIBRATION_OPTIONS[name];
}

/** Reads the options of a request body; `bad(wire, what, got)` throws for a value of the wrong kind. */
export function readWireOptions(
  body: Readonly<Record<string, unknown>>,
  bad: (field: string, what: string, got: unknown) => never,
): WireOptions {
  const out: Record<string, number | string> = {};
  for (const name of OPTION_NAMES) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    const { value } = optionSpec(name);
    const read = value.read(v);
    if (read === undefined) bad(name, value.what, v);
    out[name] = read;
  }
  return out as WireOptions;
}

/**
 * The options a surface uses where the caller sets none, as a job carries them: the service and
 * the job start from `unattended` (a run there is unattended: weak priors, DESIGN.md), `fit` from
 * mirt's defaults.
 */
export function optionDefaults(surface: 'fit' | 'unattended'): JobOptions {
  const out: Record<string, number | string> = {};
  for (const name of OPTION_NAMES) out[optionSpec(name).field] = optionSpec(name).defaults[surface];
  return out as JobOptions;
}

/** `o` without its undefined fields (so that spreading it over defaults keeps them). */
export function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Wire names -> job fields. */
export function wireToJob(o: WireOptions): JobOptions {
  const out: Record<string, number | string> = {};
  for (const name of OPTION_NAMES) {
    const v = o[name];
    if (v !== undefined) out[optionSpec(name).field] = v;
  }
  return out as JobOptions;
}

/** Job fields -> wire names (what the remote client sends): only the options that are set. */
export function jobToWire(job: JobOptions): WireOptions {
  const out: Record<string, number | string> = {};
  for (const name of OPTION_NAMES) {
    const v = (job as Record<string, number | string | undefined>)[optionSpec(name).field];
    if (v !== undefined) out[name] = v;
  }
  return out as WireOptions;
}

/**
 * The job's options from its flags and environment (flags win), for the options the job takes.
 * `text(flag, env)` gives the value set, with the name it was set under; `bad(message)` throws.
 */
export function readJobOptions(
  text: (flag: string, env: string) => { name: string; value: string } | null,
  bad: (message: string) => never,
): JobOptions {
  const out: Record<string, number | string> = {};
  for (const name of OPTION_NAMES) {
    const { job, value, field } = optionSpec(name);
    if (!job) continue;
    const set = text(job.flag, job.env);
    if (!set) continue;
    const v = value.fromText(set.value);
    if (v === undefined) bad(`${set.name}: expected ${value.what}, got "${set.value}"`);
    out[field] = v;
  }
  return out as JobOptions;
}
