/**
 * The layering, kept by a check. The engine compiles with no Node (or DOM) types
 * (tsconfig.engine.json) and imports nothing outside itself; the contract and the data layer
 * import no engine code (types included); no module imports itself through a cycle; the database
 * backends are reached through data/open.ts; the service takes from calibrators/ only their types;
 * options/ (the option schema's engine binding) joins only the contract and the engine; host/
 * imports nothing of ours.
 *
 * Today's violations outside the engine are listed in KNOWN with the reason, to be removed as
 * their files are fixed: a new violation fails, a fixed one is reported (remove its entry).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/reference.js';

const src = path.join(repoRoot, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Relative imports of every file under src (type-only ones included), as src-relative paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const spec = /(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g;
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(spec)) {
      const rel = (m[1] ?? m[2]).replace(/\.js$/, '.ts');
      targets.push(path.relative(src, path.resolve(path.dirname(file), rel)));
    }
    graph.set(path.relative(src, file), [...new Set(targets)]);
  }
  return graph;
}

const folder = (f: string) => f.split(path.sep)[0];

/** Rules: each returns why the import from -> to is not allowed, or null. */
const RULES: ((from: string, to: string) => string | null)[] = [
  (from, to) =>
    folder(from) === 'engine' && folder(to) !== 'engine' ? 'the engine imports nothing outside itself' : null,
  (from, to) =>
    folder(from) === 'contract' && folder(to) === 'engine'
      ? 'the contract does not depend on engine types'
      : null,
  (from, to) =>
    folder(from) === 'data' && folder(to) === 'engine'
      ? 'the data layer does not depend on the engine'
      : null,
  (from, to) =>
    /^data\/(pg-db|pglite-db)\.ts$/.test(to) && from !== 'data/open.ts'
      ? 'database backends are opened through data/open.ts, and do not import each other'
      : null,
  (from, to) =>
    folder(from) === 'service' && folder(to) === 'calibrators' && to !== 'calibrators/types.ts'
      ? 'the service takes only the calibrator types from calibrators/'
      : null,
  (from, to) =>
    folder(from) === 'options' && !['options', 'contract', 'engine'].includes(folder(to))
      ? 'the option binding joins the contract and the engine, nothing else'
      : null,
  (from, to) =>
    folder(from) === 'host' && folder(to) !== 'host'
      ? 'host/ (facts about the machine) imports nothing of ours'
      : null,
];

/** Today's violations outside the engine, in files other work is changing: remove as fixed. */
const KNOWN: Readonly<Record<string, string>> = {};

/** Files on an import cycle, each cycle named by one edge (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) {
        scc.sort();
        const first = scc[0];
        const to = (graph.get(first) ?? []).filter((t) => scc.includes(t)).sort()[0];
        out.push(`cycle ${first} -> ${to}`);
      }
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('layering', () => {
  it('the engine compiles with no Node or DOM types', () => {
    const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');
    const r = spawnSync(tsc, ['-p', path.join(repoRoot, 'tsconfig.engine.json')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('no import points up a layer, and no module imports itself through a cycle', (t) => {
    const graph = importGraph();
    const found = new Map<string, string>();
    for (const [from, targets] of graph) {
      for (const to of targets) {
        for (const rule of RULES) {
          const why = rule(from, to);
          if (why) found.set(`${from} -> ${to}`, why);
        }
      }
    }
    for (const c of cycles(graph)) found.set(c, 'import cycle');
    const unexpected = [...found].filter(([k]) => !(k in KNOWN)).map(([k, why]) => `${k}: ${why}`);
    assert.deepEqual(unexpected, [], 'new layering violations');
    for (const k of Object.keys(KNOWN)) if (!found.has(k)) t.diagnostic(`fixed, remove from KNOWN: ${k}`);
  });

  it('the check sees a violation (an engine file importing a layer above)', () => {
    assert.equal(
      RULES[0]('engine/em.ts', 'calibrators/local.ts'),
      'the engine imports nothing outside itself',
    );
    const g = new Map([
      ['engine/a.ts', ['engine/b.ts']],
      ['engine/b.ts', ['engine/a.ts']],
    ]);
    assert.deepEqual(cycles(g), ['cycle engine/a.ts -> engine/b.ts']);
    assert.ok(RULES.some((rule) => rule('options/engine.ts', 'calibrators/local.ts')));
    assert.ok(RULES.some((rule) => rule('host/cpus.ts', 'service/server.ts')));
  });
});
