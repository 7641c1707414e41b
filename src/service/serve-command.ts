/**
 * `mirt-calibrate serve`: runs the HTTP calibration service until SIGTERM/SIGINT, then stops
 * taking requests, finishes the ones in flight and returns 0.
 *
 *   --port N            (env PORT, else PLUMBER_PORT, else 8000)
 *   --host H            (env HOST, else 0.0.0.0)
 *   --insecure-no-auth  serve without a token (local use only; said loudly at start)
 *   --body-limit-mb N   /calibrate body limit (env MIRT_SERVICE_BODY_LIMIT_MB, 256)
 *   --max-concurrent N  calibrations at once (env MIRT_SERVICE_MAX_CONCURRENT, cores - 1)
 *   --timeout-secs N    time limit of one calibration (env MIRT_SERVICE_TIMEOUT_SECS, 300)
 *   --queue-length N    calibration requests that may wait for a slot (env MIRT_SERVICE_QUEUE_LENGTH, 16)
 *   --queue-wait-secs N longest wait for a slot before a 503 (env MIRT_SERVICE_QUEUE_WAIT_SECS, 60)
 *   --metrics-port N    /metrics without the token on this port (env MIRT_SERVICE_METRICS_PORT; off)
 *   --default-version V version of results when a request names none (env MIRT_SERVICE_DEFAULT_VERSION, v1)
 *
 * A second SIGTERM/SIGINT exits at once (status 1), calibrations in flight or not.
 *
 * The token comes from R_IRT_INTERNAL_TOKEN only (never a flag: flags show up in `ps`).
 */
import { parseArgs } from 'node:util';
import { scoreAbilities } from '../engine/scoring.js';
import { startMetricsServer } from './metrics-server.js';
import { buildServer, type ServerOptions } from './server.js';

export interface ServeIo {
  readonly env?: NodeJS.ProcessEnv;
  /** Where the [INFO]/[WARN]/[ERROR] lines go (request logs go to stdout as JSON). */
  readonly err?: (line: string) => void;
  /** Stops the service as SIGTERM would (tests). */
  readonly signal?: AbortSignal;
  /** Called with the bound address once listening (tests: port 0). */
  readonly onListening?: (address: { host: string; port: number; metricsPort?: number }) => void;
  readonly log?: ServerOptions['log'];
  /** Ends the process on a second signal (default process.exit). */
  readonly exit?: (code: number) => void;
}

const USAGE = `usage: mirt-calibrate serve [--port N] [--host H] [--insecure-no-auth] [--body-limit-mb N] [--max-concurrent N] [--timeout-secs N] [--queue-length N] [--queue-wait-secs N] [--metrics-port N] [--default-version V]
Token: R_IRT_INTERNAL_TOKEN (required unless --insecure-no-auth).`;

function positiveInt(
  name: string,
  raw: string | undefined,
  fallback: number | undefined,
): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer (got ${JSON.stringify(raw)})`);
  return n;
}

export async function main(argv: string[], io: ServeIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const say = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  let opts: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'insecure-no-auth': { type: 'boolean', default: false },
        'body-limit-mb': { type: 'string' },
        'max-concurrent': { type: 'string' },
        'timeout-secs': { type: 'string' },
        'queue-length': { type: 'string' },
        'queue-wait-secs': { type: 'string' },
        'metrics-port': { type: 'string' },
        'default-version': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  let port: number;
  let bodyLimitMb: number | undefined;
  let maxConcurrent: number | undefined;
  let timeoutSecs: number | undefined;
  let queueLength: number;
  let queueWaitSecs: number;
  let metricsPort: number | undefined;
  let defaultVersion: string;
  try {
    opts = parse();
    if (opts.values.help) {
      say(USAGE);
      return 0;
    }
    port = positiveInt('port', opts.values.port ?? env.PORT ?? env.PLUMBER_PORT, 8000) as number;
    bodyLimitMb = positiveInt(
      'body limit',
      opts.values['body-limit-mb'] ?? env.MIRT_SERVICE_BODY_LIMIT_MB,
      undefined,
    );
    maxConcurrent = positiveInt(
      'max concurrent',
      opts.values['max-concurrent'] ?? env.MIRT_SERVICE_MAX_CONCURRENT,
      undefined,
    );
    timeoutSecs = positiveInt(
      'timeout',
      opts.values['timeout-secs'] ?? env.MIRT_SERVICE_TIMEOUT_SECS,
      undefined,
    );
    if (maxConcurrent === 0 || bodyLimitMb === 0 || timeoutSecs === 0)
      throw new Error('limits must be at least 1');
    queueLength = positiveInt(
      'queue length (MIRT_SERVICE_QUEUE_LENGTH)',
      opts.values['queue-length'] ?? env.MIRT_SERVICE_QUEUE_LENGTH,
      16,
    ) as number;
    queueWaitSecs = positiveInt(
      'queue wait (MIRT_SERVICE_QUEUE_WAIT_SECS)',
      opts.values['queue-wait-secs'] ?? env.MIRT_SERVICE_QUEUE_WAIT_SECS,
      60,
    ) as number;
    metricsPort = positiveInt(
      'metrics port (MIRT_SERVICE_METRICS_PORT)',
      opts.values['metrics-port'] ?? env.MIRT_SERVICE_METRICS_PORT,
      undefined,
    );
    if (metricsPort !== undefined && metricsPort > 65535)
      throw new Error('metrics port must be at most 65535');
    defaultVersion = (opts.values['default-version'] ?? env.MIRT_SERVICE_DEFAULT_VERSION ?? 'v1').trim();
    if (defaultVersion === '' || defaultVersion.length > 200)
      throw new Error('default version (MIRT_SERVICE_DEFAULT_VERSION) must be 1 to 200 characters');
  } catch (err) {
    say(`[ERROR] ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const host = opts.values.host ?? env.HOST ?? '0.0.0.0';
  const token = env.R_IRT_INTERNAL_TOKEN?.trim() || null;
  const insecure = opts.values['insecure-no-auth'] === true;
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
    log: io.log,
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
