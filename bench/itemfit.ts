/**
 * Item fit on a sparse bank at the size (issue 11, item 4): 20,000 learners answering 40
 * of 200 items (4,000 answers per item), 10 items generated with guessing and 10 miskeyed
 * (engine/simulate-misfit.ts), fitted by a 2PL. Prints the false-positive rate of the misfit
 * flag on the 180 clean items and its power on the others, at alpha 0.05 and 0.01, and the time
 * item fit takes. `node --import tsx bench/itemfit.ts` (or `npm run bench itemfit`).
 */
import { calibrate } from '../src/engine/calibrate.js';
import { DEFAULT_FLAG_THRESHOLDS, itemFlags } from '../src/engine/item-flags.js';
import { simulateMisfitBank } from '../src/engine/simulate-misfit.js';

export async function benchItemfit(): Promise<void> {
  const spec = { nUsers: 20_000, nItems: 200, perUser: 40, guessing: 10, miskeyed: 10, seed: 2026 };
  const t0 = performance.now();
  const { data, kindOf } = simulateMisfitBank(spec);
  const t1 = performance.now();
  const r = await calibrate(data, { model: '2PL', scoreMethod: null });
  const t2 = performance.now();
  console.log(
    `itemfit: ${data.nUsers} learners x ${spec.perUser} of ${data.nItems} items (${data.nObs} answers), 2PL: ` +
      `simulate ${((t1 - t0) / 1000).toFixed(1)} s, calibrate ${((t2 - t1) / 1000).toFixed(1)} s ` +
      `of which item fit ${r.timings.itemFit.toFixed(1)} s; converged ${r.converged} in ${r.cycles} cycles`,
  );
  for (const alpha of [0.05, 0.01]) {
    const tally: Record<string, { n: number; misfit: number; flagged: number }> = {};
    for (const it of r.items) {
      const kind = kindOf(it.id);
      const flags = itemFlags(
        {
          a: it.a,
          b: it.b,
          fitP: it.fit.kind === 'unavailable' ? null : it.fit.p,
          meanSquares: it.meanSquares,
        },
        { ...DEFAULT_FLAG_THRESHOLDS, misfitAlpha: alpha },
      );
      tally[kind] ??= { n: 0, misfit: 0, flagged: 0 };
      tally[kind].n++;
      if (flags.includes('misfit')) tally[kind].misfit++;
      if (flags.length > 0) tally[kind].flagged++;
    }
    const line = Object.entries(tally)
      .map(([k, v]) => `${k} ${v.misfit}/${v.n} misfit, ${v.flagged}/${v.n} any flag`)
      .join('; ');
    console.log(`itemfit: alpha ${alpha}: ${line}`);
  }
  const kinds = new Set(r.items.map((it) => it.fit.kind));
  console.log(`itemfit: statistics ${[...kinds].join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchItemfit();
