/**
 * The job's configuration from environment and flags. Flags win over the environment; among
 * environment names the MIRT_* ones win over the legacy IRT_* ones (DESIGN.md "Data and
 * compatibility"). Every invalid value fails at start with one line that says what is wrong.
 */

import { parseServiceUrl } from '../calibrators/remote-url.js';
import type { JobOptions } from '../contract/options.js';
import { DEFAULT_PG_TIMEOUTS, type PgTimeouts } from '../data/pg-timeouts.js';
import { normaliseDatabaseUrl } from '../data/url.js';
import { MODEL_NAMES, type ModelName, parseModel } from '../engine/types.js';
import { ConfigError } from './config-error.js';
import { loadLinkConfig } from './link-config.js';
import type { LinkConfig } from './link-run.js';
import { CALIBRATION_OPTION_FLAGS, calibrationOptionHelp, readCalibrationOptions } from './options-config.js';
import { parseSampling, type Sampling } from './sample-config.js';

export interface RemoteSettings {
  /** R_IRT_BASE_URL: when set, calibration runs on that service (ours or the legacy R one). */
  readonly baseUrl: string | null;
  /** R_IRT_CALIBRATE_PATH: the calibrate route on that service (default /calibrate). */
  readonly path: string;
  readonly token: string | null;
  readonly timeoutSecs: number;
  readonly maxRetries: number;
  readonly retryDelaySecs: number;
}

export interface JobConfig {
  readonly lookbackDays: number;
  readonly model: ModelName;
  readonly topicId: string | null;
  readonly subjectId: string | null;
  /** null = no cap. */
  readonly maxObs: number | null;
  /** MIRT_MIN_ITEM_RESPONSES: items with fewer answers in the window are left out (1 = none). */
  readonly minItemResponses: number;
  readonly dryRun: boolean;
  /** Normalised to postgresql://; null = embedded PGlite in dataDir. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** Connect and statement time limits on PostgreSQL. */
  readonly dbTimeouts: PgTimeouts;
  readonly updateQuestionMeta: boolean;
  /** MIRT_RETAIN_VERSIONS: keep the newest N versions in the history tables; null keeps all. */
  readonly retainVersions: number | null;
  /** MIRT_REPORT_PATH: where to write the HTML run report ({version} is replaced); null = none. */
  readonly reportPath: string | null;
  readonly remote: RemoteSettings;
  /** MIRT_LINK and friends (link-config.ts); absent = no linking. */
  readonly link?: LinkConfig;
  /** Calibration options from MIRT_C_PRIOR, --u-prior, ... (contract/options.ts); unset: the unattended defaults. */
  readonly options?: JobOptions;
  /** Calibration on a sample and where scoring happens (sample-config.ts); unset = all learners, in-process. */
  readonly sampling?: Sampling;
  readonly help: boolean;
}

export { ConfigError };

type Env = Readonly<Record<string, string | undefined>>;

/** Flag name -> the config key it sets; `true` marks boolean flags. */
export const FLAGS: Record<string, { key: string; boolean?: true }> = {
  '--lookback-days': { key: 'lookbackDays' },
  '--model': { key: 'model' },
  '--topic-id': { key: 'topicId' },
  '--subject-id': { key: 'subjectId' },
  '--max-obs': { key: 'maxObs' },
  '--min-item-responses': { key: 'minItemResponses' },
  '--dry-run': { key: 'dryRun', boolean: true },
  '--database-url': { key: 'databaseUrl' },
  '--data-dir': { key: 'dataDir' },
  '--db-connect-timeout-secs': { key: 'dbConnectTimeoutSecs' },
  '--db-statement-timeout-secs': { key: 'dbStatementTimeoutSecs' },
  '--report': { key: 'reportPath' },
  '--link': { key: 'link' },
  '--link-method': { key: 'linkMethod' },
  '--calibration-sample': { key: 'calibrationSample' },
  '--sample-rare-item-answers': { key: 'sampleRareItemAnswers' },
  '--sample-seed': { key: 'sampleSeed' },
  '--score': { key: 'scoreMode' },
  '--help': { key: 'help', boolean: true },
  '-h': { key: 'help', boolean: true },
  ...CALIBRATION_OPTION_FLAGS,
};

export function parseArgs(argv: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[name];
    if (!spec) throw new ConfigError(`unknown argument "${arg}" (see --help)`);
    if (spec.boolean) {
      if (eq > 0) {
        const v = parseBool(arg.slice(eq + 1), name);
        if (v) out[spec.key] = true;
        else delete out[spec.key];
      } else out[spec.key] = true;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined || (value.startsWith('--') && FLAGS[value.split('=')[0]])) {
        throw new ConfigError(`${name} needs a value`);
      }
    }
    out[spec.key] = value;
  }
  return out;
}

function first(env: Env, ...names: string[]): { name: string; value: string } | null {
  for (const name of names) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') return { name, value: v.trim() };
  }
  return null;
}

function parseBool(v: string, what: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  throw new ConfigError(`${what}: expected true or false, got "${v}"`);
}

/*
 * Every numeric setting has an upper bound, so a typo fails here, naming the setting, instead of
 * later as something unrelated: 1e11 lookback days is before year -270000 ("Invalid time value");
 * a time limit past 2^31 - 1 ms (24.8 days) makes Node's setTimeout fire after 1 ms.
 */
/** 100 years: older answers are not a calibration window, and the date stays representable. */
const MAX_LOOKBACK_DAYS = 36_500;
/** Counts of observations and answers: the engine indexes observations with 32-bit integers. */
const MAX_COUNT = 2_147_483_647;
const MAX_RETAIN_VERSIONS = 1_000_000;
const MAX_RETRIES = 100;
/** One day, for any time limit or delay in seconds (well inside setTimeout's range). */
const MAX_SECONDS = 86_400;

function parseInteger(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new ConfigError(`${what}: expected an integer >= ${min}, got "${v}"`);
  }
  if (n > max) throw new ConfigError(`${what}: at most ${max}, got "${v}"`);
  return n;
}

function parseNumber(v: string, what: string, min: number, exclusive: boolean, max: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || (exclusive && n === min)) {
    throw new ConfigError(`${what}: expected a number ${exclusive ? '>' : '>='} ${min}, got "${v}"`);
  }
  if (n > max) throw new ConfigError(`${what}: at most ${max}, got "${v}"`);
  return n;
}

export function loadConfig(argv: readonly string[], env: Env): JobConfig {
  const flags = parseArgs(argv);
  const pick = (flagKey: string, flagName: string, ...envNames: string[]) => {
    const f = flags[flagKey];
    if (typeof f === 'string') return { name: flagName, value: f };
    return first(env, ...envNames);
  };

  const lb = pick('lookbackDays', '--lookback-days', 'MIRT_LOOKBACK_DAYS', 'IRT_CALIB_LOOKBACK_DAYS');
  const lookbackDays = lb ? parseInteger(lb.value, lb.name, 1, MAX_LOOKBACK_DAYS) : 30;

  const m = pick('model', '--model', 'MIRT_MODEL', 'IRT_MODEL');
  let model: ModelName = '2PL';
  if (m) {
    try {
      model = parseModel(m.value);
    } catch (e) {
      throw new ConfigError(`${m.name}: ${(e as Error).message}`);
    }
  }

  const topic = pick('topicId', '--topic-id', 'MIRT_TOPIC_ID', 'IRT_TOPIC_ID');
  const subject = pick('subjectId', '--subject-id', 'MIRT_SUBJECT_ID', 'IRT_SUBJECT_ID');

  const mo = pick('maxObs', '--max-obs', 'MIRT_MAX_OBS');
  // 0 means "no cap", as in the old job.
  const maxObsN = mo ? parseInteger(mo.value, mo.name, 0, MAX_COUNT) : 0;

  const mir = pick('minItemResponses', '--min-item-responses', 'MIRT_MIN_ITEM_RESPONSES');
  const minItemResponses = mir ? parseInteger(mir.value, mir.name, 1, MAX_COUNT) : 1;

  const dryRunEnv = first(env, 'DRY_RUN', 'MIRT_DRY_RUN');
  const dryRun = flags.dryRun === true || (dryRunEnv ? parseBool(dryRunEnv.value, dryRunEnv.name) : false);

  const db = pick('databaseUrl', '--database-url', 'DATABASE_URL');
  let databaseUrl: string | null = null;
  if (db) {
    try {
      databaseUrl = normaliseDatabaseUrl(db.value);
    } catch (e) {
      throw new ConfigError(`${db.name}: ${(e as Error).message}`);
    }
  }
  const dataDir = pick('dataDir', '--data-dir', 'MIRT_DATA_DIR')?.value ?? './.mirt-data';
  const ct = pick('dbConnectTimeoutSecs', '--db-connect-timeout-secs', 'MIRT_DB_CONNECT_TIMEOUT_SECS');
  const st = pick('dbStatementTimeoutSecs', '--db-statement-timeout-secs', 'MIRT_DB_STATEMENT_TIMEOUT_SECS');
  const dbTimeouts: PgTimeouts = {
    connectTimeoutSecs: ct
      ? parseNumber(ct.value, ct.name, 0, true, MAX_SECONDS)
      : DEFAULT_PG_TIMEOUTS.connectTimeoutSecs,
    statementTimeoutSecs: st
      ? parseNumber(st.value, st.name, 0, true, MAX_SECONDS)
      : DEFAULT_PG_TIMEOUTS.statementTimeoutSecs,
  };
  const reportPath = pick('reportPath', '--report', 'MIRT_REPORT_PATH')?.value ?? null;

  const uq = first(env, 'MIRT_UPDATE_QUESTION_META', 'IRT_UPDATE_QUESTION_META');
  const updateQuestionMeta = uq ? parseBool(uq.value, uq.name) : false;

  const rv = first(env, 'MIRT_RETAIN_VERSIONS');
  const retainVersions = rv ? parseInteger(rv.value, rv.name, 1, MAX_RETAIN_VERSIONS) : null;

  const base = first(env, 'R_IRT_BASE_URL');
  if (base) {
    // The remote client's own parser: its errors never quote credentials (calibrators/remote-url.ts).
    try {
      parseServiceUrl(base.value);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  const path = first(env, 'R_IRT_CALIBRATE_PATH');
  if (path && !/^\/[A-Za-z0-9._~/-]*$/.test(path.value)) {
    throw new ConfigError(`R_IRT_CALIBRATE_PATH: expected a path starting with /, got "${path.value}"`);
  }
  const timeout = first(env, 'R_IRT_TIMEOUT_SECS');
  const retries = first(env, 'MIRT_MAX_RETRIES');
  const delay = first(env, 'MIRT_RETRY_DELAY_SECS');

  return {
    lookbackDays,
    model,
    topicId: topic?.value ?? null,
    subjectId: subject?.value ?? null,
    maxObs: maxObsN > 0 ? maxObsN : null,
    minItemResponses,
    dryRun,
    databaseUrl,
    dataDir,
    dbTimeouts,
    updateQuestionMeta,
    retainVersions,
    reportPath,
    remote: {
      baseUrl: base?.value ?? null,
      path: path?.value ?? '/calibrate',
      token: first(env, 'R_IRT_INTERNAL_TOKEN')?.value ?? null,
      timeoutSecs: timeout ? parseNumber(timeout.value, timeout.name, 0, true, MAX_SECONDS) : 300,
      maxRetries: retries ? parseInteger(retries.value, retries.name, 1, MAX_RETRIES) : 3,
      // Try k+1 waits k times this: at most 99 x 3600 s, still inside setTimeout's range.
      retryDelaySecs: delay ? parseNumber(delay.value, delay.name, 0, false, 3600) : 5,
    },
    options: readCalibrationOptions(pick),
    link: loadLinkConfig(flags, env, (m) => new ConfigError(m)),
    sampling: parseSampling(pick),
    help: flags.help === true,
  };
}

export const HELP = `Usage: mirt-calibrate [run] [options]
       mirt-calibrate fit --input responses.csv ...   (calibrate a file, no database)
       mirt-calibrate report --input result.json ...  (the HTML report of a fit's JSON)
       mirt-calibrate serve ...                       (the HTTP /calibrate service)
       mirt-calibrate score --version V --shard I/N   (score one hash shard of the learners)

The nightly job: extract answers from PostgreSQL (attempt VIEW -> responses table ->
exam_results JSON), calibrate an IRT model, upsert mirt_item_params / mirt_ability /
mirt_fit_meta in one transaction (every run kept by version in mirt_item_params_history).

Options (flags override environment; MIRT_* overrides IRT_*):
  --lookback-days N    MIRT_LOOKBACK_DAYS / IRT_CALIB_LOOKBACK_DAYS   days of answers to read (30)
  --model NAME         MIRT_MODEL / IRT_MODEL                         ${MODEL_NAMES.join(', ')} (2PL)
  --topic-id ID        MIRT_TOPIC_ID                                  only items of this topic
  --subject-id ID      MIRT_SUBJECT_ID                                only sessions of this exam
  --max-obs N          MIRT_MAX_OBS                                   keep the N most recent answers (0 = all)
  --min-item-responses N  MIRT_MIN_ITEM_RESPONSES                     leave out items with fewer answers (1)
  --dry-run            DRY_RUN=true                                   extract and calibrate, write nothing
  --database-url URL   DATABASE_URL    postgresql://, postgres:// or postgresql+psycopg2://
                                       (unset: embedded PGlite database in --data-dir)
  --data-dir DIR       MIRT_DATA_DIR                                  embedded database folder (./.mirt-data)
  --db-connect-timeout-secs S    MIRT_DB_CONNECT_TIMEOUT_SECS         PostgreSQL connect time limit (30)
  --db-statement-timeout-secs S  MIRT_DB_STATEMENT_TIMEOUT_SECS       PostgreSQL time limit of one statement (600)
  --report PATH        MIRT_REPORT_PATH                               also write the HTML run report ({version} in PATH is replaced)
  --link MODE          MIRT_LINK                                      none, anchors or previous: the scale of this run (none)
  --link-method M      MIRT_LINK_METHOD                               previous: stocking-lord, mean-sigma, mean-mean or fixed (stocking-lord)
  --calibration-sample N|P%  MIRT_CALIBRATION_SAMPLE    calibrate on a stratified sample of N learners or P% of them
  --sample-rare-item-answers K  MIRT_SAMPLE_RARE_ITEM_ANSWERS  learners of items with fewer answers are all kept (1000)
  --sample-seed S      MIRT_SAMPLE_SEED                               seed of the sample (recorded in model_spec)
  --score all|shards   MIRT_SCORE_MODE                                score everyone here (all) or leave it to score shards
${calibrationOptionHelp()}
  -h, --help           this text

Environment only:
  IRT_UPDATE_QUESTION_META=true   also write a/b/c/model/version into question.meta->'irt'
  MIRT_RETAIN_VERSIONS=N          prune history to the newest N versions (default: keep all)
  MIRT_ANCHORS=question_meta      anchors from question.meta (tags "anchor"), implies MIRT_LINK=anchors
  MIRT_DRIFT_Z (3.5), MIRT_DRIFT_MIN_SHIFT (0.3)   drift: |z| and |shift of b| both at least these
  R_IRT_BASE_URL, R_IRT_CALIBRATE_PATH (/calibrate), R_IRT_INTERNAL_TOKEN, R_IRT_TIMEOUT_SECS (300),
  MIRT_MAX_RETRIES (3), MIRT_RETRY_DELAY_SECS (5)   calibrate on a remote /calibrate service

Exit codes: 0 success (also "No observations found; exiting." and "another run in progress"),
1 failure (an [ERROR] line says why), 2 bad configuration.
`;
