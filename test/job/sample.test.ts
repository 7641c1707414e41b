/**
 * Calibration on a stratified sample of learners: the draw (deterministic, seeded, rare items'
 * learners all kept), its settings, the estimates it gives against the full data's, and the run
 * with --calibration-sample on PostgreSQL (--score all scores everyone, --score shards leaves the
 * version awaiting its shards).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrate } from '../../src/engine/calibrate.js';
import { ResponseBuilder, type ResponseData } from '../../src/engine/responses.js';
import { normalDraw, seededRandom } from '../../src/engine/simulate.js';
import { ConfigError, loadConfig } from '../../src/job/config.js';
import { runJob } from '../../src/job/run-job.js';
import { hash32, stratifiedSample } from '../../src/job/sample.js';
import { setupPg, useBackend } from '../helpers/backends.js';
import { captureIo, jobConfig } from '../helpers/job.js';
import { createAttemptView, insertAttempts, simulate } from '../helpers/platform.js';

/**
 * A 2PL bank: learners answer `perUser` of `common` items; 3% of them also answer one of `rare`
 * items (about 100 answers each in 20,000 learners). Item `i<j>`, j >= common, is rare.
 */
function bank(nUsers: number, seed: number, common = 60, rare = 6, perUser = 15): ResponseData {
  const rand = seededRandom(seed);
  const a: number[] = [];
  const b: number[] = [];
  for (let j = 0; j < common + rare; j++) {
    a.push(Math.exp(0.25 * normalDraw(rand)));
    b.push(normalDraw(rand));
  }
  const builder = new ResponseBuilder();
  for (let u = 0; u < nUsers; u++) {
    const theta = normalDraw(rand);
    const items = new Set<number>();
    while (items.size < perUser) items.add(Math.floor(rand() * common));
    if (rand() < 0.03) items.add(common + Math.floor(rand() * rare));
    for (const j of items) {
      const p = 1 / (1 + Math.exp(-a[j] * (theta - b[j])));
      builder.add(`u${u}`, `i${j}`, rand() < p ? 1 : 0);
    }
  }
  return builder.build();
}

describe('the stratified sample', () => {
  const data = bank(4000, 7);
  const spec = { size: { kind: 'share', p: 0.1 } as const, rareItemAnswers: 300, seed: 42 };

  it('takes every learner of a rare item whole, and a seeded uniform share of the others', () => {
    const s = stratifiedSample(data, spec);
    const rareItems = data.itemIds.filter((_, j) => data.itemN[j] < 300);
    assert.equal(s.info.rare_items, rareItems.length);
    assert.equal(rareItems.length, 6, 'the bank has 6 rare items');
    // Every answer to a rare item is in the sample.
    const sampleN = new Map(s.data.itemIds.map((id, j) => [id, s.data.itemN[j]]));
    for (const id of rareItems) assert.equal(sampleN.get(id), data.itemN[data.itemIds.indexOf(id)], id);
    const others = data.nUsers - s.info.rare_item_learners;
    assert.equal(s.info.drawn_learners, Math.round(0.1 * others));
    assert.equal(s.data.nUsers, s.info.rare_item_learners + s.info.drawn_learners);
    // Learners come whole: each sampled learner has all of their answers.
    const full = new Map(data.userIds.map((id, u) => [id, data.userPtr[u + 1] - data.userPtr[u]]));
    for (let u = 0; u < s.data.nUsers; u++)
      assert.equal(s.data.userPtr[u + 1] - s.data.userPtr[u], full.get(s.data.userIds[u]));
    assert.equal(s.info.observations, s.data.nObs);
  });

  it('is the same for the same seed whatever the order of the rows, and another for another seed', () => {
    const ids = (d: ResponseData) => [...d.userIds].sort();
    const a = stratifiedSample(data, spec).data;
    // The same answers arriving in reverse order.
    const rev = new ResponseBuilder();
    for (let u = data.nUsers - 1; u >= 0; u--)
      for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++)
        rev.add(data.userIds[u], data.itemIds[data.userItem[k]], data.userResp[k]);
    assert.deepEqual(ids(stratifiedSample(rev.build(), spec).data), ids(a));
    const other = ids(stratifiedSample(data, { ...spec, seed: 43 }).data);
    assert.notDeepEqual(other, ids(a));
    assert.equal(other.length, a.nUsers);
  });

  it('a count draws exactly that many of the others; the hash is stable', () => {
    const s = stratifiedSample(data, { ...spec, size: { kind: 'count', n: 250 } });
    assert.equal(s.info.drawn_learners, 250);
    assert.equal(s.info.size, '250');
    // Fixed values: the seeded hash must never change, or a rerun would draw other learners.
    assert.equal(hash32('u1', 0), hash32('u1', 0));
    assert.deepEqual([hash32('u1', 20261201), hash32('learner-42', 7)], [1604558636, 2506991621]);
  });

  it('10% sample: a and b within their 95% interval (1.96 SE) of the full-data estimates for >= 95% of items, rare items included', async () => {
    const full = bank(20000, 3);
    const s = stratifiedSample(full, { size: { kind: 'share', p: 0.1 }, rareItemAnswers: 1000, seed: 1 });
    const rf = await calibrate(full, { model: '2PL', scoreMethod: null });
    const rs = await calibrate(s.data, { model: '2PL', scoreMethod: null });
    assert.ok(rf.converged && rs.converged);
    assert.equal(rs.items.length, rf.items.length, 'no item lost in the sample');
    const byId = new Map(rf.items.map((it) => [it.id, it]));
    let within = 0;
    let rareWithin = 0;
    let rare = 0;
    for (const it of rs.items) {
      const f = byId.get(it.id)!;
      const ok = Math.abs(it.a - f.a) <= 1.96 * it.se.a! && Math.abs(it.b - f.b) <= 1.96 * it.se.b!;
      within += ok ? 1 : 0;
      if (Number(it.id.slice(1)) >= 60) {
        rare++;
        // A rare item keeps all its answers and its answerers' whole patterns: within one SE.
        if (Math.abs(it.a - f.a) <= it.se.a! && Math.abs(it.b - f.b) <= it.se.b!) rareWithin++;
      }
    }
    assert.equal(rare, 6);
    assert.ok(within / rs.items.length >= 0.95, `${within} of ${rs.items.length} items within`);
    assert.equal(rareWithin, rare, 'every rare item within one SE');
  });
});

describe('sampling settings', () => {
  it('flags and environment, defaults, one-line errors', () => {
    assert.equal(loadConfig([], {}).sampling, undefined);
    const c = loadConfig(['--calibration-sample', '10%'], {});
    assert.deepEqual(c.sampling, {
      sample: { size: { kind: 'share', p: 0.1 }, rareItemAnswers: 1000, seed: 20261201 },
      scoreMode: 'all',
    });
    const e = loadConfig([], {
      MIRT_CALIBRATION_SAMPLE: '20000',
      MIRT_SAMPLE_RARE_ITEM_ANSWERS: '500',
      MIRT_SAMPLE_SEED: '9',
      MIRT_SCORE_MODE: 'shards',
    });
    assert.deepEqual(e.sampling, {
      sample: { size: { kind: 'count', n: 20000 }, rareItemAnswers: 500, seed: 9 },
      scoreMode: 'shards',
    });
    assert.deepEqual(loadConfig(['--score', 'shards'], {}).sampling, { sample: null, scoreMode: 'shards' });
    for (const [argv, re] of [
      [['--calibration-sample', '0%'], /--calibration-sample: expected a number of learners/],
      [['--calibration-sample', '150%'], /--calibration-sample: expected/],
      [['--calibration-sample', 'x'], /--calibration-sample: expected/],
      [['--score', 'some'], /--score: expected all or shards/],
      [['--sample-seed', '3'], /--sample-seed needs --calibration-sample/],
      [['--calibration-sample', '5%', '--sample-rare-item-answers', '0'], /expected an integer >= 1/],
    ] as const)
      assert.throws(
        () => loadConfig([...argv], {}),
        (err: Error) => err instanceof ConfigError && re.test(err.message),
      );
  });
});

describe('the run with --calibration-sample (pg)', () => {
  const ctx = useBackend(setupPg);

  it('--score all: calibrates on the sample, scores every learner, records the sample in model_spec', async (t) => {
    if (!ctx.fx) return t.skip(ctx.skip);
    await createAttemptView(ctx.fx.db, 'integer');
    await insertAttempts(ctx.fx.db, 'integer', simulate(1500, 30, 12, 21));
    const io = captureIo();
    const config = jobConfig({
      sampling: loadConfig(
        ['--calibration-sample', '25%', '--sample-seed', '5', '--sample-rare-item-answers', '100'],
        {},
      ).sampling,
    });
    const o = await runJob(config, { io, openDb: () => ctx.fx!.openForJob() });
    assert.equal(o.status, 'ok', io.errors.join('\n'));
    const line = io.lines.find((l) => l.startsWith('[INFO] Calibration sample: '));
    assert.match(
      line ?? '',
      /^\[INFO\] Calibration sample: \d+ of 1500 learners \(0 who answered one of 0 items with fewer than 100 answers, 375 drawn at random, seed 5\), \d+ of \d+ observations$/,
    );
    assert.match(
      io.lines.find((l) => l.startsWith('[INFO] Calibrating ')) ?? '',
      /^\[INFO\] Calibrating \d+ observations \(375 users, 30 items\)/,
    );
    const [{ n }] = await ctx.fx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mirt_ability_current',
    );
    assert.equal(n, 1500, 'every learner scored');
    const [spec] = await ctx.fx.db.query<{ s: Record<string, unknown> }>(
      'SELECT model_spec AS s FROM mirt_fit_meta',
    );
    assert.equal(spec.s.scoring, 'all');
    assert.equal(spec.s.n_users_scored, 1500);
    assert.deepEqual(
      {
        seed: (spec.s.calibration_sample as { seed: number }).seed,
        size: (spec.s.calibration_sample as { size: string }).size,
      },
      { seed: 5, size: '25%' },
    );
  });

  it('--score shards: item parameters and fit written, no abilities, the version awaits its shards', async (t) => {
    if (!ctx.fx) return t.skip(ctx.skip);
    await createAttemptView(ctx.fx.db, 'integer');
    await insertAttempts(ctx.fx.db, 'integer', simulate(800, 20, 10, 22));
    const io = captureIo();
    const sampling = loadConfig(
      ['--calibration-sample', '400', '--score', 'shards', '--sample-rare-item-answers', '50'],
      {},
    ).sampling;
    const o = await runJob(jobConfig({ sampling }), { io, openDb: () => ctx.fx!.openForJob() });
    assert.equal(o.status, 'ok', io.errors.join('\n'));
    const count = async (sql: string) => (await ctx.fx!.db.query<{ n: number }>(sql))[0].n;
    assert.equal(await count('SELECT count(*)::int AS n FROM mirt_item_params_history'), 20);
    assert.equal(await count('SELECT count(*)::int AS n FROM mirt_ability'), 0);
    assert.equal(await count('SELECT count(*)::int AS n FROM mirt_complete_versions'), 0);
    const [spec] = await ctx.fx.db.query<{ scoring: string }>(
      "SELECT model_spec->>'scoring' AS scoring FROM mirt_fit_meta",
    );
    assert.equal(spec.scoring, 'shards');
  });
});
