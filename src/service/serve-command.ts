/**
 * `mirt-calibrate serve`: runs the HTTP calibration service until SIGTERM/SIGINT, then stops
 * taking requests, finishes the ones in flight and returns 0. SERVE_HELP lists every flag and
 * variable. A second SIGTERM/SIGINT exits at once (status 1), calibrations in flight or not.
 *
 * The token comes from R_IRT_INTERNAL_TOKEN only (never a flag: flags show up in `ps`).
 *
 * Logs (MIRT_LOG_FORMAT, job/log.ts): `text` (default) writes time-stamped lines, the request
 * lines on stdout rendered from the same pino records; `json` one JSON object per line for
 * everything, start and stop lines included; `plain` as text without time stamps.
 */

import { scoreAbilities } from '../engine/scoring.js';
import { parseFlags, UsageError } from '../job/args.js';
import { createLog, jsonLogger, type Log, LogFormatError, logFormat, shorten, textSink } from '../job/log.js';
import { startMetricsServer } from './metrics-server.js';
import { buildServer, type ServerOptions } from './server.js';

export interface ServeIo {
  readonly env?: NodeJS.ProcessEnv;
  /** Where the [INFO]/[WARN]/[ERROR] lines go, one line a call (default stderr). */
  readonly err?: (line: string) => void;
  /** Stops the service as SIGTERM would (tests). */
  readonly signal?: AbortSignal;
  /** Called with the bound address once listening (tests: port 0). */
  readonly onListening?: (address: { host: string; port: number; metricsPort?: number }) => void;
  /** The request log (default: stdout, in the MIRT_LOG_FORMAT). */
  readonly log?: ServerOptions['log'];
  /** Ends the process on a second signal (default process.exit). */
  readonly exit?: (code: number) => void;
}

export const SERVE_HELP = `Usage: mirt-calibrate serve [options]

The HTTP calibration service: POST /calibrate and /irt/calibrate (calibrate), /irt/score (score
answers with given item parameters); GET /health, /healthz (open), /metrics, /openapi.json,
/__docs__/. Callers send Authorization: Bearer <token> or X-Internal-Token: <token>.

Options (flags override environment):
  --port N               PORT, PLUMBER_PORT                port to listen on (8000)
  --host H               HOST                              address to listen on (0.0.0.0)
  --insecure-no-auth                                       serve without a token (local use only; warns)
  --body-limit-mb N      MIRT_SERVICE_BODY_LIMIT_MB        /calibrate body limit in MiB (256)
  --max-concurrent N     MIRT_SERVICE_MAX_CONCURRENT       calibrations at once (usable CPUs - 1, at least 1)
  --timeout-secs N       MIRT_SERVICE_TIMEOUT_SECS         time limit of one calibration (300)
  --queue-length N       MIRT_SERVICE_QUEUE_LENGTH         requests that may wait for a slot (16; 0 = none)
  --queue-wait-secs N    MIRT_SERVICE_QUEUE_WAIT_SECS      longest wait for a slot, then 503 (60)
  --metrics-port N       MIRT_SERVICE_METRICS_PORT         also /metrics without the token on this port (off)
  --default-version V    MIRT_SERVICE_DEFAULT_VERSION      version of results when a request names none (v1)
  -h, --help                                               this text

Environment only:
  R_IRT_INTERNAL_TOKEN   the token (required unless --insecure-no-auth; never a flag: flags show in ps)
  MIRT_LOG_FORMAT        text (time-stamped lines, default), plain (no time stamps) or json (one
                         JSON object per line, pino, for every line of the service)

SIGTERM/SIGINT: no new requests, the calibrations in flight finish, exit 0; a second one exits
at once (1). Exit 2: bad usage or no token.
`;

const SERVE_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'insecure-no-auth': { type: 'boolean' },
  'body-limit-mb': { type: 'string' },
  'max-concurrent': { type: 'string' },
  'timeout-secs': { type: 'string' },
  'queue-length': { type: 'string' },
  'queue-wait-secs': { type: 'string' },
  'metrics-port': { type: 'string' },
  'default-version': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * An integer setting from its flag, else the first of its variables that is set, in [min, max];
 * the error names what the value came from (`--port`, or `PLUMBER_PORT`).
 */
function integer(
  flag: string,
  value: string | undefined,
  vars: Env,
  min: number,
  max: number,
): number | undefined {
  let from = `--${flag}`;
  let raw = value;
  if (raw === undefined) {
    const set = Object.entries(vars).find(([, v]) => v !== undefined && v.trim() !== '');
    if (set === undefined) return undefined;
    [from, raw] = set as [string, string];
  }
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${from}: expected an integer from ${min} to ${max}, got "${shorten(raw)}"`);
  return n;
}

interface ServeSettings {
  port: number;
  host: string;
  insecure: boolean;
  bodyLimitMb?: number;
  maxConcurrent?: number;
  timeoutSecs?: number;
  queueLength: number;
  queueWaitSecs: number;
  metricsPort?: number;
  defaultVersion: string;
  help: boolean;
}

/** Every flag and variable checked before anything starts. */
export function serveSettings(argv: readonly string[], env: Env): ServeSettings {
  const { values: v } = parseFlags(argv, SERVE_FLAGS, { command: 'serve' });
  const defaultVersion = (v['default-version'] ?? env.MIRT_SERVICE_DEFAULT_VERSION ?? 'v1').trim();
  if (defaultVersion === '' || defaultVersion.length > 200)
    throw new UsageError(
      `${v['default-version'] !== undefined ? '--default-version' : 'MIRT_SERVICE_DEFAULT_VERSION'}: expected 1 to 200 characters`,
    );
  return {
    port: integer('port', v.port, { PORT: env.PORT, PLUMBER_PORT: env.PLUMBER_PORT }, 0, 65535) ?? 8000,
    host: v.host ?? (env.HOST?.trim() || '0.0.0.0'),
    insecure: v['insecure-no-auth'] === true,
    bodyLimitMb: integer(
      'body-limit-mb',
      v['body-limit-mb'],
      { MIRT_SERVICE_BODY_LIMIT_MB: env.MIRT_SERVICE_BODY_LIMIT_MB },
      1,
      4096,
    ),
    maxConcurrent: integer(
      'max-concurrent',
      v['max-concurrent'],
      { MIRT_SERVICE_MAX_CONCURRENT: env.MIRT_SERVICE_MAX_CONCURRENT },
      1,
      1024,
    ),
    timeoutSecs: integer(
      'timeout-secs',
      v['timeout-secs'],
      { MIRT_SERVICE_TIMEOUT_SECS: env.MIRT_SERVICE_TIMEOUT_SECS },
      1,
      86_400,
    ),
    queueLength:
      integer(
        'queue-length',
        v['queue-length'],
        { MIRT_SERVICE_QUEUE_LENGTH: env.MIRT_SERVICE_QUEUE_LENGTH },
        0,
        100_000,
      ) ?? 16,
    queueWaitSecs:
      integer(
        'queue-wait-secs',
        v['queue-wait-secs'],
        { MIRT_SERVICE_QUEUE_WAIT_SECS: env.MIRT_SERVICE_QUEUE_WAIT_SECS },
        0,
        86_400,
      ) ?? 60,
    metricsPort: integer(
      'metrics-port',
      v['metrics-port'],
      { MIRT_SERVICE_METRICS_PORT: env.MIRT_SERVICE_METRICS_PORT },
      0,
      65535,
    ),
    defaultVersion,
    help: v.help === true,
  };
}

/** The service's lines and request log in the format of MIRT_LOG_FORMAT. */
async function serviceLogs(env: Env, io: ServeIo): Promise<{ say: Log; requests: ServerOptions['log'] }> {
  const format = logFormat({ MIRT_LOG_FORMAT: env.MIRT_LOG_FORMAT });
  const errSink = io.err ? { write: (s: string) => io.err?.(s.replace(/\n$/, '')) } : process.stderr;
  const say = await createLog(format, { stdout: errSink, stderr: errSink });
  if (io.log !== undefined) return { say, requests: io.log };
  const out = format === 'json' ? process.stdout : textSink(process.stdout, format === 'text');
  return { say, requests: { logger: await jsonLogger(out) } };
}

export async function main(argv: string[], io: ServeIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  let logs: Awaited<ReturnType<typeof serviceLogs>>;
  try {
    logs = await serviceLogs(env, io);
  } catch (e) {
    if (!(e instanceof LogFormatError)) throw e;
    (io.err ?? ((l: string) => process.stderr.write(`${l}\n`)))(`[ERROR] ${e.message}`);
    return 2;
  }
  const say = (line: string) => logs.say.err(line);
  let settings: ServeSettings;
  try {
    settings = serveSettings(argv, env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    // A usage line, not a log line: no time stamp (json stays one object a line).
    const sink = io.err ? { write: (l: string) => io.err?.(l.replace(/\n$/, '')) } : process.stderr;
    const usage = await createLog(logs.say.format === 'json' ? 'json' : 'plain', {
      stdout: sink,
      stderr: sink,
    });
    usage.err(
      `[ERROR] ${e.message}${e.message.includes('--help') ? '' : ' (see mirt-calibrate serve --help)'}`,
    );
    return 2;
  }
  if (settings.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const {
    port,
    bodyLimitMb,
    maxConcurrent,
    timeoutSecs,
    queueLength,
    queueWaitSecs,
    metricsPort,
    defaultVersion,
  } = settings;
  const host = settings.host;
  const token = env.R_IRT_INTERNAL_TOKEN?.trim() || null;
  const insecure = settings.insecure;
  if (!token && !insecure) {
    say(
      '[ERROR] R_IRT_INTERNAL_TOKEN is not set: refusing to serve without authentication. Set it, or start with --insecure-no-auth for local use only.',
    );
    return 2;
  }
  if (!token)
    say(
      '[WARN] serving WITHOUT authentication (--insecure-no-auth): anyone who can reach this port can use it.',
    );
  else if (insecure)
    say('[INFO] R_IRT_INTERNAL_TOKEN is set: --insecure-no-auth ignored, the token is required.');

  const { app, gate, metrics } = buildServer({
    token,
    score: scoreAbilities,
    bodyLimitBytes: bodyLimitMb === undefined ? undefined : bodyLimitMb * 1024 * 1024,
    maxConcurrentCalibrations: maxConcurrent,
    calibrationTimeLimitMs: timeoutSecs === undefined ? undefined : timeoutSecs * 1000,
    queueLength,
    queueWaitMs: queueWaitSecs * 1000,
    defaultVersion,
    log: logs.requests,
  });
  try {
    await app.listen({ port, host });
  } catch (err) {
    say(`[ERROR] cannot listen on ${host}:${port}: ${(err as Error).message}`);
    return 1;
  }
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  if (metricsPort !== undefined) {
    try {
      metricsServer = await startMetricsServer(metrics.registry, metricsPort, host);
    } catch (err) {
      say(`[ERROR] cannot listen for metrics on ${host}:${metricsPort}: ${(err as Error).message}`);
      await app.close();
      return 1;
    }
  }
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : { host, port };
  say(
    `[INFO] mirt-calibrate service listening on http://${bound.host}:${bound.port} (auth ${token ? 'on' : 'OFF'}, up to ${gate.max} calibration(s) at once, ${gate.queueLength} waiting for up to ${queueWaitSecs} s)`,
  );
  if (metricsServer)
    say(`[INFO] metrics without the token on http://${bound.host}:${metricsServer.port}/metrics`);
  io.onListening?.({ ...bound, metricsPort: metricsServer?.port });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) {
        // Worker threads computing a calibration keep the event loop alive: returning from here
        // would still wait for them. A second signal means now.
        say(`[WARN] ${why} again: exiting without waiting for in-flight work.`);
        cleanup();
        resolve(1);
        (io.exit ?? ((code: number) => process.exit(code)))(1);
        return;
      }
      stopping = true;
      say(`[INFO] ${why}: no new requests; finishing ${gate.inUse} calibration(s) in flight.`);
      Promise.all([app.close(), metricsServer?.close()]).then(
        () => {
          say('[INFO] service stopped.');
          cleanup();
          resolve(0);
        },
        (err: Error) => {
          say(`[ERROR] shutdown failed: ${err.message}`);
          cleanup();
          resolve(1);
        },
      );
    };
    const onTerm = () => stop('SIGTERM received');
    const onInt = () => stop('SIGINT received');
    const onAbort = () => stop('stop requested');
    const cleanup = () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      io.signal?.removeEventListener('abort', onAbort);
    };
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    io.signal?.addEventListener('abort', onAbort);
  });
}
