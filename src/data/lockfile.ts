/**
 * Exclusive ownership of an embedded data folder. Two processes opening one PGlite folder
 * corrupt it silently (a committed write was lost in a test, DESIGN.md), and PGlite's advisory
 * locks only work inside one process, so the folder is owned through a lockfile beside it,
 * created with O_EXCL and holding the owner's pid. A lockfile whose pid is gone is stale and is
 * taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface LockHolder {
  readonly pid: number;
  readonly since: string;
}

export interface FolderLock {
  readonly path: string;
  release(): void;
}

export function lockPathFor(dataDir: string): string {
  return `${resolve(dataDir)}.lock`;
}

/** Takes the lock, or returns who holds it. */
export function acquireFolderLock(dataDir: string): FolderLock | { held: LockHolder; path: string } {
  const path = lockPathFor(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    const body = JSON.stringify({ pid: process.pid, since: new Date().toISOString() });
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, body);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          // Only remove a lockfile that is still ours.
          if (readFileSync(path, 'utf8') === body) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      // A crash still runs 'exit' handlers; a SIGKILL leaves a stale file, detected by its pid.
      process.on('exit', release);
      return { path, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(path);
    if (holder && pidAlive(holder.pid)) return { held: holder, path };
    try {
      unlinkSync(path); // stale (or unreadable half-written) lock: take it over
    } catch {
      /* someone else removed it first: retry */
    }
  }
  const holder = readHolder(path);
  return { held: holder ?? { pid: -1, since: 'unknown' }, path };
}

function readHolder(path: string): LockHolder | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(v.pid) ? v : null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
