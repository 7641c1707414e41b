/**
 * deploy/overlays/sharded: the Indexed Job of the split mode. Its fields (Indexed, completions =
 * the shard count the code reads, retries per index), resources and security context, the
 * command it runs (flags of `score`, and after `--` flags of the run), env vars the code reads,
 * and the build with kubectl kustomize (the single-pod CronJob suspended, no Secret, no Role:
 * the pods make no API calls).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import {
  cliCommands,
  envReadsIn,
  jobEnv,
  jobFlags,
  type K8sObject,
  kustomization,
  parseArgsFlags,
  parseYamlFile,
  ROOT,
  read,
} from './repo.js';

const DIR = join(ROOT, 'deploy', 'overlays', 'sharded');
const [cronJob] = parseYamlFile(join(DIR, 'cronjob-sharded.yaml')) as K8sObject[];
const job = cronJob.spec.jobTemplate.spec;
const pod = job.template.spec;
const [container] = pod.containers as {
  args: string[];
  env: {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
  }[];
  envFrom: { configMapRef: { name: string } }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: {
    allowPrivilegeEscalation: boolean;
    readOnlyRootFilesystem: boolean;
    capabilities: { drop: string[] };
  };
  image: string;
}[];

describe('the sharded overlay', () => {
  test('builds on deploy/k8s, its files exist, and it holds no Role or Secret', () => {
    const k = kustomization(DIR) as { resources?: string[] };
    assert.ok(k.resources?.includes('../../k8s'));
    for (const r of k.resources ?? []) assert.ok(existsSync(join(DIR, r)), `${r} exists`);
    assert.equal(cronJob.kind, 'CronJob');
    assert.equal(cronJob.metadata.name, 'mirt-calibrate-sharded');
    assert.equal(cronJob.metadata.namespace, 'seedtest');
  });

  test('one Indexed Job a night: completions = MIRT_SCORE_SHARDS, bounded parallelism, retries per index', () => {
    assert.equal(cronJob.spec.concurrencyPolicy, 'Forbid');
    assert.equal(cronJob.spec.timeZone, 'UTC');
    assert.equal(job.completionMode, 'Indexed');
    const shards = Number(container.env.find((e) => e.name === 'MIRT_SCORE_SHARDS')?.value);
    assert.ok(Number.isInteger(shards) && shards >= 2);
    assert.equal(job.completions, shards, 'every shard index is one completion');
    assert.ok(job.parallelism >= 1 && job.parallelism <= shards);
    assert.ok(Number.isInteger(job.backoffLimitPerIndex) && job.backoffLimitPerIndex >= 1);
    assert.equal(job.backoffLimit, undefined, 'backoffLimitPerIndex replaces backoffLimit');
    assert.ok(Number.isInteger(job.maxFailedIndexes) && job.maxFailedIndexes >= 0);
    assert.ok(job.activeDeadlineSeconds > 0);
    assert.equal(pod.restartPolicy, 'Never', 'backoffLimitPerIndex needs restartPolicy Never');
  });

  test('resources and security context as the single-pod job', () => {
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
    assert.ok(container.resources.limits.cpu && container.resources.limits.memory);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  });

  test('runs `score --calibrate`: its flags are score flags, those after -- are run flags', () => {
    const args = container.args;
    assert.equal(args[0], 'score');
    assert.ok(cliCommands().has('score'));
    const cut = args.indexOf('--');
    assert.ok(cut > 0, 'run flags after --');
    const score = parseArgsFlags('src/job/score-command.ts');
    for (const a of args.slice(1, cut).filter((x) => x.startsWith('--')))
      assert.ok(score.has(a), `score ${a}`);
    assert.ok(args.includes('--calibrate'));
    const run = jobFlags();
    for (const a of args.slice(cut + 1).filter((x) => x.startsWith('--'))) assert.ok(run.has(a), `run ${a}`);
    assert.ok(args.includes('--calibration-sample'));
    assert.equal(args[args.indexOf('--score') + 1], 'shards');
  });

  test('the run label is the Job name; every env var named is read by the code', () => {
    const label = container.env.find((e) => e.name === 'MIRT_RUN_LABEL');
    assert.equal(label?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['batch.kubernetes.io/job-name']");
    const known = new Set([...jobEnv(), ...envReadsIn(read('src/job/score-command.ts'))]);
    const cm = parseYamlFile(join(ROOT, 'deploy/k8s/configmap-job.yaml'))[0] as K8sObject;
    assert.equal(container.envFrom[0].configMapRef.name, cm.metadata.name);
    for (const name of [...container.env.map((e) => e.name), ...Object.keys(cm.data ?? {})])
      assert.ok(known.has(name), `${name} is read by the code`);
    assert.equal(
      container.env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name,
      'seedtest-db-credentials',
    );
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  test('kubectl kustomize deploy/overlays/sharded builds: the single-pod CronJob suspended, the image rewritten', {
    skip: kubectl.status !== 0 ? 'kubectl is not installed here (apt-get install kubectl)' : false,
  }, () => {
    const r = spawnSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject);
    const cjs = objects.filter((o) => o.kind === 'CronJob');
    assert.deepEqual(cjs.map((o) => o.metadata.name).sort(), ['mirt-calibrate', 'mirt-calibrate-sharded']);
    assert.equal(cjs.find((o) => o.metadata.name === 'mirt-calibrate')?.spec.suspend, true);
    const sharded = cjs.find((o) => o.metadata.name === 'mirt-calibrate-sharded') as K8sObject;
    assert.equal(sharded.spec.suspend, undefined);
    assert.equal(sharded.metadata.namespace, 'seedtest');
    assert.match(
      sharded.spec.jobTemplate.spec.template.spec.containers[0].image,
      /^registry\.example\.com\/seedtest\/mirt-calibrate:/,
    );
    assert.equal(sharded.metadata.labels?.['app.kubernetes.io/part-of'], 'mirt-calibrate');
    // The overlay's image is the base's (both are set on a release).
    const base = kustomization(join(ROOT, 'deploy/k8s')).images;
    assert.deepEqual((kustomization(DIR) as { images?: unknown }).images, base);
    assert.ok(!objects.some((o) => ['Secret', 'Role', 'RoleBinding', 'ServiceAccount'].includes(o.kind)));
  });
});
