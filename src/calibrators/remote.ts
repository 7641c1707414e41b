/**
 * The remote calibrator: posts the job's observations to a /calibrate service (ours or the
 * legacy R Plumber one) and validates the answer before the job may write anything.
 *
 * - URL: baseUrl + path (default /calibrate); on 404 it tries /irt/calibrate once and keeps
 *   whichever answered.
 * - `Authorization: Bearer <token>`; the token never appears in a log line or an error.
 * - Each try is limited to `timeoutSecs`; `maxRetries` tries in all (MIRT_MAX_RETRIES, at
 *   least 1), waiting retryDelaySecs x try number between them; one `[WARN]` line per failed
 *   try. Network errors, timeouts, 408, 429 and 5xx are retried, and so is a 2xx whose body is
 *   not a usable answer (not JSON, breaking the contract, or not answering the request: see
 *   remote-answer.ts): a service or proxy in trouble produces those too. Other 4xx are not
 *   (the service judged the request itself).
 * - A response larger than `maxResponseBytes` (default: the longest string this runtime can
 *   decode, ~512 MiB) is refused before it is buffered whole: a bigger one could not be parsed.
 * - Giving up throws RemoteCalibrationError whose message is the last try's reason; the job
 *   prints `[ERROR] R IRT service call failed: <reason>` and writes nothing.
 * - Secrets (the token, a password in the base URL) never appear in a line or an error, in
 *   whatever shape a service echoes them (redact-secrets.ts).
 *
 * node:http rather than fetch: fetch's built-in undici has its own 300 s header and body
 * timeouts that would cut longer R_IRT_TIMEOUT_SECS settings short.
 */
import { constants as bufferConstants } from 'node:buffer';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { definedOnly, type JobOptions } from '../contract/options.js';
import type { CalibrateResponse } from '../contract/types.js';
import { ContractError, validateCalibrateResponse } from '../contract/validate.js';
import type { ResponseData } from '../engine/responses.js';
import { SecretRedactor } from './redact-secrets.js';
import { AnswerMismatchError, checkAnswer } from './remote-answer.js';
import { calibrateRequestJson } from './remote-request.js';
import { describeUrl, parseServiceUrl } from './remote-url.js';
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
  /** Largest response accepted (bytes). Default and ceiling: DEFAULT_MAX_RESPONSE_BYTES. */
  readonly maxResponseBytes?: number;
  /** Options sent where a job sets none (the job's configuration: MIRT_C_PRIOR, ...). */
  readonly defaults?: JobOptions;
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
/**
 * The largest response that can be read: its text must fit one string, and V8's strings stop at
 * buffer.constants.MAX_STRING_LENGTH characters (2^29 - 24 on 64-bit Node 20, ~512 MiB); a UTF-8
 * body of that many bytes decodes to at most that many characters. (1M users' abilities are
 * ~150 MiB.)
 */
export const DEFAULT_MAX_RESPONSE_BYTES = bufferConstants.MAX_STRING_LENGTH;
const MiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;

export class RemoteCalibrator implements Calibrator {
  readonly kind = 'remote' as const;
  private path: string;
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly tries: number;
  private readonly delayMs: number;
  private readonly log: (line: string) => void;
  private readonly maxBytes: number;
  private readonly secrets: SecretRedactor;

  constructor(private readonly options: RemoteCalibratorOptions) {
    this.base = parseServiceUrl(options.baseUrl);
    this.secrets = new SecretRedactor([options.token, this.base.password, safeDecode(this.base.password)]);
    this.maxBytes = Math.min(
      options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      DEFAULT_MAX_RESPONSE_BYTES,
    );
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
    return `remote ${describeUrl(this.url(this.path))}`;
  }

  async calibrate(data: ResponseData, given: CalibrationJob): Promise<CalibrateResponse> {
    const job: CalibrationJob = { ...this.options.defaults, ...definedOnly(given) };
    const body = Buffer.from(calibrateRequestJson(data, job), 'utf8');
    let lastReason = 'no try made';
    for (let attempt = 1; attempt <= this.tries; attempt++) {
      try {
        const json = await this.postWithFallback(body);
        try {
          const answer = validateCalibrateResponse(json, { itemIds: data.itemIds, userIds: data.userIds });
          checkAnswer(answer, data, job);
          return answer;
        } catch (err) {
          if (err instanceof ContractError) throw new TryFailure(`invalid response: ${err.message}`, true);
          if (err instanceof AnswerMismatchError)
            throw new TryFailure(`the answer does not match the request: ${err.message}`, true);
          throw err;
        }
      } catch (err) {
        const f = err instanceof TryFailure ? err : new TryFailure((err as Error).message, true);
        // Everything printed passes here: a message may quote the service (an id, a body).
        lastReason = this.secrets.redact(f.message);
        const more = f.retryable && attempt < this.tries;
        const wait = this.delayMs * attempt;
        this.log(
          `[WARN] R IRT service call failed (try ${attempt}/${this.tries}): ${lastReason}${more ? `; retrying in ${wait / 1000} s` : ''}`,
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

  /**
   * An excerpt of an error body: redacted before it is cut (a secret across the cut would
   * otherwise leave its first half), from a window long enough to hold any secret whole.
   */
  private excerpt(body: Buffer): string {
    const window = body.subarray(0, 4 * (EXCERPT + this.secrets.longestForm)).toString('utf8');
    // Redacted as sent (a secret may hold spaces), then again once the whitespace is collapsed.
    return this.secrets.redact(this.secrets.redact(window).replace(/\s+/g, ' ')).slice(0, EXCERPT);
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
      const tooLarge = (what: string) => {
        finish(() =>
          reject(
            new TryFailure(
              `response from ${url.pathname} ${what} over the ${MiB(this.maxBytes)} this process can read; calibrate fewer users per run (MIRT_MAX_OBS) or in-process (unset R_IRT_BASE_URL)`,
              false,
            ),
          ),
        );
        req.destroy();
      };
      const req = send(url, { method: 'POST', headers }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > this.maxBytes) {
          tooLarge(`announces ${MiB(declared)},`);
          return;
        }
        res.on('data', (c: Buffer) => {
          if (done) return;
          size += c.length;
          if (size > this.maxBytes) {
            tooLarge('runs');
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
            const bytes = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              const excerpt = this.excerpt(bytes);
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
            // Nothing here may throw out of the listener (that would end the process): decoding
            // and parsing failures become a failed try.
            try {
              resolve(JSON.parse(bytes.toString('utf8')));
            } catch {
              // A cut-off body is as likely as a broken service: worth another try.
              reject(
                new TryFailure(
                  `response from ${url.pathname} is not valid JSON (${bytes.length} bytes)`,
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
        finish(() => reject(new TryFailure(`${e.code ?? 'request error'}: ${e.message}`, true))),
      );
      req.end(body);
    });
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
