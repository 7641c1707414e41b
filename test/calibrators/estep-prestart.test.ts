/**
 * Kernel workers started before the executor (prestartWorkers, as `fit` does during its read):
 * taken by the next executor with the same results, released when not taken, and never keeping
 * the process alive while idle, nor letting it exit while a call is in flight.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { prestartedWorkers, prestartWorkers, releaseWorkers } from '../../src/calibrators/estep-kernel.js';
import { createExecutor, prestartForFit } from '../../src/calibrators/estep-workers.js';
import { eapTables } from '../../src/engine/scoring.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import { answersInFile } from '../../src/files/answers-in-file.js';
import { usableCpus } from '../../src/host/cpus.js';
import { main as fitMain } from '../../src/job/fit-command.js';
import { ROOT } from '../deploy/repo.js';

const { data } = simulateResponses({ model: '2PL', nUsers: 1500, nItems: 30, perUser: 20, seed: 7 });
const bank = {
  a: Float64Array.from({ length: 30 }, (_, j) => 0.8 + (j % 5) * 0.2),
  d: Float64Array.from({ length: 30 }, (_, j) => Math.sin(j)),
  c: new Float64Array(30),
};
const tables = eapTables(bank, { mean: 0, variance: 1 });
const input = {
  nQ: tables.nodes.length,
  userPtr: data.userPtr,
  userItem: data.userItem,
  userResp: data.userResp,
  ...tables,
};

async function moments(threads: number) {
  const ex = await createExecutor(data, 61, { threads });
  try {
    return await ex.posteriorMoments!(input, tables.nodes);
  } finally {
    await ex.close();
  }
}

/**
 * Runs `body` (ES module code, the repository's modules at ROOT) in a process of its own, from a
 * file: with -e and --input-type=module, the workers' own eval'd source would be read as a module.
 */
async function child(body: string) {
  const src = (f: string) => JSON.stringify(join(ROOT, 'src', f));
  const dir = await mkdtemp(join(tmpdir(), 'prestart-'));
  const script = join(dir, 'child.mts');
  await writeFile(
    script,
    `import { once } from 'node:events';
     const { prestartWorkers } = await import(${src('calibrators/estep-kernel.ts')});
     const { createExecutor } = await import(${src('calibrators/estep-workers.ts')});
     const { simulateResponses } = await import(${src('engine/simulate.ts')});
     const { eapTables } = await import(${src('engine/scoring.ts')});
     const { data } = simulateResponses({ model: '2PL', nUsers: 3000, nItems: 40, perUser: 40, seed: 3 });
     const bank = { a: new Float64Array(40).fill(1), d: new Float64Array(40), c: new Float64Array(40) };
     const t = eapTables(bank, { mean: 0, variance: 1 });
     const input = { nQ: t.nodes.length, userPtr: data.userPtr, userItem: data.userItem, userResp: data.userResp, ...t };
     ${body}`,
  );
  try {
    return spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      cwd: ROOT,
      timeout: 30_000,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('prestarted kernel workers', () => {
  it('are taken by the next executor, whose results equal those of workers started by it', async () => {
    const fresh = await moments(2);
    prestartWorkers(1);
    assert.equal(prestartedWorkers(), 1);
    const ex = await createExecutor(data, 61, { threads: 2 });
    assert.equal(prestartedWorkers(), 0, 'taken');
    assert.equal(ex.threads, 2);
    const warm = await ex.posteriorMoments!(input, tables.nodes);
    await ex.close();
    assert.deepEqual(warm, fresh);
  });

  it('one that exits before it is taken leaves the pool; the executor starts another', async () => {
    const [w] = prestartWorkers(1);
    w.ref(); // unref'd, it would let the test's loop end under the await
    await once(w, 'online');
    await w.terminate();
    assert.equal(prestartedWorkers(), 0);
    assert.deepEqual(await moments(2), await moments(1));
  });

  it('those not taken end with releaseWorkers', async () => {
    const workers = prestartWorkers(2);
    await releaseWorkers();
    assert.equal(prestartedWorkers(), 0);
    for (const w of workers) assert.equal(w.threadId, -1, 'terminated');
  });

  it('keep the process alive during a call (taken once online), never when idle (no close)', async () => {
    const r = await child(`
      const [w] = prestartWorkers(1);
      w.ref();
      await once(w, 'online');
      w.unref();
      const ex = await createExecutor(data, 61, { threads: 2 });
      // Calls enough that one at least finds this thread done first, waiting for the worker.
      for (let i = 0; i < 20; i++) await ex.posteriorMoments(input, t.nodes);
      console.log('calls done');`);
    assert.equal(r.signal, null, 'not killed: the idle worker let the process exit');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /calls done/, 'the process waited for the calls');
  });

  it('an executor that started its own workers does not keep the process alive either', async () => {
    const r = await child(`
      const ex = await createExecutor(data, 61, { threads: 2 });
      const { mean } = await ex.posteriorMoments(input, t.nodes);
      console.log('users', mean.length);`);
    assert.equal(r.signal, null, 'not killed: the idle worker let the process exit');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /users 3000/);
  });

  it('fit prestarts a worker for a file big enough for 2 threads, none for a small one or standard input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prestart-'));
    try {
      const small = join(dir, 'small.csv');
      await writeFile(small, 'user_id,item_id,is_correct\nu1,i1,1\nu1,i2,0\n');
      // 8 bytes a row in the first 64 KiB, 3 MB: ~375,000 answers, x 61 nodes over THREADS_FROM.
      const big = join(dir, 'big.csv');
      await writeFile(big, `user_id,item_id,is_correct\n${'u1,i1,1\n'.repeat(9000)}`);
      await truncate(big, 3_000_000);
      const count = async (input: string, threads?: number) => {
        prestartForFit(answersInFile(input), { threads });
        const n = prestartedWorkers();
        await releaseWorkers();
        return n;
      };
      assert.equal(await count(small), 0);
      assert.equal(await count('-'), 0);
      assert.equal(await count(join(dir, 'none.csv')), 0);
      assert.equal(await count(big), usableCpus() >= 2 ? 1 : 0);
      assert.equal(await count(big, 1), 0, '--threads 1');
      assert.equal(await count(small, 3), 2, '--threads 3, whatever the size');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answersInFile: rows from the size and the first rows, times the answers a row holds', () => {
    const at = (f: string) => join(ROOT, 'test/fixtures/reference/datasets', f);
    const near = (x: number, y: number) => Math.abs(x - y) <= 0.05 * y;
    assert.ok(near(answersInFile(at('SAT12.long.csv')), 19200), 'long: one answer a row');
    assert.ok(near(answersInFile(at('SAT12.wide.csv')), 600 * 32), 'wide: 32 items a row');
    assert.equal(answersInFile(join(ROOT, 'no-such-file.csv')), 0);
  });

  it('fit releases the workers it prestarted, on success and on a failed read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prestart-'));
    try {
      const csv = join(dir, 'a.csv');
      const rows = ['user_id,item_id,is_correct'];
      for (let u = 0; u < 300; u++)
        for (let j = 0; j < 8; j++) rows.push(`u${u},i${j},${(u * 7 + j * 3) % 5 < 2 ? 1 : 0}`);
      await writeFile(csv, `${rows.join('\n')}\n`);
      const out = join(dir, 'out.json');
      assert.equal(await fitMain(['--input', csv, '--output', out, '--threads', '2', '-q']), 0);
      assert.equal(prestartedWorkers(), 0);
      assert.equal(JSON.parse(await readFile(out, 'utf8')).item_params.length, 8);
      assert.equal(
        await fitMain(['--input', join(dir, 'none.csv'), '--output', out, '--threads', '3', '-q']),
        1,
      );
      assert.equal(prestartedWorkers(), 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
