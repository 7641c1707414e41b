/**
 * Exclusive ownership of an embedded data folder. Two processes opening one PGlite folder
 * corrupt it silently (a committed write was lost in a test, DESIGN.md), and PGlite's advisory
 * locks only work inside one process, so the folder is owned through a lock inside it.
 *
 * The lock is a Unix socket the owner listens on (`<dir>/mirt-calibrate.lock`), with a JSON
 * note beside it saying who holds it since when. Whether an owner is alive is asked of the
 * kernel, not inferred from a pid: a socket accepts connections exactly as long as the process
 * that bound it lives (the kernel queues them even while the owner's event loop is busy), so a
 * `kill -9` or an OOM kill frees the lock at once, and a pid reused by another process (a
 * container's job is pid 1 on every start) or seen from another pid namespace (the next pod)
 * means nothing. A pid-file lock gets both wrong: after `kill -9` of pid 1 every later run saw
 * its own pid "alive" and exited 0, forever.
 *
 * The lock lives inside the folder because the process owns that folder and not necessarily its
 * parent (the image's /var/lib/mirt-calibrate is the node user's, /var/lib is root's). It is
 * taken before the folder is looked at, so the names starting with `mirt-calibrate.lock` are the
 * only ones a new database folder may hold (pglite-folder.ts).
 */
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

export const LOCK_NAME = 'mirt-calibrate.lock';
const NOTE_SUFFIX = '.json';
/** Longest socket path Linux and macOS accept (sun_path is 108 / 104 bytes with the NUL). */
const MAX_SOCKET_PATH = 103;
/** A live owner answers a connect at once (the kernel does); this only bounds a wedged file system. */
const PROBE_TIMEOUT_MS = 2000;

export interface LockHolder {
  /** -1 when the owner's note is missing or unreadable. */
  readonly pid: number;
  /** ISO time the lock was taken ('unknown' without a note). */
  readonly since: string;
  readonly host?: string;
}

export interface FolderLock {
  readonly path: string;
  release(): void;
}

export function lockPathFor(dataDir: string): string {
  return join(resolve(dataDir), LOCK_NAME);
}

/** Names in a data folder that belong to the lock (the socket, its note, a note being written). */
export function isLockEntry(name: string): boolean {
  return name === LOCK_NAME || name.startsWith(`${LOCK_NAME}.`);
}

/**
 * Takes the lock (creating the folder if needed), or returns who holds it. A lock whose owner is
 * gone (its socket refuses connections, or the path is not a socket at all) is taken over.
 */
export async function acquireFolderLock(
  dataDir: string,
): Promise<FolderLock | { held: LockHolder; path: string; ageSeconds: number | null }> {
  const dir = resolve(dataDir);
  const path = lockPathFor(dir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new Error(
      `data folder path ${dir} is too long for its lock socket (${Buffer.byteLength(path)} bytes with /${LOCK_NAME}, at most ${MAX_SOCKET_PATH}): use a shorter MIRT_DATA_DIR`,
    );
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw folderError(dir, e);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    let server: Server;
    try {
      server = await listen(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw folderError(dir, e);
      const before = statOrNull(path);
      if (before === null) continue; // released meanwhile: try again
      if (await answers(path)) {
        const held = readNote(path);
        const since = Date.parse(held.since);
        const ageSeconds = Number.isFinite(since) ? Math.max(0, (Date.now() - since) / 1000) : null;
        return { held, path, ageSeconds };
      }
      takeOver(path, before);
      continue;
    }
    return ownLock(path, server);
  }
  return { held: readNote(path), path, ageSeconds: null };
}

function listen(path: string): Promise<Server> {
  return new Promise((ok, fail) => {
    // A probe only needs the connection to be accepted; the owner closes it at once.
    const server = createServer((s) => s.destroy());
    server.once('error', fail);
    server.listen(path, () => {
      server.off('error', fail);
      // The lock must never keep the process alive on its own.
      server.unref();
      ok(server);
    });
  });
}

/** True when a live process listens on `path`: the kernel accepts the connection for it. */
function answers(path: string): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect(path);
    const done = (alive: boolean) => {
      s.destroy();
      ok(alive);
    };
    s.setTimeout(PROBE_TIMEOUT_MS, () => done(true)); // no answer either way: assume alive
    s.once('connect', () => done(true));
    s.once('error', (e: NodeJS.ErrnoException) =>
      // ECONNREFUSED: a socket nobody listens on, or a plain file (an old pid lockfile);
      // ENOENT: removed meanwhile. Anything else (EACCES...) is not proof of death.
      done(e.code !== 'ECONNREFUSED' && e.code !== 'ENOENT'),
    );
  });
}

/**
 * Removes a dead lock. Renamed away first and checked to be the very inode found dead: two
 * processes that both found it dead cannot both remove it, and neither removes a lock the other
 * has just taken.
 */
function takeOver(path: string, dead: { dev: number; ino: number }): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first: try again
  }
  const moved = statOrNull(aside);
  if (moved && (moved.ino !== dead.ino || moved.dev !== dead.dev)) {
    // We moved a lock taken after ours was judged dead: put it back (a new name for the same
    // socket, so its owner keeps it).
    try {
      linkSync(aside, path);
    } catch {
      /* a third process took the path meanwhile: it competes as usual */
    }
  }
  unlinkQuietly(aside);
  unlinkQuietly(path + NOTE_SUFFIX);
}

function ownLock(path: string, server: Server): FolderLock {
  const note: LockHolder = { pid: process.pid, since: new Date().toISOString(), host: hostname() };
  const body = JSON.stringify(note);
  // Written aside and renamed: a reader sees the whole note or none.
  const tmp = `${path}.note-${process.pid}`;
  writeFileSync(tmp, body);
  renameSync(tmp, path + NOTE_SUFFIX);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Closing removes the socket file (libuv unlinks a listening pipe's path, synchronously).
    server.close();
    try {
      if (readFileSync(path + NOTE_SUFFIX, 'utf8') === body) unlinkQuietly(path + NOTE_SUFFIX);
    } catch {
      /* already gone */
    }
  };
  // A crash still runs 'exit' handlers; after a SIGKILL the socket is left behind, dead, and
  // the next run takes it over.
  process.on('exit', release);
  return { path, release };
}

function readNote(path: string): LockHolder {
  try {
    const v = JSON.parse(readFileSync(path + NOTE_SUFFIX, 'utf8')) as LockHolder;
    if (Number.isInteger(v.pid) && typeof v.since === 'string') return v;
  } catch {
    /* missing or being replaced */
  }
  // No note (the owner died between binding and writing it, or it is being replaced): the
  // socket's own time still dates the lock.
  try {
    return { pid: -1, since: statSync(path).mtime.toISOString() };
  } catch {
    return { pid: -1, since: 'unknown' };
  }
}

function statOrNull(path: string): { dev: number; ino: number } | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** One line naming the folder, what went wrong and what to do. */
function folderError(dir: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const uid = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new Error(
        `cannot create the lock in data folder ${dir}: ${err.code} (${err.syscall ?? 'access'}): the folder must exist and be writable by this user${uid}`,
      );
    case 'EEXIST':
    case 'ENOTDIR':
      return new Error(
        `data folder ${dir} is not a folder (a file is in the way): set MIRT_DATA_DIR to a folder`,
      );
    case 'EOPNOTSUPP':
    case 'ENOTSUP':
      return new Error(
        `cannot create the lock socket in data folder ${dir}: its file system does not support Unix sockets (${err.code}); put the embedded database on a local volume`,
      );
    default:
      return new Error(`cannot lock data folder ${dir}: ${err.message ?? String(e)}`);
  }
}

/** Another process owns the data folder. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `data folder ${dataDir} is in use by ${holder.pid > 0 ? `process ${holder.pid}` : 'another process'}${holder.host ? ` on ${holder.host}` : ''} (since ${holder.since})`,
    );
  }
}
