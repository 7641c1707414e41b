/**
 * Facts read from the repository itself for the deployment tests: the YAML manifests, the env
 * vars and flags the code really reads, the CLI's commands, package.json. Everything is parsed
 * from the files at test time, so the tests follow the code rather than a copy of it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { OPTION_NAMES, optionSpec } from '../../src/contract/options.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const K8S = join(ROOT, 'deploy', 'k8s');

export function read(rel: string): string {
  return readFileSync(join(ROOT, rel), 'utf8');
}

export function walk(dir: string, keep: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

export const rel = (p: string): string => relative(ROOT, p);

// ---- YAML ----

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form; each test narrows what it reads.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
}

export interface Manifest {
  readonly file: string;
  readonly objects: K8sObject[];
}

/** Parses every document of a YAML file; throws with the file name on any YAML error. */
export function parseYamlFile(path: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${rel(path)}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function yamlFiles(dir = join(ROOT, 'deploy')): string[] {
  return walk(dir, (p) => /\.ya?ml$/.test(p));
}

/** The Kubernetes objects of deploy/ (kustomization files excluded). */
export function manifests(dir = join(ROOT, 'deploy')): Manifest[] {
  return yamlFiles(dir)
    .filter((f) => !/kustomization\.ya?ml$/.test(f))
    .map((file) => ({ file, objects: parseYamlFile(file) as K8sObject[] }));
}

export function kustomization(dir: string): {
  resources?: string[];
  images?: { name: string; newName?: string }[];
  namespace?: string;
} {
  return parseYamlFile(join(dir, 'kustomization.yaml'))[0] as never;
}

// ---- What the code reads ----

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Environment variable names read by a TypeScript source: `env.NAME`, `env?.NAME`,
 * `process.env.NAME`, `env['NAME']`, and the names passed to the config module's lookup helpers
 * `first(env, 'A', 'B')` / `pick(key, flag, 'A', 'B')`.
 */
export function envReadsIn(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]);
  for (const m of source.matchAll(/\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g)) names.add(m[1]);
  for (const m of source.matchAll(/\b(?:first|pick)\(([^()]*)\)/g)) {
    for (const s of m[1].matchAll(/['"]([^'"]+)['"]/g)) if (ENV_NAME.test(s[1])) names.add(s[1]);
  }
  return names;
}

function sources(under: string): string[] {
  return walk(join(ROOT, under), (p) => p.endsWith('.ts') && !p.endsWith('.d.ts'));
}

/** Env vars read under a src/ folder (or all of src/), with the files that read each. */
export function envReads(under = 'src', exclude: string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sources(under)) {
    const r = rel(file);
    if (exclude.some((x) => r.startsWith(x))) continue;
    for (const name of envReadsIn(readFileSync(file, 'utf8'))) out.set(name, [...(out.get(name) ?? []), r]);
  }
  return out;
}

/** The job's settings declared as data in the option schema (src/contract/options.ts), not as reads in the text. */
const schemaJobSettings = () =>
  OPTION_NAMES.flatMap((name) => {
    const { job } = optionSpec(name);
    return job ? [job] : [];
  });

/** Env vars the job (and fit) read: everything outside src/service, and the option schema's. */
export const jobEnv = (): Set<string> =>
  new Set([...envReads('src', ['src/service/']).keys(), ...schemaJobSettings().map((j) => j.env)]);
/** Env vars the service reads. */
export const serviceEnv = (): Set<string> => new Set(envReads('src/service').keys());

/** Commands of the bin's dispatcher (src/job/cli.ts COMMANDS). */
export function cliCommands(): Map<string, string> {
  const cli = read('src/job/cli.ts');
  const out = new Map<string, string>();
  for (const m of cli.matchAll(
    /^\s+(\w+): \{ module: '([^']+)', source: '([^']+)'(?:, bundle: '[^']+')? \}/gm,
  ))
    out.set(m[1], m[3]);
  return out;
}

/** Flags of the job (FLAGS table of src/job/config.ts, and the option schema's). */
export function jobFlags(): Set<string> {
  const src = read('src/job/config.ts');
  return new Set([
    ...[...src.matchAll(/^\s+'(-{1,2}[a-z][a-z-]*)': \{ key:/gm)].map((m) => m[1]),
    ...schemaJobSettings().map((j) => j.flag),
  ]);
}

/** Long flags of a command that uses node:util parseArgs (`name: { type: ... }` options). */
export function parseArgsFlags(rel: string): Set<string> {
  const src = read(rel);
  return new Set(
    [...src.matchAll(/^\s+'?([a-z][a-z-]*)'?: \{ type: '(?:string|boolean)'/gm)].map((m) => `--${m[1]}`),
  );
}

export interface PackageJson {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: { node?: string };
}

export const packageJson = (): PackageJson => JSON.parse(read('package.json')) as PackageJson;
