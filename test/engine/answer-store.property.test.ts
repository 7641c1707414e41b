/**
 * ResponseBuilder.build(), whole ResponseData, against the hygiene rules written out plainly
 * (sort by user, item and arrival; keep one answer per pair by policy and time as response-pairs'
 * `pick` documents; exclude items everyone got right or wrong; drop users left without answers;
 * number ids by first answer). Random builders exercise what the compact answer store
 * (answer-blocks.ts, block-times.ts) and the per-user order (run-order.ts) treat apart: answers
 * grouped by user or not, runs ordered through the bitmap or the sort, duplicates with and without
 * times (NaN included) under both policies, item indices beyond 16 bits, stamps in whole seconds,
 * milliseconds, fractions of a millisecond, further apart than 24 days or 68 years, blocks
 * crossing 65,536 answers, users as runs and as columns, and answers given by add, addIndexed and
 * addRows mixed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexedRows } from '../../src/engine/answer-blocks.js';
import {
  DEFAULT_MIN_ITEM_RESPONSES,
  type DuplicatePolicy,
  parseCorrect,
  type RawCorrect,
  ResponseBuilder,
  type ResponseData,
} from '../../src/engine/responses.js';
import { CallerTable } from '../helpers/caller-table.js';

/** One call on the builder: add (ids as strings), addIndexed, one row of an addRows batch, or reject. */
interface Op {
  kind: 'add' | 'idx' | 'rows' | 'reject';
  u: string | null;
  i: string | null;
  c: RawCorrect;
  t?: number;
}

interface Answer {
  u: string;
  i: string;
  x: number;
  t: number;
}

/** The kept answer of one pair's answers (arrival order), as pick() documents it. */
function kept(group: Answer[], policy: DuplicatePolicy): Answer {
  let best = policy === 'last' ? group[group.length - 1] : group[0];
  for (const a of group) {
    if (Number.isNaN(a.t) || a === best) continue;
    if (Number.isNaN(best.t) || (policy === 'first' ? a.t < best.t : a.t > best.t)) best = a;
  }
  return best;
}

/** The ResponseData the rules give (null: no usable observation, build() throws). */
function reference(ops: Op[], policy: DuplicatePolicy, keepDegenerate: boolean): ResponseData {
  const answers: Answer[] = [];
  const dropped = { nullCorrect: 0, invalidCorrect: 0, missingId: 0, duplicate: 0, excludedItem: 0 };
  const rejected: Record<string, number> = {};
  for (const op of ops) {
    if (op.kind === 'reject') {
      rejected.bad = (rejected.bad ?? 0) + 1;
      continue;
    }
    if (!op.u || !op.i) {
      dropped.missingId++;
      continue;
    }
    const x = parseCorrect(op.c);
    if (x === null) dropped.nullCorrect++;
    else if (x === undefined) dropped.invalidCorrect++;
    else {
      const t = op.t !== undefined && Number.isFinite(op.t) ? op.t : Number.NaN;
      answers.push({ u: op.u, i: op.i, x, t });
    }
  }
  const userNo = new Map<string, number>();
  const itemNo = new Map<string, number>();
  for (const a of answers) {
    if (!userNo.has(a.u)) userNo.set(a.u, userNo.size);
    if (!itemNo.has(a.i)) itemNo.set(a.i, itemNo.size);
  }
  const arrival = new Map(answers.map((a, k) => [a, k]));
  const key = (a: Answer) => [userNo.get(a.u) as number, itemNo.get(a.i) as number, arrival.get(a) as number];
  const sorted = [...answers].sort((p, q) => {
    const kp = key(p);
    const kq = key(q);
    return kp[0] - kq[0] || kp[1] - kq[1] || kp[2] - kq[2];
  });
  const keptAnswers: Answer[] = [];
  for (let s = 0; s < sorted.length; ) {
    let e = s + 1;
    while (e < sorted.length && sorted[e].u === sorted[s].u && sorted[e].i === sorted[s].i) e++;
    keptAnswers.push(kept(sorted.slice(s, e), policy));
    s = e;
  }
  dropped.duplicate = answers.length - keptAnswers.length;
  const itemIdsAll = [...itemNo.keys()];
  const n = new Array(itemIdsAll.length).fill(0);
  const c = new Array(itemIdsAll.length).fill(0);
  for (const a of keptAnswers) {
    n[itemNo.get(a.i) as number]++;
    c[itemNo.get(a.i) as number] += a.x;
  }
  const excludedItems: ResponseData['hygiene']['excludedItems'] = [];
  const newItem = new Map<string, number>();
  const itemIds: string[] = [];
  itemIdsAll.forEach((id, k) => {
    if (!keepDegenerate && c[k] === n[k]) excludedItems.push({ id, reason: 'all_correct', n: n[k] });
    else if (!keepDegenerate && c[k] === 0) excludedItems.push({ id, reason: 'all_wrong', n: n[k] });
    else {
      newItem.set(id, itemIds.length);
      itemIds.push(id);
    }
  });
  const userIds: string[] = [];
  const ptr = [0];
  const items: number[] = [];
  const resps: number[] = [];
  const itemN = new Int32Array(itemIds.length);
  const itemCorrect = new Int32Array(itemIds.length);
  let u = 0;
  for (let s = 0; s < keptAnswers.length; ) {
    const user = keptAnswers[s].u;
    const before = items.length;
    for (; s < keptAnswers.length && keptAnswers[s].u === user; s++) {
      const j = newItem.get(keptAnswers[s].i);
      if (j === undefined) {
        dropped.excludedItem++;
        continue;
      }
      items.push(j);
      resps.push(keptAnswers[s].x);
      itemN[j]++;
      itemCorrect[j] += keptAnswers[s].x;
    }
    if (items.length > before) {
      userIds.push(user);
      ptr.push(items.length);
    }
    u++;
  }
  return {
    nUsers: userIds.length,
    nItems: itemIds.length,
    nObs: items.length,
    userIds,
    itemIds,
    userPtr: Int32Array.from(ptr),
    userItem: Int32Array.from(items),
    userResp: Uint8Array.from(resps),
    itemN,
    itemCorrect,
    hygiene: {
      rowsRead: ops.length,
      rowsUsed: items.length,
      dropped: { ...dropped, rejected },
      duplicatePolicy: policy,
      minItemResponses: DEFAULT_MIN_ITEM_RESPONSES,
      excludedItems,
      usersWithoutResponses: u - userIds.length,
    },
  };
}

/** The builder fed by `ops`, ids numbered by tables of the caller's; addRows rows go in batches. */
function build(ops: Op[], policy: DuplicatePolicy, keepDegenerate: boolean, batch: number): ResponseData {
  const b = new ResponseBuilder({ duplicatePolicy: policy, keepDegenerateItems: keepDegenerate });
  const users = new CallerTable();
  const items = new CallerTable();
  b.useIdTables(users, items);
  let rows: { u: number; i: number; x: number; t: number }[] = [];
  const flush = () => {
    if (rows.length === 0) return;
    const timed = rows.some((r) => !Number.isNaN(r.t));
    const batchRows: IndexedRows = {
      user: Int32Array.from(rows, (r) => r.u),
      item: Int32Array.from(rows, (r) => r.i),
      resp: Uint8Array.from(rows, (r) => r.x),
      time: timed ? Float64Array.from(rows, (r) => r.t) : null,
      n: rows.length,
    };
    b.addRows(batchRows);
    rows = [];
  };
  for (const op of ops) {
    if (op.kind !== 'rows' || rows.length === batch) flush();
    if (op.kind === 'add') b.add(op.u, op.i, op.c, op.t);
    else if (op.kind === 'reject') b.reject('bad');
    else if (op.kind === 'idx') {
      // The caller numbers the ids it reads, also those of rows the builder then drops.
      const u = op.u ? users.internString(op.u) : -1;
      const i = op.i ? items.internString(op.i) : -1;
      b.addIndexed(u, i, op.c, op.t);
    } else {
      const t = op.t === undefined ? Number.NaN : op.t;
      rows.push({
        u: users.internString(op.u as string),
        i: items.internString(op.i as string),
        x: op.c as number,
        t,
      });
    }
  }
  flush();
  return b.build();
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

const DAY = 86_400_000;
/** Stamps of one kind (epoch ms): each block of the store holds them as seconds, ms or doubles. */
const STAMPS: ((rnd: () => number, base: number) => number)[] = [
  (rnd, base) => base + Math.floor(rnd() * 1e6) * 1000, // whole seconds, 11 days
  (rnd, base) => base + Math.floor(rnd() * 20 * DAY), // milliseconds within 24 days
  (rnd, base) => base + rnd() * 1e7, // fractions of a millisecond
  (rnd, base) => base + Math.floor((rnd() - 0.5) * 1400 * DAY), // ms further apart than 24 days
  (rnd, base) => base + Math.floor((rnd() - 0.5) * 100 * 365 * DAY * 1e-3) * 1000, // seconds, > 68 years
  (rnd, base) => base + Math.floor(rnd() * 3) * 1000, // few values: ties
];

interface Shape {
  n: number;
  nU: number;
  nI: number;
  grouped: boolean;
  /** Probability of an answer without time; 1: no times at all. */
  untimed: number;
  /** Stamp kinds used (mixed per answer when several). */
  stamps: number[];
  /** Probability of a row that is dropped (missing id, NULL or invalid answer), or rejected. */
  bad: number;
}

function randomOps(rnd: () => number, s: Shape): Op[] {
  const ops: Op[] = [];
  const base = rnd() < 0.2 ? -1e11 : 1.7e12;
  const kinds: Op['kind'][] = ['add', 'idx', 'rows', 'rows'];
  // Runs of one kind, as readers hand them over (a batch of rows, then single rows).
  let kind: Op['kind'] = 'rows';
  for (let k = 0; k < s.n; k++) {
    if (rnd() < 0.02) kind = kinds[Math.floor(rnd() * kinds.length)];
    const u = `u${s.grouped ? Math.floor((k / s.n) * s.nU) : Math.floor(rnd() * s.nU)}`;
    const i = `i${Math.floor(rnd() * s.nI)}`;
    const t =
      rnd() < s.untimed ? undefined : STAMPS[s.stamps[Math.floor(rnd() * s.stamps.length)]](rnd, base);
    const x = rnd() < 0.5 ? 1 : 0;
    if (rnd() < s.bad) {
      const r = rnd();
      if (r < 0.25) ops.push({ kind: 'reject', u: null, i: null, c: null });
      else if (r < 0.5)
        ops.push({ kind: kind === 'rows' ? 'idx' : kind, u: r < 0.4 ? '' : u, i: r < 0.4 ? i : null, c: x });
      else ops.push({ kind: kind === 'rows' ? 'idx' : kind, u, i, c: r < 0.75 ? null : 'maybe', t });
    } else ops.push({ kind, u, i, c: kind === 'rows' ? x : rnd() < 0.5 ? x : x === 1, t });
  }
  return ops;
}

function check(
  ops: Op[],
  policy: DuplicatePolicy,
  keepDegenerate: boolean,
  batch: number,
  msg: string,
): void {
  const want = reference(ops, policy, keepDegenerate);
  if (want.nObs === 0) {
    assert.throws(() => build(ops, policy, keepDegenerate, batch), /no usable observations/, msg);
    return;
  }
  assert.deepStrictEqual(build(ops, policy, keepDegenerate, batch), want, msg);
}

function randomShape(rnd: () => number, n: number, nU: number, nI: number): Shape {
  const stamps =
    rnd() < 0.5 ? [Math.floor(rnd() * STAMPS.length)] : [0, 1, 2, 3, 4, 5].filter(() => rnd() < 0.5);
  return {
    n,
    nU,
    nI,
    grouped: rnd() < 0.6,
    untimed: rnd() < 0.2 ? 1 : rnd() < 0.5 ? 0 : rnd() * 0.5,
    stamps: stamps.length > 0 ? stamps : [0],
    bad: rnd() < 0.5 ? 0 : 0.05,
  };
}

describe('ResponseBuilder.build against the rules written out (the compact store, the per-user order)', () => {
  it('small builders: duplicates with and without times, both policies, every kind of stamp', () => {
    const rnd = lcg(2026);
    for (let trial = 0; trial < 600; trial++) {
      const nU = 1 + Math.floor(rnd() * 10);
      // Few items (duplicates, the bitmap) or many (the sort), runs short or long.
      const nI = rnd() < 0.7 ? 1 + Math.floor(rnd() * 80) : 1 + Math.floor(rnd() * 5000);
      const shape = randomShape(rnd, Math.floor(rnd() * 400), nU, nI);
      const policy: DuplicatePolicy = rnd() < 0.5 ? 'first' : 'last';
      check(randomOps(rnd, shape), policy, rnd() < 0.3, 1 + Math.floor(rnd() * 64), `trial ${trial}`);
    }
  });

  it('blocks crossing 65,536 answers, item indices beyond 16 bits, stamps that change a block mid-way', () => {
    const rnd = lcg(14);
    const shapes: [Shape, DuplicatePolicy][] = [
      // A file grouped by user: runs of ~50 over 1,000 items (the bitmap), some duplicates.
      [{ n: 150_000, nU: 3000, nI: 1000, grouped: true, untimed: 0.05, stamps: [0], bad: 0.01 }, 'first'],
      // Over 65,536 items seen (a wide block from then on), not grouped, runs sorted.
      [{ n: 160_000, nU: 2000, nI: 120_000, grouped: false, untimed: 0.1, stamps: [1, 3], bad: 0 }, 'last'],
      // Whole seconds, then milliseconds, then stamps that fit neither, within the same blocks.
      [
        { n: 140_000, nU: 700, nI: 400, grouped: true, untimed: 0.2, stamps: [0, 1, 2, 4, 5], bad: 0.02 },
        'last',
      ],
      // Grouped by user but runs of ~2 answers: blocks of users as runs turn into columns.
      [{ n: 140_000, nU: 60_000, nI: 300, grouped: true, untimed: 0.5, stamps: [0], bad: 0 }, 'first'],
      // Duplicates everywhere (few items a user), without times: arrival decides.
      [{ n: 70_000, nU: 5000, nI: 12, grouped: false, untimed: 1, stamps: [0], bad: 0 }, 'first'],
    ];
    shapes.forEach(([shape, policy], k) => {
      const ops = randomOps(rnd, shape);
      check(ops, policy, false, 4096, `shape ${k}`);
      if (k === 0) check(ops, policy === 'first' ? 'last' : 'first', true, 1000, `shape ${k}, other policy`);
    });
  });
});
