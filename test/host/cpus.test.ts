/** CPU budget from the cgroup quota (a pod's CPU limit), not the node's cores. */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { quotaCpus, usableCpus } from '../../src/host/cpus.js';

describe('usable CPUs', () => {
  it('reads cgroup v2 cpu.max and v1 cfs quota/period', () => {
    assert.equal(quotaCpus('max 100000\n'), null);
    assert.equal(quotaCpus('200000 100000\n'), 2);
    assert.equal(quotaCpus('150000 100000'), 1.5);
    assert.equal(quotaCpus(null, '-1\n', '100000\n'), null);
    assert.equal(quotaCpus(null, '400000\n', '100000\n'), 4);
    assert.equal(quotaCpus(null, null, null), null);
  });

  it('is at least 1 and at most the cores this machine reports', () => {
    const n = usableCpus();
    assert.ok(Number.isInteger(n) && n >= 1 && n <= availableParallelism());
  });
});
