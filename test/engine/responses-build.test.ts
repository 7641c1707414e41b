/**
 * ResponseBuilder.build() against a direct reading of the hygiene rules (DESIGN.md): one answer
 * per user and item (the first or last by time, known times before unknown ones, ties by
 * arrival), items everyone got right or wrong excluded, users left without answers dropped, ids
 * numbered by first answer, items ascending within a user. Random inputs of every size the build
 * treats apart: runs already in order, short runs sorted by insertion, long ones by the native
 * sort, several blocks of answers. The ids come as strings (`add`) or as numbers of a table of
 * the caller's (`addIndexed`), including ids the caller numbered without ever adding an answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DuplicatePolicy,
  type RawCorrect,
  ResponseBuilder,
  type ResponseData,
} from '../../src/engine/responses.js';
import { CallerTable } from '../helpers/caller-table.js';

interface Row {
  user: string | null;
  item: string | null;
  correct: RawCorrect;
  time?: number;
}

/**
 * The kept one of a pair's answers (in arrival order): the first or the last by policy; known
 * times decide (the earliest, or the latest), and beat unknown ones; among equal times the one
 * the policy names if it has that time, else the first to arrive with it.
 */
function keptOf<T extends { t: number }>(group: T[], policy: DuplicatePolicy): T {
  let best = policy === 'first' ? group[0] : group[group.length - 1];
  for (const g of group) {
    if (Number.isNaN(g.t) || g === best) continue;
    if (Number.isNaN(best.t) || (policy === 'first' ? g.t < best.t : g.t > best.t)) best = g;
  }
  return best;
}

/** The rules read directly: Maps and arrays, no typed arrays. */
function reference(rows: Row[], policy: DuplicatePolicy, keepDegenerate: boolean) {
  const pairs = new Map<string, { user: string; item: string; x: number; t: number }[]>();
  const userOrder: string[] = [];
  const itemOrder: string[] = [];
  const seen = new Set<string>();
  let duplicate = 0;
  for (const r of rows) {
    if (!r.user || !r.item) continue;
    const x = r.correct === 1 || r.correct === true ? 1 : r.correct === 0 || r.correct === false ? 0 : -1;
    if (x < 0) continue;
    for (const [id, order] of [
      [`u${r.user}`, userOrder],
      [`i${r.item}`, itemOrder],
    ] as const) {
      if (seen.has(id)) continue;
      seen.add(id);
      order.push(id.slice(1));
    }
    const t = r.time === undefined || !Number.isFinite(r.time) ? Number.NaN : r.time;
    const key = `${r.user}\u0000${r.item}`;
    const group = pairs.get(key);
    if (group) {
      group.push({ user: r.user, item: r.item, x, t });
      duplicate++;
    } else pairs.set(key, [{ user: r.user, item: r.item, x, t }]);
  }
  const kept = [...pairs.values()].map((g) => keptOf(g, policy));
  const n = new Map<string, number>();
  const c = new Map<string, number>();
  for (const k of kept) {
    n.set(k.item, (n.get(k.item) ?? 0) + 1);
    c.set(k.item, (c.get(k.item) ?? 0) + k.x);
  }
  const excluded = itemOrder.filter((i) => !keepDegenerate && (c.get(i) === n.get(i) || c.get(i) === 0));
  const out = new Set(excluded);
  const itemIds = itemOrder.filter((i) => !out.has(i));
  const answers: string[] = [];
  const users = new Set<string>();
  for (const k of kept) {
    if (out.has(k.item)) continue;
    answers.push(`${k.user}|${k.item}|${k.x}`);
    users.add(k.user);
  }
  return {
    userIds: userOrder.filter((u) => users.has(u)),
    itemIds,
    answers: answers.sort(),
    duplicate,
    excluded,
  };
}

function answers(d: ResponseData): string[] {
  const out: string[] = [];
  for (let u = 0; u < d.nUsers; u++) {
    for (let k = d.userPtr[u]; k < d.userPtr[u + 1]; k++) {
      if (k > d.userPtr[u]) assert.ok(d.userItem[k] > d.userItem[k - 1], 'items ascending within a user');
      out.push(`${d.userIds[u]}|${d.itemIds[d.userItem[k]]}|${d.userResp[k]}`);
    }
  }
  return out.sort();
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function randomRows(
  rnd: () => number,
  n: number,
  nU: number,
  nI: number,
  timed: boolean,
  grouped: boolean,
): Row[] {
  const rows: Row[] = [];
  for (let k = 0; k < n; k++) {
    const r = rnd();
    const u = grouped ? Math.floor((k / n) * nU) : Math.floor(rnd() * nU);
    rows.push({
      user: r < 0.01 ? null : r < 0.02 ? '' : `u${u}`,
      item: r > 0.99 ? null : `i${Math.floor(rnd() * nI)}`,
      correct: rnd() < 0.03 ? null : rnd() < 0.03 ? 'maybe' : rnd() < 0.5 ? 1 : 0,
      time: timed && rnd() < 0.9 ? Math.floor(rnd() * 20) : undefined,
    });
  }
  return rows;
}

function check(rows: Row[], policy: DuplicatePolicy, keepDegenerate: boolean, indexed: boolean, msg: string) {
  const b = new ResponseBuilder({ duplicatePolicy: policy, keepDegenerateItems: keepDegenerate });
  if (indexed) {
    const users = new CallerTable();
    const items = new CallerTable();
    b.useIdTables(users, items);
    for (const r of rows) {
      // The caller numbers every id it reads, also those of rows the builder then drops.
      const u = r.user ? users.internString(r.user) : -1;
      const i = r.item ? items.internString(r.item) : -1;
      b.addIndexed(u, i, r.correct, r.time);
    }
  } else for (const r of rows) b.add(r.user, r.item, r.correct, r.time);
  const want = reference(rows, policy, keepDegenerate);
  let d: ResponseData;
  try {
    d = b.build();
  } catch (e) {
    assert.equal(want.answers.length, 0, `${msg}: ${String(e)}`);
    return;
  }
  assert.deepEqual(answers(d), want.answers, msg);
  assert.deepEqual(d.userIds, want.userIds, `${msg}: users by first answer`);
  assert.deepEqual(d.itemIds, want.itemIds, `${msg}: items by first answer`);
  assert.equal(d.hygiene.dropped.duplicate, want.duplicate, `${msg}: duplicates`);
  assert.deepEqual(
    d.hygiene.excludedItems.map((e) => e.id),
    want.excluded,
    `${msg}: excluded items`,
  );
  assert.equal(d.hygiene.rowsRead, rows.length, `${msg}: rows read`);
  let n = 0;
  for (let j = 0; j < d.nItems; j++) n += d.itemN[j];
  assert.equal(n, d.nObs, `${msg}: itemN`);
}

describe('ResponseBuilder.build against the rules read directly', () => {
  it('small random inputs, both policies, ids as strings and as the caller numbers them', () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 400; trial++) {
      const rows = randomRows(
        rnd,
        Math.floor(rnd() * 120),
        1 + Math.floor(rnd() * 8),
        1 + Math.floor(rnd() * 12),
        rnd() < 0.6,
        rnd() < 0.3,
      );
      const policy: DuplicatePolicy = rnd() < 0.5 ? 'first' : 'last';
      const keep = rnd() < 0.3;
      check(rows, policy, keep, false, `trial ${trial} (add)`);
      check(rows, policy, keep, true, `trial ${trial} (addIndexed)`);
    }
  });

  it('long runs of one user (the native sort) and several blocks of answers', () => {
    const rnd = lcg(11);
    for (const [n, nU, nI, grouped] of [
      [3000, 3, 500, false],
      [70_000, 1400, 300, true],
      [70_000, 20, 5000, false],
    ] as const) {
      const rows = randomRows(rnd, n, nU, nI, true, grouped);
      check(rows, 'first', false, true, `${n} answers`);
      check(rows, 'last', false, false, `${n} answers`);
    }
  });

  it('refuses numbers outside the tables and tables swapped after answers', () => {
    const b = new ResponseBuilder();
    const users = new CallerTable();
    const items = new CallerTable();
    b.useIdTables(users, items);
    assert.throws(() => b.addIndexed(0, 0, 1), /not in the id tables/);
    b.addIndexed(users.internString('u'), items.internString('i'), 1);
    assert.throws(() => b.useIdTables(new CallerTable(), new CallerTable()), /after answers/);
  });
});
