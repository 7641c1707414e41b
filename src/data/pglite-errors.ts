/**
 * PGlite's own failures as one line naming the folder, the cause and the remedy. Left alone it
 * throws `Aborted(). Build with -sASSERTIONS for more info.` (a PANIC inside PostgreSQL, e.g. a
 * missing pg_control), `PGlite failed to initialize properly` (a FATAL at start: files of another
 * PostgreSQL version, a missing database directory or pg_wal) or an Emscripten file-system error
 * object that prints as `[object Object]`. The cause is in what PostgreSQL wrote to stderr,
 * which is kept (last lines only) for this.
 */

const KEEP_LINES = 40;

/** The last lines PostgreSQL wrote to stderr. */
export class ServerLog {
  private readonly lines: string[] = [];

  /** For PGlite's `onStderr`; returning true keeps PGlite from printing the line itself. */
  readonly push = (text: string): boolean => {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      this.lines.push(line);
      if (this.lines.length > KEEP_LINES) this.lines.shift();
    }
    return true;
  };

  /** The last PANIC/FATAL/ERROR with its DETAIL, without the timestamp prefix; null if none. */
  cause(): string | null {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const m = /\b(PANIC|FATAL|ERROR):\s+(.*)$/.exec(this.lines[i]);
      if (!m) continue;
      const detail = /\bDETAIL:\s+(.*)$/.exec(this.lines[i + 1] ?? '');
      return `${m[1]}: ${m[2].trim()}${detail ? ` (${detail[1].trim().replace(/\.$/, '')})` : ''}`;
    }
    return null;
  }
}

/** True for the failures PGlite does not explain: an abort, or a thrown non-Error. */
export function isPgliteCrash(e: unknown): boolean {
  return !(e instanceof Error) || e instanceof WebAssembly.RuntimeError || /^PGlite failed/.test(e.message);
}

/** PostgreSQL did not start on `dir`. */
export function startFailure(dir: string, e: unknown, log: ServerLog): Error {
  const cause = log.cause() ?? describe(e);
  return new Error(
    `the embedded database in ${dir} did not start: PostgreSQL reports ${JSON.stringify(cause)}. The folder is damaged or was written by another PostgreSQL version: restore it from a backup, or set MIRT_DATA_DIR to an empty folder for a new database`,
  );
}

/** The embedded database stopped during a statement (the instance is unusable afterwards). */
export function crashFailure(dir: string, e: unknown, log: ServerLog): Error {
  const cause = log.cause() ?? describe(e);
  return new Error(
    `the embedded database in ${dir} stopped: PostgreSQL reports ${JSON.stringify(cause)}. What was committed before stays; if it happens again the folder is damaged: restore it from a backup`,
  );
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  // Emscripten's ErrnoError: a plain object with an errno and no message.
  const errno = (e as { errno?: unknown } | null)?.errno;
  if (typeof errno === 'number') return `file system error (errno ${errno})`;
  return String(e);
}
