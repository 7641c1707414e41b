/**
 * The remote calibrator: posts the job's observations to a /calibrate service (ours or the
 * legacy R Plumber one) and validates the answer before the job may write anything.
 *
 * - URL: baseUrl + path (default /calibrate); on 404 it tries /irt/calibrate once and keeps
 *   whichever answered.
 * - `Authorization: Bearer <token>`; the token never appears in a log line or an error.
 * - Each try is limited to `timeoutSecs`; `maxRetries` tries in all (MIRT_MAX_RETRIES, at
 *   least 1), waiting retryDelaySecs x try number between them; one `[WARN]` line per failed
 *   try. Network errors, timeouts, 429 and 5xx are retried; other 4xx and invalid responses
 *   are not (sending the same request again would get the same answer).
 * - Giving up throws RemoteCalibrationError whose message is the last try's reason; the job
 *   prints `[ERROR] R IRT service call failed: <reason>` and writes nothing.
 *
 * node:http rather than fetch: fetch's built-in undici has its own 300 s header and body
 * timeouts that would cut longer R_IRT_TIMEOUT_SECS settings short.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CalibrateResponse } from '../contract/types.js';
import { ContractError, validateCalibrateResponse } from '../contract/validate.js';
import type { ResponseData } from '../engine/responses.js';
import { calibrateRequestJson } from './remote-request.js';
import type { CalibrationJob, Calibrator } from './types.js';

export interface RemoteCalibratorOptions {
  /** R_IRT_BASE_URL, e.g. http://irt-service:8000 */
  readonly baseUrl: string;
  /** R_IRT_INTERNAL_TOKEN; null sends no Authorization header. */
  readonly token: string | null;
  /** Default /calibrate. */
  readonly path?: string;
  /** R_IRT_TIMEOUT_SECS, per try. Default 300. */
  readonly timeoutSecs?: number;
  /** MIRT_MAX_RETRIES: tries in all. Default 3. */
  readonly maxRetries?: number;
  /** MIRT_RETRY_DELAY_SECS: wait after try k is k times this. Default 5. */
  readonly retryDelaySecs?: number;
  /** Where the [WARN] lines go. Default stdout. */
  readonly log?: (line: string) => void;
}

/**
 * The remote service could not give a usable answer. The message is the reason alone (no
 * secrets); the job prints it as `[ERROR] R IRT service call failed: <reason>`.
 */
export class RemoteCalibrationError extends Error {
  override name = 'RemoteCalibrationError';
}

/** One try's failure: whether another try could help. */
class TryFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

const FALLBACK_PATH = '/irt/calibrate';
/** Error bodies are quoted in reasons, cut short. */
const EXCERPT = 200;
/** A response larger than this is refused rather than buffered (1M users' abilities are ~150 MiB). */
const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

export class RemoteCalibrator implements Calibrator {
  readonly kind = 'remote' as const;
  private path: string;
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly tries: number;
  private readonly delayMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: RemoteCalibratorOptions) {
    this.base = new URL(options.baseUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new Error(`R_IRT_BASE_URL must be an http:// or https:// URL`);
    }
    this.path = options.path ?? '/calibrate';
    this.timeoutMs = (options.timeoutSecs ?? 300) * 1000;
    this.tries = Math.max(1, Math.floor(options.maxRetries ?? 3));
    this.delayMs = (options.retryDelaySecs ?? 5) * 1000;
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
  }

  private url(path: string): URL {
    // Keep any path prefix of the base URL (a service behind /irt-proxy/): join, don't replace.
    const u = new URL(this.base.href);
    u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
    u.search = '';
    u.hash = '';
    return u;
  }

  describe(): string {
    // Origin and path only: credentials in the URL (user:pass@) are never shown.
    const u = this.url(this.path);
    return `remote ${u.origin}${u.pathname}`;
  }

  async calibrate(data: ResponseData, job: CalibrationJob): Promise<CalibrateResponse> {
    const body = Buffer.from(calibrateRequestJson(data, job), 'utf8');
    let lastReason = 'no try made';
    for (let attempt = 1; attempt <= this.tries; attempt++) {
      try {
        const json = await this.postWithFallback(body);
        try {
          return validateCalibrateResponse(json, { itemIds: data.itemIds, userIds: data.userIds });
        } catch (err) {
          if (err instanceof ContractError) throw new TryFailure(`invalid response: ${err.message}`, false);
          throw err;
        }
      } catch (err) {
        const f = err instanceof TryFailure ? err : new TryFailure(this.redact((err as Error).message), true);
        lastReason = f.message;
        const more = f.retryable && attempt < this.tries;
        const wait = this.delayMs * attempt;
        this.log(
          `[WARN] R IRT service call failed (try ${attempt}/${this.tries}): ${f.message}${more ? `; retrying in ${wait / 1000} s` : ''}`,
        );
        if (!more) break;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    throw new RemoteCalibrationError(lastReason);
  }

  private async postWithFallback(body: Buffer): Promise<unknown> {
    try {
      return await this.post(this.path, body);
    } catch (err) {
      if (err instanceof TryFailure && err.status === 404 && this.path !== FALLBACK_PATH) {
        this.log(`[INFO] ${this.url(this.path).pathname} answered 404; trying ${FALLBACK_PATH}`);
        const json = await this.post(FALLBACK_PATH, body);
        this.path = FALLBACK_PATH;
        return json;
      }
      throw err;
    }
  }

  /** The token, should a service echo it, is cut out of anything quoted from a response. */
  private redact(text: string): string {
    const t = this.options.token;
    return t ? text.split(t).join('<token>') : text;
  }

  private post(path: string, body: Buffer): Promise<unknown> {
    const url = this.url(path);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': body.byteLength,
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
      };
      const req = send(url, { method: 'POST', headers }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            finish(() =>
              reject(
                new TryFailure(
                  `response from ${url.pathname} exceeds ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`,
                  false,
                ),
              ),
            );
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) =>
          finish(() => reject(new TryFailure(`response interrupted: ${e.message}`, true))),
        );
        res.on('close', () => {
          if (!res.complete)
            finish(() => reject(new TryFailure('connection closed before the response was complete', true)));
        });
        res.on('end', () =>
          finish(() => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              const excerpt = this.redact(text.replace(/\s+/g, ' ').slice(0, EXCERPT));
              const retryable = status >= 500 || status === 429 || status === 408;
              reject(
                new TryFailure(
                  `HTTP ${status} from ${url.pathname}${excerpt ? `: ${excerpt}` : ''}`,
                  retryable,
                  status,
                ),
              );
              return;
            }
            try {
              resolve(JSON.parse(text));
            } catch {
              // A cut-off body is as likely as a broken service: worth another try.
              reject(
                new TryFailure(
                  `response from ${url.pathname} is not valid JSON (${text.length} bytes)`,
                  true,
                ),
              );
            }
          }),
        );
      });
      const timer = setTimeout(() => {
        finish(() =>
          reject(
            new TryFailure(`no complete answer within ${this.timeoutMs / 1000} s (R_IRT_TIMEOUT_SECS)`, true),
          ),
        );
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) =>
        finish(() => reject(new TryFailure(`${e.code ?? 'request error'}: ${this.redact(e.message)}`, true))),
      );
      req.end(body);
    });
  }
}
