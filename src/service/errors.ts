/**
 * HTTP errors of the service and the one place that maps any thrown value to a status and a
 * JSON body. A 500 carries a request id, never a message or stack trace from the server.
 */
import { CALIBRATION_OPTIONS } from '../contract/options.js';
import { ContractError } from '../contract/validate.js';
import { EngineInputError } from '../engine/types.js';

export interface ErrorBody {
  error: string;
  message: string;
  /** The offending request field, for 400s: `observations[3].is_correct`, `model`, `body`. */
  field?: string;
  request_id?: string;
}

export interface HttpErrorReply {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

/** An error the service raises on purpose, with the reply it deserves. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Too much work in flight: the caller should come back later. */
export function busy(retryAfterSecs: number, what: string): HttpError {
  return new HttpError(503, 'busy', `${what}; retry later`, { 'retry-after': String(retryAfterSecs) });
}

/** Request fields named as the engine names them (the calibration options are mapped by the schema). */
const SAME_NAME = new Set(['model', 'anchors', 'observations']);

/**
 * Engine input errors are caller errors: the field they concern is the wire name of the option the
 * engine names as their subject (contract/options.ts), or `body` when they name none.
 */
function engineField(err: EngineInputError): string {
  const subject = err.subject;
  if (subject === undefined) return 'body';
  if (SAME_NAME.has(subject)) return subject;
  const option = Object.entries(CALIBRATION_OPTIONS).find(([, o]) => o.field === subject);
  return option ? option[0] : 'body';
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: unknown;
}

export function toErrorReply(err: unknown, requestId: string): HttpErrorReply {
  if (err instanceof HttpError) {
    const body: ErrorBody = { error: err.code, message: err.message };
    if (err.field) body.field = err.field;
    return { status: err.status, body, headers: err.headers };
  }
  if (err instanceof ContractError) {
    return { status: 400, body: { error: 'bad_request', field: err.field, message: err.message } };
  }
  if (err instanceof EngineInputError) {
    return {
      status: 400,
      body: { error: 'bad_request', field: engineField(err), message: err.message },
    };
  }
  const fe = (err ?? {}) as FastifyLikeError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { error: 'payload_too_large', message: 'request body exceeds the service limit' },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: 'unsupported_media_type', message: 'send application/json' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { error: 'bad_request', field: 'body', message: 'body is empty' } };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        body: { error: 'bad_request', field: 'body', message: 'content-length does not match the body' },
      };
  }
  // Fastify's JSON parser rejects malformed JSON with a SyntaxError carrying statusCode 400
  // (and bodies with __proto__ keys likewise).
  if (fe.statusCode === 400 || err instanceof SyntaxError) {
    return { status: 400, body: { error: 'bad_request', field: 'body', message: 'body is not valid JSON' } };
  }
  if (fe.statusCode === 413) {
    return {
      status: 413,
      body: { error: 'payload_too_large', message: 'request body exceeds the service limit' },
    };
  }
  return {
    status: 500,
    body: {
      error: 'internal_error',
      message: 'internal error; see the service log for this request id',
      request_id: requestId,
    },
  };
}
