/**
 * A worker thread running a module of this package, from the build (.js) or from source (.ts,
 * under tsx: tests, bench). Node 20 does not apply the parent's `--import tsx` loader inside
 * workers, so from source a one-line bootstrap registers tsx (a devDependency, present wherever
 * the .ts sources run) and imports the .ts file.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The URL of module `name` (no extension) beside the module at `here` (its import.meta.url). */
export function siblingModule(here: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(here))}`, here);
}

export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
