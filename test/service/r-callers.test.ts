/**
 * The requests the R IRT service's existing callers send, replayed against a real listening
 * server (issue 13): the old nightly job (observations with Python-formatted timestamps,
 * booleans, anchors `{item_id, params: {a, b, c, model}, fixed}`, no version), its RIrtClient
 * (Bearer token, /irt/calibrate), the online ability updater (/irt/score with an item map and
 * one learner's answers), the R service's own /irt/score rows, and out-of-bounds parameters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Observation } from '../../src/contract/types.js';
import { lsat7, postJson, type RunningService, simulate, startService } from './helpers.js';

let svc: RunningService;
before(async () => {
  svc = await startService();
});
after(() => svc.close());

interface Item {
  item_id: string;
  params: { a: number; b: number; c?: number; u?: number };
  anchored?: boolean;
  se?: { a: number | null; b: number | null };
}

/** What the old job sends: booleans, Python's str(datetime), every row with a timestamp. */
function oldJobObservations(obs: Observation[]) {
  return obs.map((o, k) => ({
    user_id: String(o.user_id),
    item_id: String(o.item_id),
    is_correct: o.is_correct === 1,
    responded_at: `2026-11-${String(10 + (k % 18)).padStart(2, '0')} 10:${String(k % 60).padStart(2, '0')}:00+00:00`,
  }));
}

const calibrate = (body: unknown) => postJson(`${svc.url}/irt/calibrate`, body);
const byId = (items: Item[]) => new Map(items.map((i) => [i.item_id, i]));

describe('1. anchors mean what the old job means', () => {
  const night1 = oldJobObservations(simulate(800, 20, 12, 11));
  const night2 = oldJobObservations(simulate(800, 20, 12, 12));
  let stored: Item[];
  before(async () => {
    const res = await calibrate({ observations: night1, model: '2PL' });
    assert.equal(res.status, 200, res.text);
    stored = res.json.item_params;
  });

  test('fixed: false entries are starting values: every item is estimated again, on the stored scale', async () => {
    // IRT_UPDATE_QUESTION_META=true: the next night sends every item back with its stored values.
    const anchors = stored.map((it) => ({
      item_id: it.item_id,
      params: { ...it.params, model: '2PL' },
      fixed: false,
    }));
    const seeded = await calibrate({ observations: night2, model: '2PL', anchors });
    assert.equal(seeded.status, 200, seeded.text);
    const free = await calibrate({ observations: night2, model: '2PL' });
    const items: Item[] = seeded.json.item_params;
    assert.equal(items.length, 20);
    assert.ok(
      items.every((i) => !i.anchored),
      'nothing pinned',
    );
    const old = byId(stored);
    const changed = items.filter((i) => Math.abs(i.params.b - (old.get(i.item_id) as Item).params.b) > 1e-3);
    assert.ok(changed.length >= 18, `${changed.length} of 20 items changed`);
    // Starting values do not change the optimum: undoing the mean/sigma linking gives the
    // unseeded run's estimates.
    const L = seeded.json.fit_meta.linking_constants;
    assert.equal(L.method, 'mean_sigma');
    assert.equal(L.n_anchors_used, 20);
    const plain = byId(free.json.item_params);
    for (const it of items) {
      const p = (plain.get(it.item_id) as Item).params;
      assert.ok(Math.abs((it.params.b - L.B) / L.A - p.b) < 5e-3, `${it.item_id} b`);
      assert.ok(Math.abs(it.params.a * L.A - p.a) < 5e-3, `${it.item_id} a`);
    }
    // Mean/sigma: the linked b have the stored b's mean and spread.
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const newB = items.map((i) => i.params.b);
    const oldB = items.map((i) => (old.get(i.item_id) as Item).params.b);
    assert.ok(Math.abs(mean(newB) - mean(oldB)) < 1e-9);
    assert.equal(seeded.json.fit_meta.model_spec.anchors.start_values, 20);
  });

  test('fixed: true entries are pinned; the rest is estimated on their scale', async () => {
    const anchors = stored.slice(0, 5).map((it) => ({ item_id: it.item_id, params: it.params, fixed: true }));
    const res = await calibrate({ observations: night2, model: '2PL', anchors });
    assert.equal(res.status, 200, res.text);
    const items = byId(res.json.item_params);
    for (const a of anchors) {
      const it = items.get(a.item_id) as Item;
      assert.equal(it.anchored, true);
      assert.deepEqual(it.params, a.params);
    }
    assert.equal([...items.values()].filter((i) => i.anchored).length, 5);
    const L = res.json.fit_meta.linking_constants;
    assert.equal(L.method, 'fixed_anchors');
    assert.equal(L.n_anchors_used, 5);
    const latent = res.json.fit_meta.model_spec.latent;
    assert.ok(Math.abs(L.A - Math.sqrt(latent.variance)) < 1e-12 && L.B === latent.mean);
  });

  test('an anchor tag without stored values is ignored and listed, not a 400', async () => {
    const anchors = [
      { item_id: stored[0].item_id, params: {}, fixed: true },
      { item_id: stored[1].item_id, params: stored[1].params, fixed: true },
    ];
    const res = await calibrate({ observations: night2, model: '2PL', anchors });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.fit_meta.model_spec.anchors.ignored, [
      { item_id: stored[0].item_id, reason: 'no parameters (a, b) given' },
    ]);
    assert.ok(res.json.warnings.some((w: string) => w.includes('without parameters ignored')));
    assert.equal(byId(res.json.item_params).get(stored[0].item_id)?.anchored, undefined);
    assert.equal(byId(res.json.item_params).get(stored[1].item_id)?.anchored, true);
  });

  test('a c left by a 3PL night on an anchor of a 2PL run is ignored with a warning', async () => {
    const anchors = stored.slice(0, 3).map((it) => ({
      item_id: it.item_id,
      params: { ...it.params, c: 0.18, model: '3PL' },
      fixed: true,
    }));
    const res = await calibrate({ observations: night2, model: '2PL', anchors });
    assert.equal(res.status, 200, res.text);
    assert.ok(
      res.json.warnings.some((w: string) => /c ignored on 3 entr/.test(w)),
      res.json.warnings,
    );
    const it = byId(res.json.item_params).get(stored[0].item_id) as Item;
    assert.equal(it.anchored, true);
    assert.equal(it.params.c, undefined);
  });

  test('a 4PL anchor keeps its u; a u on an anchor of a 2PL run is ignored with a warning', async () => {
    const pinned = {
      item_id: stored[0].item_id,
      params: { ...stored[0].params, c: 0.1, u: 0.9 },
      fixed: true,
    };
    const four = await calibrate({ observations: night2, model: '4PL', anchors: [pinned] });
    assert.equal(four.status, 200, four.text);
    const it4 = byId(four.json.item_params).get(stored[0].item_id) as Item;
    assert.equal(it4.anchored, true);
    assert.ok(Math.abs((it4.params.u as number) - 0.9) < 1e-12, `u ${it4.params.u}`);
    assert.ok(Math.abs((it4.params.c as number) - 0.1) < 1e-12, `c ${it4.params.c}`);
    const two = await calibrate({ observations: night2, model: '2PL', anchors: [pinned] });
    assert.equal(two.status, 200, two.text);
    assert.ok(
      two.json.warnings.some((w: string) => /u ignored on 1 entr/.test(w)),
      two.json.warnings,
    );
    assert.equal((byId(two.json.item_params).get(stored[0].item_id) as Item).params.u, undefined);
    const bad = await calibrate({
      observations: night2,
      model: '4PL',
      anchors: [{ ...pinned, params: { ...pinned.params, u: 0.05 } }],
    });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /anchors\[0\]\.params\.u/);
  });

  test('anchors given but none usable: linking says so', async () => {
    const res = await calibrate({
      observations: night2,
      anchors: [{ item_id: 'not-in-data', params: { a: 1, b: 0 }, fixed: false }],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.fit_meta.linking_constants.method, 'none');
    assert.deepEqual([res.json.fit_meta.linking_constants.A, res.json.fit_meta.linking_constants.B], [1, 0]);
  });
});

describe('3. version and run id when the request names none', () => {
  test('the R callers get v1 and an R-style run id; a request that names them gets its own', async () => {
    const res = await calibrate({ observations: oldJobObservations(lsat7(200)) });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json.item_params.every((i: { version: string }) => i.version === 'v1'));
    assert.ok(res.json.abilities.every((a: { version: string }) => a.version === 'v1'));
    assert.match(res.json.fit_meta.run_id, /^irt-fit-\d{14}$/);
    const own = await calibrate({ observations: lsat7(200), version: '2026-12-01T00:00:00Z', run_id: 'r-7' });
    assert.equal(own.json.item_params[0].version, '2026-12-01T00:00:00Z');
    assert.equal(own.json.fit_meta.run_id, 'r-7');
  });

  test('the default version is configurable', async () => {
    const other = await startService({ defaultVersion: 'nightly' });
    try {
      const res = await postJson(`${other.url}/calibrate`, { observations: lsat7(200) });
      assert.equal(res.json.abilities[0].version, 'nightly');
    } finally {
      await other.close();
    }
  });
});

describe('4. one bad row does not reject the request', () => {
  test('empty item_id, a responded_at that is not a time, NULL correctness: dropped or kept, counted, warned', async () => {
    const good = oldJobObservations(lsat7(300));
    const obs = [
      ...good,
      { user_id: 'p0001', item_id: '', is_correct: true, responded_at: '2026-11-20 10:00:00+00:00' },
      { user_id: 'p0002', item_id: 'Item.1', is_correct: null, responded_at: 'None' },
      { user_id: '', item_id: 'Item.2', is_correct: false, responded_at: 'None' },
      { user_id: 'p9999', item_id: 'Item.2', is_correct: true, responded_at: 'None' },
    ];
    const res = await calibrate({ observations: obs, model: '2PL' });
    assert.equal(res.status, 200, res.text);
    const h = res.json.fit_meta.metrics.hygiene;
    assert.equal(h.rows_read, obs.length);
    assert.equal(h.dropped.missingId, 2);
    assert.equal(h.dropped.nullCorrect, 1);
    assert.ok(
      res.json.abilities.some((a: { user_id: string }) => a.user_id === 'p9999'),
      'answer with a bad time kept',
    );
    assert.ok(
      res.json.warnings.some((w: string) => /3 row\(s\) dropped/.test(w)),
      res.json.warnings,
    );
    assert.ok(res.json.warnings.some((w: string) => /responded_at value\(s\) are not timestamps/.test(w)));
  });

  test('nothing usable left: 400 naming the first bad field', async () => {
    const res = await calibrate({
      observations: [
        { user_id: 'a', item_id: '', is_correct: true },
        { user_id: 'b', item_id: 'q', is_correct: null },
      ],
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.field, 'observations[0].item_id');
    assert.match(res.json.message, /no usable observations/);
  });

  test('a misspelled key is a 400 that names it, not a silent 2PL', async () => {
    const res = await calibrate({ observations: lsat7(100), modle: '3PL' });
    assert.equal(res.status, 400);
    assert.equal(res.json.field, 'modle');
    assert.match(res.json.message, /did you mean "model"/);
  });
});

describe('5. small data: 200 with what could be estimated, warnings, not a 400', () => {
  test('no estimable item: empty results, the items listed, a warning', async () => {
    const obs = ['u1', 'u2', 'u3'].flatMap((u) => [
      { user_id: u, item_id: 'easy', is_correct: true },
      { user_id: u, item_id: 'hard', is_correct: false },
    ]);
    const res = await calibrate({ observations: obs });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.item_params, []);
    assert.deepEqual(res.json.abilities, []);
    const ex = res.json.fit_meta.metrics.hygiene.excluded_items.map((x: { id: string; reason: string }) => [
      x.id,
      x.reason,
    ]);
    assert.deepEqual(ex.sort(), [
      ['easy', 'all_correct'],
      ['hard', 'all_wrong'],
    ]);
    assert.ok(res.json.warnings.some((w: string) => /no item is estimable/.test(w)));
  });

  test('some items not estimable: the rest estimated, the excluded listed and warned about', async () => {
    const base = simulate(500, 8, 8, 5);
    const users = [...new Set(base.map((o) => o.user_id))];
    const obs = [
      ...base,
      ...users.map((user_id) => ({ user_id, item_id: 'Item.all', is_correct: 1 as const })),
    ];
    const res = await calibrate({ observations: obs });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.item_params.length, 8);
    assert.ok(
      res.json.warnings.some((w: string) => /Item\.all \(all_correct\)/.test(w)),
      res.json.warnings,
    );
  });
});

describe("8. /irt/score takes the R service's and the online updater's shapes", () => {
  const bank = [
    { item_id: 'q1', params: { a: 1.2, b: -0.5 } },
    { item_id: 'q2', params: { a: 0.9, b: 0.4, c: 0.2 } },
    { item_id: 'q3', params: { a: 1.5, b: 1.1 } },
  ];
  const rows = [
    [1, 0, null],
    [1, 1, 1],
    [null, null, null],
    [0, 0],
  ];
  const ours = () =>
    postJson(`${svc.url}/irt/score`, {
      item_params: bank,
      observations: rows.flatMap((r, u) =>
        r.flatMap((x, j) =>
          x === null ? [] : [{ user_id: String(u + 1), item_id: bank[j].item_id, is_correct: x }],
        ),
      ),
    });

  test("the R service's rows: one ability per row, in row order", async () => {
    const res = await postJson(`${svc.url}/irt/score`, {
      item_params: bank.map((b) => ({ item: b.item_id, a: b.params.a, b: b.params.b, c: b.params.c ?? 0 })),
      responses: rows,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'ok');
    assert.equal(res.json.abilities.length, 4);
    const ref = (await ours()).json.abilities;
    for (const u of [0, 1, 3]) {
      assert.ok(
        Math.abs(
          res.json.abilities[u].theta -
            ref.find((a: { user_id: string }) => a.user_id === String(u + 1)).theta,
        ) < 1e-12,
      );
      assert.ok(res.json.abilities[u].se > 0);
    }
    assert.deepEqual([res.json.abilities[2].theta, res.json.abilities[2].pattern], [null, 'no_answers']);
    // R's grid: 81 points on [-4, 4] with an N(0, 1) prior. Ours is 121 points on [-6, 6].
    const rEap = (r: (number | null)[]) => {
      let z = 0;
      let m = 0;
      let m2 = 0;
      for (let k = 0; k < 81; k++) {
        const th = -4 + (8 * k) / 80;
        let l = Math.exp((-th * th) / 2);
        r.forEach((x, j) => {
          if (x === null) return;
          const { a, b, c = 0 } = bank[j].params as { a: number; b: number; c?: number };
          const p = c + (1 - c) / (1 + Math.exp(-a * (th - b)));
          l *= x === 1 ? p : 1 - p;
        });
        z += l;
        m += th * l;
        m2 += th * th * l;
      }
      return { theta: m / z, se: Math.sqrt(m2 / z - (m / z) ** 2) };
    };
    for (const u of [0, 1, 3]) {
      const r = rEap(rows[u]);
      assert.ok(Math.abs(r.theta - res.json.abilities[u].theta) < 0.01, `row ${u} theta`);
      assert.ok(Math.abs(r.se - res.json.abilities[u].se) < 0.02, `row ${u} se`);
    }
  });

  test('a 4PL item scores with its upper asymptote u, with or without a c', async () => {
    const score = (params: Record<string, number>) =>
      postJson(`${svc.url}/irt/score`, {
        item_params: { q1: params, q3: { a: 1.5, b: 1.1 } },
        responses: [
          { item_id: 'q1', is_correct: false },
          { item_id: 'q3', is_correct: false },
        ],
      });
    const twoPl = await score({ a: 1.2, b: -0.5 });
    const fourPl = await score({ a: 1.2, b: -0.5, u: 0.8 });
    assert.equal(twoPl.status, 200, twoPl.text);
    assert.equal(fourPl.status, 200, fourPl.text);
    // A wrong answer on an item with a ceiling of 0.8 says less about a low theta than on one without.
    assert.ok(fourPl.json.theta > twoPl.json.theta + 0.05, `${fourPl.json.theta} vs ${twoPl.json.theta}`);
    const bad = await score({ a: 1.2, b: -0.5, c: 0.3, u: 0.2 });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /item_params\.q1\.u/);
  });

  test("the online updater's item map and one learner's answers: theta and se at the top level", async () => {
    const res = await postJson(`${svc.url}/irt/score`, {
      item_params: Object.fromEntries(
        bank.map((b) => [b.item_id, { a: b.params.a, b: b.params.b, c: b.params.c ?? 0 }]),
      ),
      responses: [
        { item_id: 'q1', is_correct: true },
        { item_id: 'q2', is_correct: false },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const ref = (await ours()).json.abilities.find((a: { user_id: string }) => a.user_id === '1');
    assert.ok(Math.abs(res.json.theta - ref.theta) < 1e-12);
    assert.equal(res.json.se, res.json.standard_error);
    assert.ok(res.json.se > 0);
    assert.equal(res.json.abilities.length, 1);
  });
});

describe('issue 9 #20: out-of-bounds parameters are a 400 naming the field', () => {
  test('a = 1e308 in /irt/score', async () => {
    const res = await postJson(`${svc.url}/irt/score`, {
      item_params: [{ item_id: 'q', params: { a: 1e308, b: 0 } }],
      observations: [{ user_id: 'u', item_id: 'q', is_correct: 1 }],
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.field, 'item_params[0].params.a');
  });
  test('an anchor b = 1e300 in /calibrate', async () => {
    const res = await calibrate({
      observations: lsat7(100),
      anchors: [{ item_id: 'Item.1', params: { a: 1, b: 1e300 } }],
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.field, 'anchors[0].params.b');
  });
  test('a prior variance of 1e300 in /irt/score', async () => {
    const res = await postJson(`${svc.url}/irt/score`, {
      item_params: [{ item_id: 'q', params: { a: 1, b: 0 } }],
      observations: [{ user_id: 'u', item_id: 'q', is_correct: 1 }],
      latent: { mean: 0, variance: 1e300 },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.field, 'latent.variance');
  });
});

describe('9 and 11. health fields, request ids, error messages', () => {
  test("/healthz has the R service's status, service and time", async () => {
    const res = await fetch(`${svc.url}/healthz`);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(body.service, 'mirt-calibrate');
    assert.ok(!Number.isNaN(Date.parse(String(body.time))));
  });

  test('every response carries X-Request-Id; error bodies carry the same request_id', async () => {
    const ok = await fetch(`${svc.url}/health`);
    assert.match(ok.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const bad = await calibrate({ observations: 'x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.request_id, bad.headers.get('x-request-id'));
    const unauth = await fetch(`${svc.url}/calibrate`, { method: 'POST' });
    const body = (await unauth.json()) as { request_id: string };
    assert.equal(unauth.status, 401);
    assert.equal(body.request_id, unauth.headers.get('x-request-id'));
    const missing = await fetch(`${svc.url}/nope`);
    assert.equal(
      ((await missing.json()) as { request_id: string }).request_id,
      missing.headers.get('x-request-id'),
    );
    const given = await fetch(`${svc.url}/health`, { headers: { 'x-request-id': 'job-42.try-1' } });
    assert.equal(given.headers.get('x-request-id'), 'job-42.try-1');
  });

  test('no message reads "undefined undefined"', async () => {
    const replies = await Promise.all([
      postJson(`${svc.url}/irt/score`, {
        item_params: [{ item_id: 'q', params: { b: 0 } }],
        observations: [],
      }),
      postJson(`${svc.url}/irt/score`, {
        item_params: [{ item_id: 'q', params: { a: 1, b: 0 } }],
        observations: [{ user_id: 'u', item_id: 'q' }],
      }),
      calibrate({ observations: lsat7(50), anchors: [{ item_id: 'Item.1', a: 1, b: 0, fixed: 'yes' }] }),
    ]);
    for (const r of replies) {
      assert.equal(r.status, 400, r.text);
      assert.doesNotMatch(r.json.message, /undefined/);
    }
  });
});
