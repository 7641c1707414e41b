/**
 * One argument style for every command: `--name value` or `--name=value`, boolean `--flag`
 * (`--flag=false` too), `-h` for help, `--` ending the flags. Every mistake is one line naming
 * the flag as the user typed it, never a usage dump: an unknown flag gets the nearest known one
 * ("did you mean --quadpts?"), a missing value says which flag wants one, echoed input is
 * shortened. Commands check their arguments (output paths included) before reading any data.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { shorten } from './log.js';

/** A usage mistake: the command prints `[ERROR] <message>` and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** One-letter alias, without the dash (`h` for `-h`). */
  readonly short?: string;
}
/** Flags by long name without the dashes (`quadpts` for `--quadpts`). */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

export type FlagValues<T extends FlagTable> = {
  -readonly [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
};

export interface Parsed<T extends FlagTable> {
  readonly values: FlagValues<T>;
  /** Words that are not flags (only where the command allows them). */
  readonly positionals: string[];
  /** Everything after `--`, untouched. */
  readonly rest: string[];
}

export interface ParseOptions {
  /** Shown in the hint: `mirt-calibrate <command> --help`. */
  readonly command: string;
  readonly positionals?: boolean;
}

/**
 * Parses `argv` against `table`. Unknown flags, missing values, bad booleans and (unless allowed)
 * positional words are UsageErrors.
 */
export function parseFlags<T extends FlagTable>(
  argv: readonly string[],
  table: T,
  options: ParseOptions,
): Parsed<T> {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const shorts = new Map(
    Object.entries(table)
      .filter(([, s]) => s.short)
      .map(([name, s]) => [s.short as string, name]),
  );
  const known = Object.keys(table);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { values: values as FlagValues<T>, positionals, rest: argv.slice(i + 1) };
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq > 0 ? arg.slice(eq + 1) : undefined;
      if (!Object.hasOwn(table, name)) throw unknownFlag(`--${name}`, known, options.command);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const long = shorts.get(arg.slice(1));
      if (long === undefined) throw unknownFlag(arg, known, options.command);
      name = long;
    } else {
      if (!options.positionals)
        throw new UsageError(
          `unexpected argument "${shorten(arg)}" (flags start with --; see ${help(options.command)})`,
        );
      positionals.push(arg);
      continue;
    }
    const spec = table[name];
    if (spec.type === 'boolean') {
      values[name] = inline === undefined ? true : parseBoolean(inline, `--${name}`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2))
        throw new UsageError(`--${name} needs a value (see ${help(options.command)})`);
      i++;
    }
    values[name] = value;
  }
  return { values: values as FlagValues<T>, positionals, rest: [] };
}

function help(command: string): string {
  return `mirt-calibrate${command ? ` ${command}` : ''} --help`;
}

function parseBoolean(v: string, flag: string): boolean {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new UsageError(`${flag}: expected true or false, got "${shorten(v)}"`);
}

/** `unknown flag --qaudpts; did you mean --quadpts? (see mirt-calibrate fit --help)`. */
export function unknownFlag(given: string, known: readonly string[], command: string): UsageError {
  const bare = given.replace(/^-+/, '').split('=')[0];
  const near = nearest(bare, known);
  return new UsageError(
    `unknown flag ${shorten(given.split('=')[0], 40)}${near ? `; did you mean --${near}?` : ''} (see ${help(command)})`,
  );
}

/**
 * The known name closest to `given`: a unique name it is a prefix of (`--out` for `--output`),
 * else the one at the smallest edit distance (insertions, deletions, substitutions and swaps of
 * neighbours: `qaudpts` is 1 from `quadpts`) when that is at most a third of its length (at least 1).
 */
export function nearest(given: string, known: readonly string[]): string | null {
  const g = given.toLowerCase();
  if (g === '') return null;
  const prefixed = known.filter((k) => k.startsWith(g));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(g, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : null;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Uint16Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}

/**
 * Checks, before any data is read, that `file` can be written: its folder exists and is
 * writable, and it is not itself a folder or a read-only file. `-` (standard output) passes.
 */
export async function checkOutputPath(flag: string, file: string, shown = file): Promise<void> {
  if (file === '-') return;
  const target = path.resolve(file);
  const cannot = (why: string) => new UsageError(`${flag}: cannot write ${shorten(shown)}: ${why}`);
  const info = await stat(target).catch(() => null);
  if (info?.isDirectory()) throw cannot('it is a folder');
  const parent = await stat(path.dirname(target)).catch(() => null);
  if (parent && !parent.isDirectory()) throw cannot(`${shorten(path.dirname(file))} is not a folder`);
  try {
    await access(info ? target : path.dirname(target), constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw cannot(
      code === 'ENOENT'
        ? `the folder ${shorten(path.dirname(file) || '.')} does not exist`
        : code === 'EACCES'
          ? 'permission denied'
          : String(code ?? (e as Error).message),
    );
  }
}

/** A positive integer flag within [min, max], with the flag's own name in the error. */
export function intFlag(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*[+-]?\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag}: expected an integer from ${min} to ${max}, got "${shorten(raw)}"`);
  return n;
}
