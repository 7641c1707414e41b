/**
 * How many CPUs this process may really use. In a container the kernel's CPU quota (a
 * Kubernetes CPU limit) is usually far below the node's core count, which is what
 * os.availableParallelism() reports on Node 20: sizing threads or concurrent calibrations by
 * it would oversubscribe a 2-CPU pod on a 64-core node.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * CPUs allowed by a cgroup quota: v2 `cpu.max` ("max 100000" or "200000 100000"), or v1
 * cpu.cfs_quota_us / cpu.cfs_period_us (-1 = no quota). Null when there is no quota.
 */
export function quotaCpus(
  cpuMax: string | null,
  cfsQuota?: string | null,
  cfsPeriod?: string | null,
): number | null {
  if (cpuMax !== null) {
    const [quota, period] = cpuMax.trim().split(/\s+/);
    if (quota === 'max') return null;
    const q = Number(quota);
    const p = Number(period ?? 100000);
    return q > 0 && p > 0 ? q / p : null;
  }
  const q = Number(cfsQuota?.trim());
  const p = Number(cfsPeriod?.trim());
  return q > 0 && p > 0 ? q / p : null;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

let cached: number | undefined;
/** Whole CPUs usable here: the cgroup quota rounded up, never more than the cores, at least 1. */
export function usableCpus(): number {
  if (cached === undefined) {
    const cores = availableParallelism();
    const quota = quotaCpus(
      read('/sys/fs/cgroup/cpu.max'),
      read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'),
      read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'),
    );
    cached = Math.max(1, Math.min(cores, quota === null ? cores : Math.ceil(quota)));
  }
  return cached;
}
