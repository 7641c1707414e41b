/**
 * The E-step's shared memory: offsets past 2 GiB stay positive element indices (pure layout
 * arithmetic, no 2 GiB allocated), and Louis' tables are added only when item-block standard
 * errors or item fit (whose tables share those pages) need them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIT_BATCH_ANSWERS, FIT_BATCH_LEARNERS } from '../../src/calibrators/estep-memory.js';
import {
  createExecutor,
  f64Index,
  type MemoryPlan,
  planMemory,
  type SizedExecutor,
  splitUsers,
} from '../../src/calibrators/estep-workers.js';
import { calibrate } from '../../src/engine/calibrate.js';
import { EmMap, inlineExecutor } from '../../src/engine/em.js';
import { startValues } from '../../src/engine/params.js';
import { simulateResponses } from '../../src/engine/simulate.js';
import { oneEStep } from '../helpers/one-estep.js';

const PAGE = 65536;

/** Every block of a plan as [byte offset, bytes], in offset order. */
function blocks(plan: MemoryPlan, s: { nUsers: number; nObs: number; nItems: number; cap: number }) {
  const J = s.nItems;
  const { at } = plan;
  const list: [string, number, number][] = [
    ['ptr', at.ptr, 4 * (s.nUsers + 1)],
    ['item', at.item, 4 * s.nObs],
    ['resp', at.resp, s.nObs],
    ['logP', at.logP, 8 * J * s.cap],
    ['logQ', at.logQ, 8 * J * s.cap],
    ['logW', at.logW, 8 * s.cap],
    ['nodes', at.nodes, 8 * s.cap],
    ...(at.complete ? [['complete', at.complete, 8 * (2 * J + 2) * s.cap] as [string, number, number]] : []),
    ['s1', at.s1, 24 * J * s.cap],
    ['s0', at.s0, 24 * J * s.cap],
    ['sel', at.sel, 4 * FIT_BATCH_LEARNERS],
    ['selPtr', at.selPtr, 4 * (FIT_BATCH_LEARNERS + 1)],
    ['theta', at.theta, 8 * FIT_BATCH_LEARNERS],
    ['eSum', at.eSum, 8 * FIT_BATCH_ANSWERS],
  ];
  plan.regions.forEach((r, t) => {
    const users = r.u1 - r.u0;
    list.push(
      [`r0.${t}`, r.r0, 8 * J * s.cap],
      [`r1.${t}`, r.r1, 8 * J * s.cap],
      [`nodeN.${t}`, r.nodeN, 8 * s.cap],
      [`work.${t}`, r.work, 8 * s.cap],
      [`out1.${t}`, r.out1, 8 * users],
      [`out2.${t}`, r.out2, 8 * users],
      [`info.${t}`, r.info, 72 * J],
      [`fitL.${t}`, r.fitL, 8 * (at.fitAnswers + 1) * s.cap],
      [`bound.${t}`, r.bound, 8 * s.cap],
      [`list.${t}`, r.list, 4 * at.listSlots],
    );
    if (r.complete) list.push([`complete.${t}`, r.complete, 8 * (2 * J + 2) * s.cap]);
  });
  return list.sort((a, b) => a[1] - b[1]);
}

describe('E-step memory layout', () => {
  it('byte offsets past 2 GiB and up to 4 GiB become positive element indices', () => {
    // `>> 3` (signed 32-bit) gave -268435455 and -1 for these two.
    assert.equal(f64Index(2 ** 31 + 8), 2 ** 28 + 1);
    assert.equal(f64Index(2 ** 32 - 8), 2 ** 29 - 1);
    assert.equal(f64Index(0), 0);
  });

  it('a 3.5 GiB plan: every block past 2 GiB has an exact, positive index; none overlap', () => {
    const shape = { nUsers: 1_000_000, nObs: 700_000_000, nItems: 2000, cap: 122 };
    const plan = planMemory({ ...shape, cuts: [0, 400_000, 1_000_000], maxAnswers: 2000, complete: true });
    const list = blocks(plan, shape);
    let end = 0;
    let past2GiB = 0;
    for (const [name, offset, bytes] of list) {
      assert.ok(offset >= end, `${name} at ${offset} overlaps the block before (ends at ${end})`);
      assert.equal(offset % 16, 0, `${name} is 16-byte aligned`);
      const i = f64Index(offset);
      assert.ok(Number.isInteger(i) && i >= 0, `${name}: index ${i}`);
      assert.equal(i * 8, offset);
      if (offset >= 2 ** 31) past2GiB++;
      end = offset + bytes;
    }
    assert.ok(past2GiB >= 10, `${past2GiB} blocks past 2 GiB`);
    // Louis' tables start after the base pages and the whole still fits WebAssembly's 4 GiB.
    assert.ok(plan.at.s1 >= plan.basePages * PAGE);
    for (const r of plan.regions) assert.ok(r.info >= plan.basePages * PAGE);
    assert.ok(end <= plan.louisPages * PAGE && plan.louisPages <= 65536);
    assert.ok(
      list
        .filter(([n]) => !/^(s1|s0|info|sel|selPtr|theta|eSum|fitL|bound)/.test(n))
        .every(([, o, b]) => o + b <= plan.basePages * PAGE),
    );
  });
});

describe("Louis' tables are allocated only for item-block standard errors and item fit", () => {
  const { data } = simulateResponses({ model: '2PL', nUsers: 3000, nItems: 400, perUser: 20, seed: 5 });
  const cap = 122; // laid out for the EAP's 121 nodes
  // The sum-score kernel's L is laid out for the most answers of a learner (20 here).
  const plan = planMemory({
    ...data,
    cap,
    cuts: splitUsers(data.userPtr, 2),
    fitAnswers: 20,
    maxAnswers: 20,
  });

  async function run(standardErrors: 'none' | 'item', itemFit = false) {
    let ex: SizedExecutor | null = null;
    const r = await calibrate(data, {
      model: '2PL',
      standardErrors,
      itemFit,
      executorFor: async (d) => {
        ex = await createExecutor(d, 61, { threads: 2 });
        return ex;
      },
    });
    assert.ok(ex);
    return { r, bytes: (ex as SizedExecutor).memoryBytes() };
  }

  it('a fit without standard errors and item fit never grows the memory past the E-step and EAP pages', async () => {
    const { r, bytes } = await run('none');
    assert.ok(r.abilities);
    assert.equal(bytes, plan.basePages * PAGE);
  });

  it('item fit adds the same pages', async () => {
    const { r, bytes } = await run('none', true);
    assert.ok(r.items.every((it) => it.meanSquares));
    assert.equal(bytes, plan.louisPages * PAGE);
  });

  it('item-block standard errors add the Louis pages, with the same sums as the JavaScript pass', async () => {
    const { r, bytes } = await run('item');
    assert.equal(bytes, plan.louisPages * PAGE);
    assert.ok(plan.louisPages - plan.basePages >= (48 * data.nItems * cap) / PAGE);
    assert.ok(r.items.every((it) => Number.isFinite(it.se.a) && Number.isFinite(it.se.b)));

    const opts = oneEStep('2PL', 61);
    const ref = new EmMap(data, opts, inlineExecutor());
    const ex = await createExecutor(data, 61, { threads: 2 });
    const fast = new EmMap(data, opts, ex);
    const x = startValues(ref.layout, data);
    await ref.eStep(x);
    await fast.eStep(x);
    assert.equal(ex.memoryBytes(), plan.basePages * PAGE);
    const s1 = Float64Array.from({ length: data.nItems * 2 * 61 }, (_, i) => Math.sin(i));
    const s0 = Float64Array.from({ length: data.nItems * 2 * 61 }, (_, i) => Math.cos(3 * i));
    const o1 = await ref.scoreOuterProducts(s1, s0, 2);
    const o2 = await fast.scoreOuterProducts(s1, s0, 2);
    assert.equal(ex.memoryBytes(), plan.louisPages * PAGE);
    // The grown memory keeps what was there: a second E-step after the growth agrees too.
    const l1 = await ref.eStep(x);
    const l2 = await fast.eStep(x);
    await ex.close();
    assert.ok(Math.abs(l1 - l2) <= 1e-9 * Math.abs(l1), `logLik ${l1} vs ${l2}`);
    for (let i = 0; i < o1.length; i++)
      assert.ok(Math.abs(o1[i] - o2[i]) <= 1e-11 * Math.max(1, Math.abs(o1[i])), `outer[${i}]`);
  });
});
