/**
 * The README and docs/DEPLOYMENT.md against the code: commands are scripts package.json defines
 * and commands/flags the bin has; the configuration tables list exactly the env vars and flags
 * the code reads; documented log lines are printed by the code; the manifests' names match.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { codeBlocks, codeSpans, ENV_TOKEN, missingPieces, section, tableRows } from './docs.js';
import {
  cliCommands,
  envReads,
  envReadsIn,
  jobEnv,
  jobFlags,
  manifests,
  packageJson,
  parseArgsFlags,
  ROOT,
  read,
  serviceEnv,
  walk,
} from './repo.js';

const readme = read('README.md');
const deployment = read('docs/DEPLOYMENT.md');
const scripts = packageJson().scripts;
const allSource = walk(join(ROOT, 'src'), (p) => p.endsWith('.ts'))
  .map((f) => read(f.slice(ROOT.length)))
  .join('\n');

test('Quick start: the two commands, as package.json defines them', () => {
  const quick = codeBlocks(section(readme, 'Quick start'), 'sh')[0];
  const lines = quick
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
  assert.deepEqual(lines, ['npm ci && npm run demo', 'npm test']);
  for (const s of ['demo', 'test', 'build']) assert.ok(scripts[s], `script ${s}`);
});

test('the files the package.json scripts run exist (dist/X.js is built from src/X.ts)', () => {
  for (const [name, line] of Object.entries(scripts)) {
    for (const m of line.matchAll(/(?:^|\s)(dist\/\S+)\.js\b/g)) {
      const source = `${m[1].replace(/^dist\//, 'src/')}.ts`;
      assert.ok(
        existsSync(join(ROOT, source)),
        `npm run ${name}: ${m[1]}.js is built from ${source}, which does not exist`,
      );
    }
    for (const m of line.matchAll(/(?:^|\s)((?:bench|scripts|test|src)\/\S+\.ts)\b/g)) {
      assert.ok(existsSync(join(ROOT, m[1])), `npm run ${name}: ${m[1]} does not exist`);
    }
  }
});

test('every npm command in the docs is a script of package.json', () => {
  const text = `${readme}\n${deployment}`;
  const named = [
    ...[...text.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]),
    ...[...text.matchAll(/\bnpm (test|start)\b/g)].map((m) => m[1]),
  ];
  assert.ok(named.length >= 4);
  for (const s of named) assert.ok(scripts[s], `npm ${s}: package.json has no script "${s}"`);
});

test('every `mirt-calibrate <command> --flag` in the docs exists', () => {
  const commands = cliCommands();
  const flags: Record<string, Set<string>> = {
    run: jobFlags(),
    fit: parseArgsFlags('src/job/fit-command.ts'),
    serve: parseArgsFlags('src/service/serve-command.ts'),
    report: parseArgsFlags('src/report/report-command.ts'),
    score: parseArgsFlags('src/job/score-command.ts'),
  };
  let seen = 0;
  for (const m of `${readme}\n${deployment}`.matchAll(
    /(?:^|npx |`)mirt-calibrate(?![\w-])((?: +(?:[a-z]+|--?[a-z-]+(?:=\S+)?|[^\s`|-][^\s`|]*))*)/gm,
  )) {
    const words = m[1].trim().split(/\s+/).filter(Boolean);
    const cmd = words[0] && !words[0].startsWith('-') && commands.has(words[0]) ? words[0] : 'run';
    // `score --calibrate ... -- <run flags>`: what follows a lone -- goes to the run.
    const cut = words.indexOf('--');
    words.forEach((w, i) => {
      if (!w.startsWith('-') || i === cut) return;
      seen++;
      const of = cut >= 0 && i > cut ? 'run' : cmd;
      assert.ok(flags[of]?.has(w.split('=')[0]), `mirt-calibrate ${of}: no flag ${w}`);
    });
  }
  assert.ok(seen >= 3, 'found commands with flags');
});

describe('configuration tables = what the code reads', () => {
  const config = section(readme, 'Configuration');
  const parts = [
    { heading: 'The job', env: jobEnv, flags: jobFlags },
    { heading: 'The service', env: serviceEnv, flags: () => parseArgsFlags('src/service/serve-command.ts') },
    {
      heading: 'The score command',
      env: () => envReadsIn(read('src/job/score-command.ts')),
      flags: () => parseArgsFlags('src/job/score-command.ts'),
    },
    {
      heading: 'The fit command',
      env: () => new Set<string>(),
      flags: () => parseArgsFlags('src/job/fit-command.ts'),
    },
  ];
  for (const part of parts) {
    const rows = tableRows(section(config, part.heading));
    test(`${part.heading}: env vars`, () => {
      const documented = new Set(rows.flatMap((r) => codeSpans(r[1] ?? '')).filter((s) => ENV_TOKEN.test(s)));
      const code = part.env();
      assert.deepEqual(
        [...documented].filter((n) => !code.has(n)),
        [],
        'documented but not read by the code',
      );
      assert.deepEqual(
        [...code].filter((n) => !documented.has(n)),
        [],
        'read by the code but not documented',
      );
    });
    test(`${part.heading}: flags`, () => {
      const documented = new Set(rows.flatMap((r) => codeSpans(r[0] ?? '')).map((s) => s.split(/[\s=]/)[0]));
      const code = new Set([...part.flags()].filter((f) => f !== '-h'));
      documented.delete('-h');
      assert.deepEqual([...documented].filter((f) => !code.has(f)).sort(), [], 'documented but not a flag');
      assert.deepEqual([...code].filter((f) => !documented.has(f)).sort(), [], 'a flag but not documented');
    });
  }
  test('every env var the code reads anywhere is in a table', () => {
    const documented = new Set(tableRows(config).flatMap((r) => codeSpans(r[1] ?? '')));
    for (const [name, files] of envReads())
      assert.ok(documented.has(name), `${name} (read in ${files.join(', ')})`);
  });
});

describe('documented log lines are printed by the code', () => {
  const block = codeBlocks(section(readme, 'Output lines'), 'text')[0];
  const lines = block.split('\n').filter(Boolean);
  assert.ok(lines.length >= 10);
  for (const line of lines) {
    test(line, () => assert.deepEqual(missingPieces(line, allSource), []));
  }
  test('the lines DESIGN.md says users grep for, exactly', () => {
    for (const exact of ['No observations found; exiting.', 'Calibration upsert completed.']) {
      assert.ok(lines.includes(exact), exact);
      assert.ok(allSource.includes(`'${exact}'`), `printed as '${exact}'`);
    }
    for (const l of [
      '[INFO] Loaded <n> observations from attempt VIEW',
      '[WARN] attempt VIEW not available: <reason>; trying fallback...',
      '[INFO] Loaded <n> observations from responses table',
      '[ERROR] R IRT service call failed: <reason>',
    ])
      assert.ok(lines.includes(l), l);
  });
  test('messages quoted in Troubleshooting are printed by the code', () => {
    const quoted = codeSpans(section(readme, 'Troubleshooting')).filter((s) =>
      /^\[(ERROR|WARN|INFO)\]|exiting\.$/.test(s),
    );
    assert.ok(quoted.length >= 4);
    for (const q of quoted) assert.deepEqual(missingPieces(q, allSource, true), [], q);
  });
});

describe('docs/DEPLOYMENT.md names what the manifests define', () => {
  const objects = manifests().flatMap((m) => m.objects);
  const has = (kind: string, name: string) =>
    objects.some((o) => o.kind.toLowerCase() === kind && o.metadata.name === name);
  test('the manual run command', () => {
    assert.ok(
      deployment.includes('kubectl create job --from=cronjob/mirt-calibrate -n seedtest manual-$(date +%s)'),
    );
    assert.ok(has('cronjob', 'mirt-calibrate'));
  });
  test('every kind/name in a kubectl command exists', () => {
    const kinds: Record<string, string> = {
      cronjob: 'cronjob',
      deployment: 'deployment',
      service: 'service',
      configmap: 'configmap',
      pdb: 'poddisruptionbudget',
    };
    let n = 0;
    for (const block of codeBlocks(deployment, 'sh')) {
      for (const m of block.matchAll(
        /(?<![\w.-])(cronjob|deployment|service|configmap|pdb)\/([a-z0-9-]+)/g,
      )) {
        if (m[2] === 'r-irt-plumber' && m[1] === 'deployment') continue; // the R service's own Deployment
        n++;
        assert.ok(has(kinds[m[1]], m[2]), `${m[1]}/${m[2]}`);
      }
    }
    assert.ok(n >= 5);
  });
  test('the Secrets and keys it tells to create are the ones the manifests use', () => {
    const ex = objects.filter((o) => o.kind === 'Secret');
    for (const m of deployment.matchAll(
      /kubectl create secret generic (\S+)[^\n]*((?:\n\s+--from-literal=\w+[^\n]*)+)/g,
    )) {
      const secret = ex.find((s) => s.metadata.name === m[1]);
      assert.ok(secret, m[1]);
      const keys = [...m[2].matchAll(/--from-literal=(\w+)/g)].map((k) => k[1]).sort();
      assert.deepEqual(keys, Object.keys({ ...secret.data, ...secret.stringData }).sort(), m[1]);
    }
    assert.match(deployment, /kubectl create secret generic seedtest-irt-credentials/);
    assert.match(deployment, /kubectl create secret generic seedtest-db-credentials/);
  });
});
