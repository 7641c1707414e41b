/**
 * Where every command's log lines go, in the format the operator chose with MIRT_LOG_FORMAT:
 *
 * - `text` (default): the line as the code wrote it, after an ISO-8601 UTC time stamp:
 *   `2026-12-01T02:00:04.512Z [INFO] Loaded 51234 observations from attempt VIEW`. The text after
 *   the stamp is exactly the seed's (DESIGN.md: lines users grep for stay as they are).
 * - `plain`: the line alone, as before time stamps (for alerting that anchors on `^[ERROR]`).
 * - `json`: one JSON object per line through pino (Fastify's logger, so the service's request
 *   lines and these share one shape): `{"level":"info","time":"…","pid":…,"hostname":…,"msg":…}`
 *   plus the line's own fields (phase, cycle, …). A line's `[INFO]`/`[WARN]`/`[ERROR]` tag
 *   becomes `level`; another tag (`[DRY_RUN]`) is kept as `tag`.
 *
 * The code keeps writing tagged lines (`[INFO] …`); only the sink knows the format, so the job,
 * `score`, `serve` and the SIGTERM line all follow the same setting. pino is loaded only for
 * json, so `--help` and text logs do not pay for it at start.
 */
import type { DestinationStream, Logger } from 'pino';

export type LogFormat = 'text' | 'plain' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'plain', 'json'];

export type Level = 'info' | 'warn' | 'error';
/** Structured extras of a line (shown in json only: in text the line already says them). */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Log {
  readonly format: LogFormat;
  /** A line for standard output (INFO/WARN and the untagged seed lines). */
  out(line: string, fields?: LogFields): void;
  /** A line for standard error ([ERROR] lines, progress). */
  err(line: string, fields?: LogFields): void;
}

/** Anything with write(string): process.stdout, a test's buffer. */
export interface Sink {
  write(chunk: string): unknown;
}

export class LogFormatError extends Error {
  override name = 'LogFormatError';
}

/** MIRT_LOG_FORMAT, case-insensitive; unset or empty = text. */
export function logFormat(env: Readonly<Record<string, string | undefined>>): LogFormat {
  const raw = env.MIRT_LOG_FORMAT?.trim().toLowerCase() ?? '';
  if (raw === '') return 'text';
  if ((LOG_FORMATS as readonly string[]).includes(raw)) return raw as LogFormat;
  throw new LogFormatError(
    `MIRT_LOG_FORMAT: expected text, plain or json, got "${shorten(env.MIRT_LOG_FORMAT ?? '')}"`,
  );
}

const TAG = /^\[([A-Z_]+)\] ?/;
const LEVELS: Record<string, Level> = { INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The level and the message without its tag; untagged lines are info on stdout, error on stderr. */
export function splitTag(line: string, fallback: Level): { level: Level; msg: string; tag?: string } {
  const m = TAG.exec(line);
  if (!m) return { level: fallback, msg: line };
  const level = LEVELS[m[1]];
  const msg = line.slice(m[0].length);
  return level ? { level, msg } : { level: fallback, msg, tag: m[1] };
}

/**
 * pino with ISO times and level names (`"level":"warn"`, what log collectors index on) writing
 * to `sink`. Exported for the service, which hands the same logger to Fastify.
 */
export async function jsonLogger(sink: Sink): Promise<Logger> {
  const { pino } = await import('pino');
  return pino(
    {
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    sink as DestinationStream,
  );
}

export async function createLog(
  format: LogFormat,
  sinks: { stdout: Sink; stderr: Sink } = { stdout: process.stdout, stderr: process.stderr },
  now: () => Date = () => new Date(),
): Promise<Log> {
  if (format === 'json') {
    const loggers = { out: await jsonLogger(sinks.stdout), err: await jsonLogger(sinks.stderr) };
    const emit = (which: 'out' | 'err', line: string, fields?: LogFields) => {
      const { level, msg, tag } = splitTag(line, which === 'out' ? 'info' : 'error');
      loggers[which][level]({ ...fields, ...(tag ? { tag } : {}) }, msg);
    };
    return {
      format,
      out: (line, fields) => emit('out', line, fields),
      err: (line, fields) => emit('err', line, fields),
    };
  }
  const stamp = format === 'text' ? () => `${now().toISOString()} ` : () => '';
  return {
    format,
    out: (line) => sinks.stdout.write(`${stamp()}${line}\n`),
    err: (line) => sinks.stderr.write(`${stamp()}${line}\n`),
  };
}

/** Echoed input in messages: one line, at most `max` characters (a pasted file stays out of the log). */
export function shorten(s: string, max = 60): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

const PINO_OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * A pino destination that writes its JSON lines as text lines (`<time> [INFO] request
 * method=POST route=/calibrate status=200 …`): the service's request lines in the text format,
 * so that one format runs through the whole log.
 */
export function textSink(out: Sink, stamped = true): Sink {
  return {
    write(chunk: string) {
      for (const json of chunk.split('\n')) {
        if (!json) continue;
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(json) as Record<string, unknown>;
        } catch {
          out.write(`${json}\n`);
          continue;
        }
        const fields = Object.entries(o)
          .filter(([k, v]) => !PINO_OWN.has(k) && v !== undefined)
          .map(([k, v]) => `${k}=${typeof v === 'string' && !/[\s"=]/.test(v) ? v : JSON.stringify(v)}`);
        const level = String(o.level ?? 'info').toUpperCase();
        const time = stamped ? `${o.time ?? new Date().toISOString()} ` : '';
        const rest = fields.length ? ` ${fields.join(' ')}` : '';
        out.write(`${time}[${level}] ${String(o.msg ?? '')}${rest}\n`);
      }
    },
  };
}

/** A message with every quoted echo of input ("…") shortened: a pasted value stays out of the log. */
export function shortenQuoted(message: string, max = 60): string {
  return message.replace(/"([^"]{61,})"/g, (_, inner: string) => `"${shorten(inner, max)}"`);
}
