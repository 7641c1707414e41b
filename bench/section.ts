/** One bench section in its own process (run.ts): `node --import tsx bench/section.ts FILE FUNCTION`. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, fn] = process.argv.slice(2);
const mod = (await import(pathToFileURL(path.join(import.meta.dirname, file)).href)) as Record<
  string,
  () => Promise<void>
>;
if (typeof mod[fn] !== 'function') throw new Error(`bench/${file} has no ${fn}()`);
await mod[fn]();
