/**
 * HTTP errors of the service and the one place that maps any thrown value to a status and a
 * JSON body. A 500 carries a request id, never a message or stack trace from the server.
 */
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

/** Engine input errors are caller errors; name the field they concern when the message says. */
function engineField(message: string): string {
  if (/^anchor /.test(message)) return 'anchors';
  if (/\bmodel\b/i.test(message)) return 'model';
  if (/scoring method/i.test(message)) return 'score_method';
  if (/c prior/i.test(message)) return 'c_prior';
  if (/observations/i.test(message)) return 'observations';
  return 'body';
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
      body: { error: 'bad_request', field: engineField(err.message), message: err.message },
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
