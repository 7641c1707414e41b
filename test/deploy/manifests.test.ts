/**
 * The Kubernetes manifests of deploy/: they parse, validate against the Kubernetes schemas
 * (kubernetes-models, bundled, no network), line up with each other (names, namespaces, selectors,
 * Secret/ConfigMap keys) and with the code (commands of the bin, env vars the code reads).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cliCommands,
  jobEnv,
  K8S,
  type K8sObject,
  kustomization,
  manifests,
  parseYamlFile,
  ROOT,
  read,
  rel,
  serviceEnv,
  yamlFiles,
} from './repo.js';

const NAMESPACE = 'seedtest';
const all = manifests();
const objects = all.flatMap((m) => m.objects.map((o) => ({ ...o, file: rel(m.file) })));
const find = (kind: string, name: string) => {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(hits.length, 1, `exactly one ${kind}/${name} in deploy/ (found ${hits.length})`);
  return hits[0];
};
const examples = objects.filter((o) => o.file.endsWith('secret.example.yaml'));
const base = kustomization(K8S);
const baseObjects = (base.resources ?? []).flatMap((r) => parseYamlFile(join(K8S, r)) as K8sObject[]);

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

function podSpec(o: K8sObject) {
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec;
  if (o.kind === 'Deployment') return o.spec.template.spec;
  throw new Error(`no pod template in ${o.kind}`);
}
const workloads = baseObjects.filter((o) => o.kind === 'CronJob' || o.kind === 'Deployment');
const containers = (o: K8sObject): Container[] => podSpec(o).containers;

describe('every YAML file under deploy/ parses', () => {
  for (const f of yamlFiles()) {
    test(rel(f), () => {
      const docs = parseYamlFile(f);
      assert.ok(docs.length > 0, 'has at least one document');
      for (const d of docs) assert.equal(typeof d, 'object');
    });
  }
});

describe('every object validates against the Kubernetes schemas (kubernetes-models)', () => {
  for (const o of objects) {
    test(`${o.file}: ${o.kind}/${o.metadata.name}`, async () => {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      const mod = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}`)) as Record<
        string,
        unknown
      >;
      const Model = mod[o.kind] as (new (x: unknown) => { validate(): void }) | undefined;
      assert.ok(Model, `kubernetes-models knows ${o.apiVersion} ${o.kind}`);
      const { file: _file, ...plain } = o;
      new Model(plain).validate();
    });
  }
});

test('the validator really rejects a broken object (guards the check above)', async () => {
  const { CronJob } = await import('kubernetes-models/batch/v1');
  const broken = structuredClone(find('CronJob', 'mirt-calibrate')) as Record<string, unknown>;
  delete broken.file;
  (broken as K8sObject).spec.schedule = 3;
  assert.throws(() => new CronJob(broken as never).validate(), /schedule/);
});

describe('kustomization.yaml', () => {
  test('lists files that exist, and every manifest of deploy/k8s except the Secret example', () => {
    const listed = base.resources ?? [];
    for (const r of listed) assert.ok(existsSync(join(K8S, r)), `${r} exists`);
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    assert.deepEqual(
      [...listed].sort(),
      files.filter((f) => f !== 'secret.example.yaml').sort(),
      'kustomization.yaml resources = the manifests in deploy/k8s',
    );
    assert.ok(
      !listed.includes('secret.example.yaml'),
      'apply -k must never overwrite the real Secrets with placeholders',
    );
    assert.equal(base.namespace, NAMESPACE);
  });

  test('the r-irt-plumber overlay builds on deploy/k8s and its files exist', () => {
    const dir = join(ROOT, 'deploy', 'overlays', 'r-irt-plumber');
    const k = kustomization(dir);
    assert.ok(k.resources?.includes('../../k8s'));
    for (const r of k.resources ?? []) assert.ok(existsSync(join(dir, r)), `${r} exists`);
  });

  test('every container image is the one kustomization.yaml rewrites', () => {
    const names = new Set((base.images ?? []).map((i) => i.name));
    for (const w of workloads)
      for (const c of containers(w)) assert.ok(names.has(c.image), `${w.kind} image ${c.image}`);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  for (const dir of ['deploy/k8s', 'deploy/overlays/r-irt-plumber']) {
    test(`kubectl kustomize ${dir} builds`, {
      skip: kubectl.status !== 0 ? 'kubectl is not installed here (apt-get install kubectl)' : false,
    }, () => {
      const r = spawnSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /kind: CronJob/);
      assert.match(r.stdout, /image: registry\.example\.com\/seedtest\/mirt-calibrate:/);
      if (dir.endsWith('r-irt-plumber')) assert.match(r.stdout, /name: r-irt-plumber/);
      assert.doesNotMatch(r.stdout, /kind: Secret/);
    });
  }
});

test('every object is in seedtest; the shared Namespace itself is not ours to own', () => {
  // seedtest is the platform's namespace: a Namespace object here would let `apply -k` relabel it
  // (commonLabels) and `delete -k` delete it with everything the platform runs in it.
  for (const o of objects) {
    assert.notEqual(o.kind, 'Namespace', `${o.file} defines a Namespace`);
    assert.equal(o.metadata.namespace, NAMESPACE, `${o.file} ${o.kind}/${o.metadata.name}`);
  }
  assert.ok(!(base.resources ?? []).some((r) => /namespace/i.test(r)), 'no namespace file in resources');
  const deployment = read('docs/DEPLOYMENT.md');
  assert.match(deployment, /namespace must already exist/);
  assert.match(deployment, /kubectl create namespace seedtest/);
});

// Every pod template of deploy/, base and overlays (the sharded overlay's CronJob too).
const allWorkloads = objects.filter((o) => o.kind === 'CronJob' || o.kind === 'Deployment');

test('no pod gets a service-account token: none of them calls the Kubernetes API', () => {
  assert.ok(allWorkloads.length >= 3, 'the job, the service and the sharded job');
  for (const w of allWorkloads)
    assert.equal(podSpec(w).automountServiceAccountToken, false, `${w.file} ${w.kind}/${w.metadata.name}`);
});

test("the job ConfigMap flags items with fewer than 30 answers provisional, as the README's default says", () => {
  const cm = find('ConfigMap', 'mirt-calibrate-job');
  assert.equal(cm.data?.MIRT_MIN_ITEM_RESPONSES, '30');
  assert.match(read('README.md'), /`MIRT_MIN_ITEM_RESPONSES` \| 30 \|[^\n]*flagged `provisional`/);
});

test('MIRT_REPORT_PATH lands on a mounted volume in every pod that reads the job ConfigMap', () => {
  const cm = find('ConfigMap', 'mirt-calibrate-job');
  const reportPath = cm.data?.MIRT_REPORT_PATH;
  assert.ok(reportPath, 'the ConfigMap sets MIRT_REPORT_PATH');
  const dir = reportPath.slice(0, reportPath.lastIndexOf('/'));
  let checked = 0;
  for (const w of allWorkloads) {
    const spec = podSpec(w);
    for (const c of containers(w) as (Container & {
      volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
    })[]) {
      if (!c.envFrom?.some((e) => e.configMapRef?.name === 'mirt-calibrate-job')) continue;
      checked++;
      // The root filesystem is read-only: the report's folder must be a mount of its own.
      const mount = c.volumeMounts?.find((m) => m.mountPath === dir);
      assert.ok(mount, `${w.file}: nothing mounted at ${dir}`);
      assert.notEqual(mount.readOnly, true, `${w.file}: ${dir} is read-only`);
      const volume = (
        spec.volumes as { name: string; emptyDir?: object; persistentVolumeClaim?: object }[]
      ).find((v) => v.name === mount.name);
      assert.ok(
        volume?.emptyDir || volume?.persistentVolumeClaim,
        `${w.file}: volume ${mount.name} is writable storage`,
      );
    }
  }
  assert.ok(checked >= 2, 'the job and the sharded job read the ConfigMap');
  // The emptyDir is lost with the pod: the docs say so and show the claim that keeps reports.
  const deployment = read('docs/DEPLOYMENT.md');
  assert.match(deployment, /### Reports/);
  assert.match(deployment, /kind: PersistentVolumeClaim/);
});

test('the two service replicas are spread across nodes', () => {
  const d = find('Deployment', 'mirt-calibrate-service');
  const spec = podSpec(d);
  const labels = d.spec.template.metadata.labels as Record<string, string>;
  const spread = (spec.topologySpreadConstraints ?? []) as {
    topologyKey: string;
    maxSkew: number;
    labelSelector: { matchLabels: Record<string, string> };
  }[];
  const byNode = spread.find((t) => t.topologyKey === 'kubernetes.io/hostname');
  assert.ok(byNode, 'a topology spread constraint on kubernetes.io/hostname');
  assert.equal(byNode.maxSkew, 1);
  for (const [k, v] of Object.entries(byNode.labelSelector.matchLabels))
    assert.equal(labels[k], v, `the constraint selects the service pods (${k})`);
});

test("docs/DEPLOYMENT.md: reusing the seed's Secret keeps R_IRT_BASE_URL (remote mode), and the one-line fix", () => {
  const deployment = read('docs/DEPLOYMENT.md');
  assert.match(deployment, /Reusing the seed's Secret keeps remote mode/);
  assert.ok(
    deployment.includes(
      `kubectl patch secret seedtest-irt-credentials -n seedtest --type=json -p='[{"op":"remove","path":"/data/R_IRT_BASE_URL"}]'`,
    ),
  );
  // Removing the key is safe only because the CronJob's reference to it is optional.
  const cj = find('CronJob', 'mirt-calibrate');
  const ref = containers(cj)[0].env?.find((e) => e.name === 'R_IRT_BASE_URL')?.valueFrom?.secretKeyRef;
  assert.equal(ref?.name, 'seedtest-irt-credentials');
  assert.equal(ref?.optional, true);
});

test('CronJob mirt-calibrate: daily 03:00 UTC, no overlap, bounded retries, time and history', () => {
  const cj = find('CronJob', 'mirt-calibrate');
  assert.equal(cj.spec.schedule, '0 3 * * *');
  assert.equal(cj.spec.timeZone, 'UTC');
  assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
  assert.ok(cj.spec.successfulJobsHistoryLimit >= 1);
  assert.ok(cj.spec.failedJobsHistoryLimit >= 1);
  const job = cj.spec.jobTemplate.spec;
  assert.ok(Number.isInteger(job.backoffLimit) && job.backoffLimit >= 0);
  assert.ok(job.activeDeadlineSeconds > 0);
  assert.equal(job.template.spec.restartPolicy, 'Never');
  for (const c of containers(cj)) {
    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, 'requests set');
    assert.ok(c.resources?.limits?.cpu && c.resources.limits.memory, 'limits set');
  }
});

test('the calibration service: 2 replicas, port 8000, /health probes, 1 CPU / 2Gi to 2 CPU / 4Gi, SIGTERM grace', () => {
  const d = find('Deployment', 'mirt-calibrate-service');
  assert.equal(d.spec.replicas, 2);
  const [c] = containers(d);
  const port = (p: string | number | undefined) =>
    typeof p === 'number' ? p : c.ports?.find((x) => x.name === p)?.containerPort;
  assert.ok(c.ports?.some((p) => p.containerPort === 8000));
  for (const probe of [c.readinessProbe, c.livenessProbe]) {
    assert.equal(probe?.httpGet?.path, '/health');
    assert.equal(port(probe?.httpGet?.port), 8000);
  }
  assert.deepEqual(c.resources, {
    requests: { cpu: '1', memory: '2Gi' },
    limits: { cpu: '2', memory: '4Gi' },
  });
  // The service finishes in-flight calibrations on SIGTERM: the grace period must cover one.
  const cm = find('ConfigMap', 'mirt-calibrate-service');
  const limit = Number(cm.data?.MIRT_SERVICE_TIMEOUT_SECS ?? 300);
  assert.ok(podSpec(d).terminationGracePeriodSeconds > limit, 'grace period > calibration time limit');
  // The ConfigMap's PORT is the port the probes and the Service use.
  assert.equal(Number(cm.data?.PORT ?? 8000), 8000);
});

describe('Services select the service pods on port 8000', () => {
  const d = find('Deployment', 'mirt-calibrate-service');
  const podLabels = d.spec.template.metadata.labels as Record<string, string>;
  const [c] = containers(d);
  for (const name of ['mirt-calibrate-service', 'r-irt-plumber']) {
    test(name, () => {
      const s = find('Service', name);
      for (const [k, v] of Object.entries(s.spec.selector as Record<string, string>))
        assert.equal(podLabels[k], v, k);
      const [p] = s.spec.ports;
      assert.equal(p.port, 8000);
      assert.ok(
        c.ports?.some((x) => x.name === p.targetPort || x.containerPort === p.targetPort),
        'targetPort is a container port',
      );
    });
  }
  test('the Deployment selector and the PodDisruptionBudget match the pod labels', () => {
    for (const sel of [
      d.spec.selector.matchLabels,
      find('PodDisruptionBudget', 'mirt-calibrate-service').spec.selector.matchLabels,
    ]) {
      for (const [k, v] of Object.entries(sel as Record<string, string>)) assert.equal(podLabels[k], v, k);
    }
  });
});

describe('containers run the image entrypoint with real commands', () => {
  const commands = cliCommands();
  test('the dispatcher in src/job/cli.ts has run, fit, serve, report and score', () => {
    assert.deepEqual([...commands.keys()].sort(), ['fit', 'report', 'run', 'score', 'serve']);
  });
  for (const [kind, name, expected] of [
    ['CronJob', 'mirt-calibrate', 'run'],
    ['Deployment', 'mirt-calibrate-service', 'serve'],
  ] as const) {
    test(`${kind}/${name} runs \`${expected}\``, () => {
      const [c] = containers(find(kind, name));
      assert.equal(c.command, undefined, 'no command: the image ENTRYPOINT (node dist/job/cli.js) runs');
      const sub = c.args?.[0] ?? 'run';
      assert.equal(sub, expected);
      assert.ok(commands.has(sub), `${sub} is a command of src/job/cli.ts`);
      assert.ok(existsSync(join(ROOT, commands.get(sub) as string)), `${commands.get(sub)} exists`);
    });
  }
});

describe('env vars named in the manifests are read by the code', () => {
  const readers: Record<string, () => Set<string>> = { CronJob: jobEnv, Deployment: serviceEnv };
  for (const w of workloads) {
    test(`${w.kind}/${w.metadata.name}`, () => {
      const known = readers[w.kind]();
      for (const c of containers(w)) {
        const named = (c.env ?? []).map((e) => e.name);
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef)
            named.push(...Object.keys(find('ConfigMap', from.configMapRef.name).data ?? {}));
          if (from.secretRef) {
            const s = examples.find((x) => x.metadata.name === from.secretRef?.name);
            assert.ok(s, `Secret ${from.secretRef.name} has an example`);
            named.push(...Object.keys({ ...s.data, ...s.stringData }));
          }
        }
        assert.ok(named.length > 0);
        const unread = named.filter((n) => !known.has(n));
        assert.deepEqual(
          unread,
          [],
          `not read by the code: ${unread.join(', ')} (the code reads: ${[...known].sort().join(', ')})`,
        );
      }
    });
  }
  test('the env scan finds what the job is known to read (guards the check above)', () => {
    const env = jobEnv();
    for (const n of [
      'DATABASE_URL',
      'MIRT_LOOKBACK_DAYS',
      'IRT_CALIB_LOOKBACK_DAYS',
      'MIRT_MODEL',
      'DRY_RUN',
      'R_IRT_BASE_URL',
    ]) {
      assert.ok(env.has(n), n);
    }
    assert.ok(!env.has('NOT_A_REAL_SETTING'));
  });
});

describe('Secret and ConfigMap references resolve to keys of the examples', () => {
  for (const w of workloads) {
    test(`${w.kind}/${w.metadata.name}`, () => {
      for (const c of containers(w)) {
        for (const e of c.env ?? []) {
          const s = e.valueFrom?.secretKeyRef;
          if (s) {
            const secret = examples.find((x) => x.kind === 'Secret' && x.metadata.name === s.name);
            assert.ok(secret, `Secret ${s.name} is in secret.example.yaml`);
            assert.ok(s.key in { ...secret.data, ...secret.stringData }, `${s.name} has key ${s.key}`);
            assert.equal(e.name, s.key, 'the env var has the name of its key');
          }
          const m = e.valueFrom?.configMapKeyRef;
          if (m) assert.ok(m.key in (find('ConfigMap', m.name).data ?? {}), `${m.name} has key ${m.key}`);
        }
        for (const from of c.envFrom ?? []) if (from.configMapRef) find('ConfigMap', from.configMapRef.name);
      }
    });
  }
  test('the workloads use the Secrets seedtest-irt-credentials and a database Secret', () => {
    const used = new Set(
      workloads.flatMap((w) =>
        containers(w).flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name)),
      ),
    );
    assert.ok(used.has('seedtest-irt-credentials'));
    assert.ok(used.has('seedtest-db-credentials'));
  });
});

test('no real secrets: the only Secrets are the placeholders of secret.example.yaml', () => {
  for (const o of objects.filter((x) => x.kind === 'Secret')) {
    assert.ok(o.file.endsWith('secret.example.yaml'), `${o.file} holds a Secret`);
    for (const [k, v] of Object.entries({ ...o.data, ...o.stringData })) {
      assert.ok(v === '' || v.includes('CHANGE_ME'), `${o.metadata.name}.${k} is a placeholder`);
    }
  }
  assert.match(read('deploy/k8s/secret.example.yaml'), /EXAMPLE ONLY/);
});
