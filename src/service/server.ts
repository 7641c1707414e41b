/**
 * The HTTP calibration service: a drop-in for the R IRT Plumber service (same paths, same JSON,
 * same token). Handlers are thin: they call the plain functions of calibrate-handler.ts and
 * score-handler.ts; this file only does HTTP (auth, limits, metrics, logs, error replies).
 *
 * Routes: POST /calibrate and /irt/calibrate (one handler), POST /irt/score, GET /health and
 * /healthz (open), GET /metrics (Prometheus text).
 */

import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { usableCpus } from '../host/cpus.js';
import { presentedToken, tokenChecker } from './auth.js';
import { DEFAULT_VERSION, precheckCalibrateBody } from './calibrate-handler.js';
import { CalibrationRunner } from './calibration-runner.js';
import { busy, HttpError, toErrorReply } from './errors.js';
import { ConcurrencyGate, GateBusyError } from './gate.js';
import { MAX_JSON_DEPTH, textNestsDeeperThan } from './json-depth.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { docsPage, openApiDocument } from './openapi.js';
import { handleScore, type ScoreAbilities } from './score-handler.js';
import { SERVICE_VERSION } from './version.js';

const MiB = 1024 * 1024;
/** Bodies up to this size are validated on the event loop before a worker is started. */
const PRECHECK_BYTES = 256 * 1024;

export interface ServerOptions {
  /** The internal token; null only when the operator explicitly started without auth. */
  readonly token: string | null;
  /** The engine's scoring function for /irt/score. */
  readonly score: ScoreAbilities;
  /** Calibrator class run in the worker (default the engine's LocalCalibrator). */
  readonly calibrator?: { moduleUrl: string; exportName: string; arg?: unknown };
  /** /calibrate body limit. Default 256 MiB: 1M observations with UUID ids and timestamps is ~150 MiB. */
  readonly bodyLimitBytes?: number;
  /** /irt/score body limit. Default 16 MiB: scoring runs on the event loop, so it stays small. */
  readonly scoreBodyLimitBytes?: number;
  /** Calibrations at once (body being read or model being fitted). Default: cores - 1, at least 1. */
  readonly maxConcurrentCalibrations?: number;
  /** Time limit of one calibration. Default 300 s (the job's R_IRT_TIMEOUT_SECS default). */
  readonly calibrationTimeLimitMs?: number;
  /** Time to receive a whole request (slow-body guard). Default 120 s. */
  readonly requestTimeoutMs?: number;
  /** Retry-After on 503 when saturated. Default 10 s. */
  readonly retryAfterSecs?: number;
  /**
   * Calibration requests that may wait for a slot at once. Default 0 here (an instant 503 when
   * saturated); `serve` sets MIRT_SERVICE_QUEUE_LENGTH, default 16.
   */
  readonly queueLength?: number;
  /** How long a calibration request waits for a slot before a 503. Default 60 s. */
  readonly queueWaitMs?: number;
  /** The version of results when a request names none. Default `v1` (what the R service's callers wrote). */
  readonly defaultVersion?: string;
  /**
   * Log destination (one JSON line per request); false to stay silent. Default stdout. `serve`
   * passes its own pino logger (MIRT_LOG_FORMAT: json, or text through job/log.ts textSink).
   */
  readonly log?: false | { stream?: NodeJS.WritableStream; level?: string } | { logger: FastifyBaseLogger };
  /** Process metrics (CPU, memory, event loop lag). Default true. */
  readonly processMetrics?: boolean;
}

export interface CalibrationService {
  readonly app: FastifyInstance;
  readonly metrics: ServiceMetrics;
  readonly gate: ConcurrencyGate;
}

const OPEN_ROUTES = new Set(['/health', '/healthz', '/openapi.json', '/__docs__/', '/__docs__']);
/** A caller's X-Request-Id is echoed only when it is a short plain token (it reaches the log). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const CALIBRATE_ROUTES = ['/calibrate', '/irt/calibrate'];

function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unmatched';
}

export function buildServer(options: ServerOptions): CalibrationService {
  const bodyLimit = options.bodyLimitBytes ?? 256 * MiB;
  const scoreBodyLimit = options.scoreBodyLimitBytes ?? 16 * MiB;
  const retryAfter = options.retryAfterSecs ?? 10;
  const gate = new ConcurrencyGate(
    options.maxConcurrentCalibrations ?? Math.max(1, usableCpus() - 1),
    options.queueLength ?? 0,
    options.queueWaitMs ?? 60_000,
  );
  const defaults = { defaultVersion: options.defaultVersion ?? DEFAULT_VERSION };
  /** Calibration requests from their first byte to their reply: bounds the bodies held in memory. */
  let admitted = 0;
  const metrics = createMetrics({
    processMetrics: options.processMetrics,
    workers: () => runner.running,
    slots: () => admitted,
  });
  const runner = new CalibrationRunner({
    moduleUrl: options.calibrator?.moduleUrl,
    exportName: options.calibrator?.exportName,
    calibratorArg: options.calibrator?.arg,
    timeLimitMs: options.calibrationTimeLimitMs ?? 300_000,
    defaults,
  });
  const checkToken = options.token === null ? null : tokenChecker(options.token);
  /** Fields a handler adds to its request's one log line (counts and timings, never payload). */
  const logExtra = new WeakMap<FastifyRequest, Record<string, unknown>>();
  const started = Date.now();

  const log = options.log;
  const app = Fastify({
    ...(log && 'logger' in log
      ? { loggerInstance: log.logger }
      : {
          logger:
            log === false ? false : { level: log?.level ?? 'info', stream: log?.stream ?? process.stdout },
        }),
    // Fastify's own request logs include headers: replaced by one line of our own per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: scoreBodyLimit,
    requestTimeout: options.requestTimeoutMs ?? 120_000,
    return503OnClosing: true,
    // A caller's own X-Request-Id is kept when it is a plain token; otherwise a fresh UUID.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });

  // Every request: metrics, auth. Accounting hangs on the response's 'close', which fires
  // exactly once whether the reply was sent or the connection died.
  app.addHook('onRequest', async (req, reply) => {
    const route = routeOf(req);
    const t0 = process.hrtime.bigint();
    metrics.inFlight.inc({ route });
    void reply.header('x-request-id', String(req.id));
    reply.raw.once('close', () => {
      // A reply never finished is a caller that hung up: counted as 499 (nginx's "client closed
      // request"), not as the 200 the handler may have been about to send.
      const aborted = !reply.raw.writableFinished;
      const code = aborted ? 499 : reply.raw.statusCode;
      const status = String(code);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const labels = { method: req.method, route, status };
      metrics.inFlight.dec({ route });
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      // No headers, no query string, no body: tokens and payloads never reach the log.
      req.log.info(
        {
          method: req.method,
          route,
          path: req.url.split('?')[0].slice(0, 200),
          status: code,
          ms: Math.round(seconds * 1e4) / 10,
          bytes_in: Number(req.headers['content-length'] ?? 0),
          aborted,
          ...logExtra.get(req),
        },
        'request',
      );
    });
    if (checkToken && !OPEN_ROUTES.has(route) && !checkToken(presentedToken(req.headers))) {
      throw new HttpError(
        401,
        'unauthorized',
        'missing or wrong token (Authorization: Bearer <token> or X-Internal-Token)',
        {
          'www-authenticate': 'Bearer',
        },
      );
    }
  });

  // Once closing, every reply closes its connection: a keep-alive connection that turns idle
  // after close() began would otherwise hold the shutdown until its keep-alive timeout.
  app.addHook('onSend', async (_req, reply) => {
    if (!app.server.listening) void reply.header('connection', 'close');
  });

  app.setErrorHandler((err, req, reply) => {
    const out = toErrorReply(err, String(req.id));
    out.body.request_id = String(req.id);
    if (out.status >= 500 && out.body.error === 'internal_error') {
      // Server-side detail stays in the log; the caller gets only the request id.
      const e = err as Error;
      req.log.error({ err: { name: e?.name, message: e?.message, stack: e?.stack } }, 'request failed');
    }
    void reply
      .code(out.status)
      .headers(out.headers ?? {})
      .send(out.body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({
      error: 'not_found',
      message: `no route ${req.method} ${req.url.split('?')[0].slice(0, 200)}`,
      request_id: String(req.id),
    });
  });

  const health = async () => ({
    status: 'ok',
    // The R service's fields, which its smoke checks and dashboards read.
    service: 'mirt-calibrate',
    time: new Date().toISOString(),
    version: SERVICE_VERSION,
    uptime_s: Math.round((Date.now() - started) / 1000),
    // Calibration requests admitted (body being received, waiting for a slot, or being fitted),
    // slots taken, and worker threads computing.
    calibrations_in_flight: admitted,
    calibration_slots_in_use: gate.inUse,
    calibration_workers: runner.running,
    max_concurrent_calibrations: gate.max,
    calibrations_queued: gate.queued,
  });
  // Small JSON bodies (/irt/score) are parsed here, on the event loop: refuse deep nesting first.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    const body = String(text);
    if (body.length === 0) return done(new HttpError(400, 'bad_request', 'body is empty', {}, 'body'));
    if (textNestsDeeperThan(body)) {
      return done(
        new HttpError(400, 'bad_request', `body nests deeper than ${MAX_JSON_DEPTH} levels`, {}, 'body'),
      );
    }
    try {
      // Plain JSON.parse: nothing here merges request objects into others, so a "__proto__"
      // key stays an ordinary own property.
      done(null, JSON.parse(body));
    } catch {
      done(new HttpError(400, 'bad_request', 'body is not valid JSON', {}, 'body'));
    }
  });

  const openApi = openApiDocument(SERVICE_VERSION);
  const openApiText = JSON.stringify(openApi);
  const docsHtml = docsPage(openApi);
  app.get('/openapi.json', async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(openApiText),
  );
  // The R service had Swagger here; this page needs nothing from the network.
  for (const url of ['/__docs__', '/__docs__/'])
    app.get(url, async (_req, reply) => reply.type('text/html; charset=utf-8').send(docsHtml));

  app.get('/health', health);
  app.get('/healthz', health);

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  app.post('/irt/score', async (req) => {
    const out = handleScore(req.body, options.score);
    metrics.observations.inc({ route: '/irt/score' }, out.nObs);
    metrics.scored.inc(out.nScored);
    return out.response;
  });

  // Calibration routes get their own context: the body arrives as raw bytes (parsed in the
  // worker, not here) under the large body limit, and a slot is taken before it is read.
  void app.register(async (calib) => {
    // text/plain too: R clients posting a JSON string without a content type (httr's default) still work.
    calib.removeContentTypeParser(['application/json', 'text/plain']);
    calib.addContentTypeParser(
      ['application/json', 'text/plain'],
      { parseAs: 'buffer', bodyLimit },
      (_req, body, done) => done(null, body),
    );
    // The body is read first, then the request waits for a slot (bounded line, bounded wait):
    // a slow uploader holds no slot. What bounds memory is the admission count: at most
    // `slots + queue length` calibration requests are being read, waiting or fitted at once;
    // beyond that a request is refused at its first byte. A caller that hangs up stops its
    // calibration (the worker is terminated) or leaves the line.
    const admissionLimit = gate.max + gate.queueLength;
    const hangUps = new WeakMap<FastifyRequest, AbortController>();

    const calibrate = async (req: FastifyRequest, reply: FastifyReply) => {
      const hangUp = hangUps.get(req) ?? new AbortController();
      let release: (() => void) | null = null;
      try {
        if (hangUp.signal.aborted) return;
        if (!(req.body instanceof Uint8Array)) {
          throw new HttpError(
            400,
            'bad_request',
            'a JSON body is required (Content-Type: application/json)',
            {},
            'body',
          );
        }
        // Small bodies are checked here first (well under a millisecond), so a flood of tiny
        // invalid requests is answered without waiting for a slot or starting a thread.
        if (req.body.byteLength <= PRECHECK_BYTES) precheckCalibrateBody(req.body, defaults);
        const waitStart = performance.now();
        try {
          release = await gate.acquire(hangUp.signal);
        } catch (err) {
          if (err instanceof GateBusyError) throw busy(retryAfter, err.message);
          throw err;
        }
        const waited = Math.round(performance.now() - waitStart) / 1000;
        // A calibration can take minutes: the log says when it starts, not only when it ends
        // (its request line, with the time of each phase).
        req.log.info({ queued_s: waited, bytes_in: req.body.byteLength }, 'calibration started');
        const run = await runner.run(req.body, hangUp.signal);
        metrics.calibrations.inc({ model: run.model, outcome: 'ok' });
        metrics.observations.inc({ route: '/calibrate' }, run.nObs);
        logExtra.set(req, { model: run.model, n_obs: run.nObs, queued_s: waited, phases_s: run.phases });
        return reply.type('application/json; charset=utf-8').send(run.json);
      } catch (err) {
        const status = toErrorReply(err, '').status;
        const e = err as { code?: string };
        const outcome = hangUp.signal.aborted
          ? 'abandoned'
          : status === 400
            ? 'bad_request'
            : status === 503
              ? e instanceof HttpError && e.code === 'busy'
                ? 'busy'
                : 'timeout'
              : 'error';
        metrics.calibrations.inc({ model: 'unknown', outcome });
        throw err;
      } finally {
        release?.();
      }
    };
    for (const url of CALIBRATE_ROUTES) {
      calib.post(url, {
        bodyLimit,
        onRequest: async (req, reply) => {
          if (admitted >= admissionLimit)
            throw busy(
              retryAfter,
              `all ${gate.max} calibration slot(s) are busy and ${gate.queueLength} request(s) are already waiting`,
            );
          admitted++;
          const hangUp = new AbortController();
          hangUps.set(req, hangUp);
          reply.raw.once('close', () => {
            admitted--;
            if (!reply.raw.writableFinished) hangUp.abort();
          });
        },
        handler: calibrate,
      });
    }
  });

  return { app, metrics, gate };
}
