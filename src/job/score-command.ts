/**
 * `mirt-calibrate score`: score the learners of one hash shard against a stored version's item
 * parameters (score-shard.ts). Exit codes: 0 done, 1 failure (an [ERROR] line says why), 2 bad
 * usage.
 *
 * Kubernetes runs it as an Indexed Job (deploy/overlays/sharded, docs/DEPLOYMENT.md): the shard
 * is JOB_COMPLETION_INDEX of MIRT_SCORE_SHARDS. With `--run NAME` the version is the one the run
 * labelled NAME writes; with `--calibrate` shard 0 is that run (calibration on a sample, scores
 * left to the shards) and the other shards wait for its version.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../data/db.js';
import { DataDirLockedError } from '../data/lockfile.js';
import { migrate } from '../data/migrations.js';
import { openDatabase } from '../data/open.js';
import { VersionError } from '../data/score-extract.js';
import { parseShard, type Shard, versionOfRun } from '../data/shards.js';
import { normaliseDatabaseUrl } from '../data/url.js';
import { parseScoreMethod, type ScoreMethod } from '../engine/types.js';
import { parseFlags, UsageError } from './args.js';
import { ConfigError, loadConfig } from './config.js';
import { createLog, type Log, LogFormatError, logFormat, shorten, shortenQuoted } from './log.js';
import { progressSecs, quietFromEnv } from './progress.js';
import { type JobDeps, runJob } from './run-job.js';
import { scoreShard } from './score-shard.js';

export const SCORE_HELP = `Usage: mirt-calibrate score --version V [--shard I/N] [options]
       mirt-calibrate score --run NAME [--calibrate] [options] [-- run options]

Scores the learners of hash shard I of N (hashtextextended of user_id, computed in SQL) against the item
parameters of version V (mirt_item_params_history), on the answers of that version's window, and
upserts their mirt_ability rows for V and the shard's row in mirt_score_shards, in one
transaction. Idempotent: a shard run again writes the same rows.

  --version V          the version to score (v<UTC time> of its run)
  --run NAME           the version written by the run labelled NAME (waits for it); MIRT_RUN_LABEL
  --calibrate          with --run: shard 0 first runs that calibration (run options after --,
                       environment as for run; --score shards is implied), once
  --shard I/N          this shard (default JOB_COMPLETION_INDEX of MIRT_SCORE_SHARDS, else 0/1)
  --method M           EAP, MAP, ML or WLE (default: the version's, EAP)
  --wait-secs S        with --run: how long to wait for the version (3600)
  --database-url URL   DATABASE_URL
  --data-dir DIR       MIRT_DATA_DIR (embedded database; one process at a time)
  -q, --quiet          no progress lines (MIRT_QUIET=true)
  -h, --help           this text

Log lines carry an ISO-8601 time; MIRT_LOG_FORMAT=plain drops it, json writes one JSON object
a line (as the job).
`;

const SCORE_FLAGS = {
  version: { type: 'string' },
  run: { type: 'string' },
  calibrate: { type: 'boolean' },
  shard: { type: 'string' },
  method: { type: 'string' },
  'wait-secs': { type: 'string' },
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Args {
  version: string | null;
  run: string | null;
  calibrate: boolean;
  shard: Shard;
  method: ScoreMethod | null;
  waitSecs: number;
  databaseUrl: string | null;
  dataDir: string;
  runArgs: string[];
  quiet: boolean;
  help: boolean;
}

export function parseScoreArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const { values, rest } = parseFlags(argv, SCORE_FLAGS, { command: 'score' });
  const help = values.help === true;
  if (rest.length > 0 && !values.calibrate)
    throw new ConfigError('run options after -- need --calibrate (and --run NAME)');
  const version = values.version ?? null;
  // MIRT_RUN_LABEL (the Indexed Job's pods) yields to an explicit --version.
  const run = values.run ?? (version === null ? env.MIRT_RUN_LABEL?.trim() || null : null);
  if (!help && (version === null) === (run === null))
    throw new ConfigError('give either --version V or --run NAME');
  if (values.calibrate && run === null) throw new ConfigError('--calibrate needs --run NAME');
  let shard: Shard = { index: 0, count: 1 };
  const index = env.JOB_COMPLETION_INDEX?.trim();
  const total = env.MIRT_SCORE_SHARDS?.trim();
  const text = values.shard ?? (index ? `${index}/${total ?? ''}` : total ? null : '0/1');
  if (text === null)
    throw new ConfigError('MIRT_SCORE_SHARDS is set but JOB_COMPLETION_INDEX is not: which shard?');
  try {
    shard = parseShard(text);
  } catch {
    const from = values.shard ? '--shard' : 'JOB_COMPLETION_INDEX / MIRT_SCORE_SHARDS';
    throw new ConfigError(`${from}: expected I/N with 0 <= I < N <= 100000, got "${shorten(text)}"`);
  }
  let method: ScoreMethod | null = null;
  if (values.method !== undefined) {
    try {
      method = parseScoreMethod(values.method);
    } catch {
      throw new ConfigError(`--method: expected EAP, MAP, ML or WLE, got "${shorten(values.method)}"`);
    }
  }
  const wait = Number(values['wait-secs'] ?? 3600);
  if (!(wait >= 0 && Number.isFinite(wait)) || values['wait-secs']?.trim() === '')
    throw new ConfigError(`--wait-secs: expected seconds >= 0, got "${shorten(values['wait-secs'] ?? '')}"`);
  const url = values['database-url'] ?? (env.DATABASE_URL?.trim() || null);
  let databaseUrl: string | null = null;
  if (url) {
    try {
      databaseUrl = normaliseDatabaseUrl(url);
    } catch (e) {
      throw new ConfigError(
        `${values['database-url'] ? '--database-url' : 'DATABASE_URL'}: ${(e as Error).message}`,
      );
    }
  }
  return {
    version,
    run,
    calibrate: values.calibrate === true,
    shard,
    method,
    waitSecs: wait,
    databaseUrl,
    dataDir: values['data-dir'] ?? (env.MIRT_DATA_DIR?.trim() || './.mirt-data'),
    runArgs: rest,
    quiet: values.quiet === true,
    help,
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: Args;
  let log: Log;
  let intervalSecs: number;
  try {
    log = await createLog(logFormat(env));
  } catch (e) {
    if (!(e instanceof LogFormatError)) throw e;
    console.error(`[ERROR] invalid configuration: ${e.message}`);
    return 2;
  }
  try {
    args = parseScoreArgs(argv, env);
    args.quiet ||= quietFromEnv(env);
    intervalSecs = progressSecs(env);
  } catch (e) {
    if (!(e instanceof ConfigError) && !(e instanceof UsageError)) throw e;
    const hint = e.message.includes('--help') ? '' : ' (see mirt-calibrate score --help)';
    e.message = shortenQuoted(e.message);
    // A usage line, not a log line: no time stamp (json still one object).
    (await createLog(log.format === 'json' ? 'json' : 'plain')).err(
      `[ERROR] invalid usage: ${e.message}${hint}`,
    );
    return 2;
  }
  if (args.help) {
    process.stdout.write(SCORE_HELP);
    return 0;
  }
  const out = log.out;
  const fail = (l: string) => {
    log.err(`[ERROR] ${l}`);
    return 1;
  };
  const jobIo = { out: log.out, err: log.err, ...(args.quiet ? {} : { progress: log.err }) };

  let db: Db;
  try {
    db = await openDatabase(args);
  } catch (e) {
    if (e instanceof DataDirLockedError)
      return fail(`the embedded database is in use (${e.message}): shards need PostgreSQL`);
    return fail(`cannot open the database: ${msg(e)}. Check DATABASE_URL and that PostgreSQL is reachable.`);
  }
  try {
    let version = args.version;
    if (args.run !== null) {
      const found = await runVersion(db, args, log, { io: jobIo, progress: { intervalSecs } });
      if (typeof found === 'number') return found;
      version = found;
    }
    await ensureShardTable(db);
    await scoreShard(db, { version: version as string, shard: args.shard, method: args.method }, out);
    return 0;
  } catch (e) {
    if (e instanceof VersionError) return fail(`${e.message}. Nothing was written.`);
    return fail(
      `scoring shard ${args.shard.index}/${args.shard.count} failed, nothing of it was written: ${msg(e)}. Run the shard again (it is idempotent).`,
    );
  } finally {
    await db.close();
  }
}

/** The version of run `args.run`: calibrated here (shard 0 with --calibrate) or waited for. Or an exit code. */
async function runVersion(
  db: Db,
  args: Args,
  log: Log,
  job: Pick<JobDeps, 'io' | 'progress'>,
): Promise<string | number> {
  const out = log.out;
  const label = args.run as string;
  const existing = await versionOfRun(db, label);
  if (existing) return existing; // a retried pod: the run already wrote its version
  if (args.calibrate && args.shard.index === 0) {
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig(args.runArgs, process.env);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      log.err(`[ERROR] invalid configuration: ${e.message}`);
      return 2;
    }
    const sampling = {
      sample: config.sampling?.sample ?? null,
      scoreMode: 'shards' as const,
      runLabel: label,
    };
    // The run works on this connection (closing it stays ours): PGlite allows one opener per folder.
    const outcome = await runJob({ ...config, sampling }, { ...job, openDb: async () => borrowed(db) });
    if (outcome.status !== 'ok') {
      log.err(
        `[ERROR] the calibration of run ${label} ended "${outcome.status}" without a version: the other shards will time out waiting for it`,
      );
      return outcome.exitCode || 1;
    }
    return outcome.version;
  }
  const deadline = Date.now() + args.waitSecs * 1000;
  out(`[INFO] Waiting up to ${args.waitSecs} s for the version of run ${label}...`);
  for (;;) {
    await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
    const v = await versionOfRun(db, label);
    if (v) return v;
    if (Date.now() >= deadline) {
      log.err(
        `[ERROR] no version of run ${label} after ${args.waitSecs} s: the calibration (shard 0) failed, found no data or has not finished. Nothing was written.`,
      );
      return 1;
    }
  }
}

/** `db` with a close that does nothing. */
function borrowed(db: Db): Db {
  return {
    kind: db.kind,
    describe: () => db.describe(),
    query: (s, p) => db.query(s, p),
    transaction: (f) => db.transaction(f),
    streamRows: (s, c, st, cb) => db.streamRows(s, c, st, cb),
    tryLock: (k) => db.tryLock(k),
    unlock: (k) => db.unlock(k),
    close: async () => {},
  };
}

/**
 * The calibration that wrote the version applied the migrations; a version written by an older
 * build may predate mirt_score_shards. Several shards may start together: a lost race on
 * CREATE ... IF NOT EXISTS is retried once.
 */
async function ensureShardTable(db: Db): Promise<void> {
  const has = async () =>
    (await db.query("SELECT to_regclass('mirt_complete_versions') IS NOT NULL AS ok"))[0]?.ok === true;
  if (await has()) return;
  try {
    await migrate(db);
  } catch (e) {
    await sleep(500);
    if (!(await has())) await migrate(db).catch(() => Promise.reject(e));
  }
}

function msg(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/\.$/, '');
}
