/**
 * COPY ... TO STDOUT read from pg's socket straight into a CopyTextParser: a pg "submittable"
 * (an object with submit(connection), which client.query() accepts) that takes the socket's
 * 'data' events for the length of the COPY and walks the protocol messages itself.
 *
 * Why not pg-copy-streams: it copies every CopyData payload through a buffer list into one
 * Buffer per socket read and hands it to a Readable stream, and the parser then searches that
 * Buffer for the line ends the protocol had already delimited. Here each CopyData message (the
 * server sends exactly one row per message) is parsed where it lies in the socket's chunk; only
 * a message split across two chunks is copied. Measured in docs/ENGINE.md ("Extraction").
 *
 * Protocol (PostgreSQL "Message Formats"): a message is a type byte, an Int32 length that counts
 * itself but not the type byte, and the body. During COPY OUT the server sends CopyOutResponse
 * ('H'), CopyData ('d') per row, CopyDone ('c'), then CommandComplete ('C') and ReadyForQuery
 * ('Z'); NoticeResponse ('N'), ParameterStatus ('S') and NotificationResponse ('A') may come in
 * between, and an ErrorResponse ('E') at any point. This reads H, d, c (and skips N, S, A); at
 * anything else, or once CopyDone is read, it gives the socket back to pg with the unread bytes,
 * so pg itself parses the error or the completion and calls this object's handlers.
 */
import type { EventEmitter } from 'node:events';
import type { CopyTextParser } from './copy-text.js';

const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const COPY_OUT_RESPONSE = 0x48; // H
const NOTICE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION = 0x41; // A
const HEADER = 5;

type OnData = (chunk: Buffer) => void;

/** What this reads of pg's Connection: its socket and its simple-query sender. */
export interface PgConnection {
  readonly stream: EventEmitter;
  query(text: string): void;
}

export class CopyOutQuery {
  /** Resolves with the rows parsed once the server is ready again; rejects on any error. */
  readonly done: Promise<number>;
  private settle!: { resolve(rows: number): void; reject(e: unknown): void };
  private conn: PgConnection | null = null;
  private pgOnData: OnData | null = null;
  /** A parse error: the rest of the COPY is read and dropped, and `done` rejects with it. */
  private failure: unknown = null;
  /** A message split across socket chunks, assembled here. */
  private carry = Buffer.allocUnsafe(1 << 12);
  private carried = 0;

  constructor(
    private readonly text: string,
    private readonly parser: CopyTextParser,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Rejections are handled by whoever awaits `done`; until then do not report them as unhandled.
    this.done.catch(() => {});
  }

  submit(connection: PgConnection): Error | undefined {
    const listeners = connection.stream.listeners('data') as OnData[];
    if (listeners.length !== 1)
      return new Error(`COPY reader: expected pg's one socket listener, found ${listeners.length}`);
    this.conn = connection;
    this.pgOnData = listeners[0];
    connection.stream.removeListener('data', this.pgOnData);
    connection.stream.on('data', this.onData);
    connection.query(this.text);
    return undefined;
  }

  handleError(err: unknown): void {
    this.settle.reject(err);
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    if (this.failure !== null) this.settle.reject(this.failure);
    else this.settle.resolve(this.parser.rows);
  }

  private readonly onData: OnData = (chunk) => {
    let p = 0;
    const n = chunk.length;
    if (this.carried > 0) {
      p = this.fill(chunk, 0, HEADER);
      if (this.carried < HEADER) return;
      const total = 1 + this.carry.readUInt32BE(1);
      p = this.fill(chunk, p, total);
      if (this.carried < total) return;
      this.carried = 0;
      const next = this.message(this.carry, 0, total);
      if (next !== 'more') {
        const rest = chunk.subarray(p);
        this.handBack(next === 'not-copy' ? Buffer.concat([this.carry.subarray(0, total), rest]) : rest);
        return;
      }
    }
    while (p < n) {
      if (n - p < HEADER) {
        this.fill(chunk, p, HEADER);
        return;
      }
      const total = 1 + chunk.readUInt32BE(p + 1);
      if (n - p < total) {
        this.fill(chunk, p, total);
        return;
      }
      const next = this.message(chunk, p, p + total);
      if (next === 'not-copy') return this.handBack(chunk.subarray(p));
      p += total;
      if (next === 'done') return this.handBack(chunk.subarray(p));
    }
  };

  /** Copies bytes from chunk[p..] into the carry until it holds `upTo` bytes; returns the new p. */
  private fill(chunk: Buffer, p: number, upTo: number): number {
    const take = Math.min(upTo - this.carried, chunk.length - p);
    if (take <= 0) return p;
    if (this.carried + take > this.carry.length) {
      const bigger = Buffer.allocUnsafe(Math.max(upTo, this.carry.length * 2));
      this.carry.copy(bigger, 0, 0, this.carried);
      this.carry = bigger;
    }
    chunk.copy(this.carry, this.carried, p, p + take);
    this.carried += take;
    return p + take;
  }

  /** One whole message at buf[s..e): read it, or say the COPY is over or this is not ours. */
  private message(buf: Buffer, s: number, e: number): 'more' | 'done' | 'not-copy' {
    switch (buf[s]) {
      case COPY_DATA:
        if (this.failure === null) {
          try {
            this.parser.pushRow(buf, s + HEADER, e);
          } catch (err) {
            this.failure = err;
          }
        }
        return 'more';
      case COPY_DONE:
        return 'done';
      case COPY_OUT_RESPONSE:
      case NOTICE:
      case PARAMETER_STATUS:
      case NOTIFICATION:
        return 'more';
      default:
        return 'not-copy';
    }
  }

  /** Gives the socket back to pg, with the bytes it has not seen yet. */
  private handBack(rest: Buffer): void {
    const conn = this.conn as PgConnection;
    const pgOnData = this.pgOnData as OnData;
    conn.stream.removeListener('data', this.onData);
    conn.stream.on('data', pgOnData);
    this.conn = null;
    if (rest.length > 0) pgOnData(rest);
  }
}
