import { calibrate } from '/work/wt-shards/src/index.js';
import { ResponseBuilder } from '/work/wt-shards/src/engine/responses.js';
import { seededRandom, normalDraw } from '/work/wt-shards/src/engine/simulate.js';
import { stratifiedSample } from '/work/wt-shards/src/job/sample.js';

const nUsers = Number(process.argv[2] ?? 20000), nItems = 60, nRare = 6, perUser = 15, seed = 3;
const rand = seededRandom(seed);
const a = [], b = [];
for (let j = 0; j < nItems + nRare; j++) { a.push(Math.exp(0.25 * normalDraw(rand))); b.push(normalDraw(rand)); }
const builder = new ResponseBuilder();
for (let u = 0; u < nUsers; u++) {
  const th = normalDraw(rand);
  const items = new Set<number>();
  while (items.size < perUser) items.add(Math.floor(rand() * nItems));
  if (rand() < 0.03) items.add(nItems + Math.floor(rand() * nRare));
  for (const j of items) builder.add(`u${u}`, `i${j}`, rand() < 1 / (1 + Math.exp(-a[j] * (th - b[j]))) ? 1 : 0);
}
const full = builder.build();
let t = performance.now();
const rf = await calibrate(full, { model: '2PL', scoreMethod: null });
console.log('full', full.nObs, ((performance.now() - t) / 1000).toFixed(1));
for (const share of [0.05, 0.1, 0.25]) {
  const s = stratifiedSample(full, { size: { kind: 'share', p: share }, rareItemAnswers: 1000, seed: 1 });
  t = performance.now();
  const rs = await calibrate(s.data, { model: '2PL', scoreMethod: null });
  const sec = (performance.now() - t) / 1000;
  const f = new Map(rf.items.map((i) => [i.id, i]));
  let ok1 = 0, ok196 = 0, okBoth = 0, n = 0, rareOk = 0;
  for (const it of rs.items) {
    const g = f.get(it.id)!;
    const za = Math.abs(it.a - g.a) / it.se.a!, zb = Math.abs(it.b - g.b) / it.se.b!;
    n += 2; ok1 += +(za <= 1) + +(zb <= 1); ok196 += +(za <= 1.96) + +(zb <= 1.96); okBoth += +(za <= 1.96 && zb <= 1.96);
    if (Number(it.id.slice(1)) >= nItems) rareOk += +(za <= 1 && zb <= 1);
  }
  console.log(share, s.info, sec.toFixed(1), 'within1', ok1 / n, 'within1.96', ok196 / n, 'itemsBoth', okBoth / rs.items.length, 'rare within 1', rareOk);
}
