/** `npm run bench`: every benchmark, printing figures (never part of `npm test`). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { benchEngine } from './engine.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const only = process.argv[2];
if (!only || only === 'engine') await benchEngine();
for (const name of ['ingest', 'job', 'service', 'shards', 'itemfit', 'linking', 'restarts']) {
  if (only && only !== name) continue;
  const file = path.join(here, `${name}.ts`);
  if (!existsSync(file)) continue;
  const mod = (await import(file)) as Record<string, () => Promise<void>>;
  const fn = mod[`bench${name[0].toUpperCase()}${name.slice(1)}`];
  if (fn) await fn();
}
