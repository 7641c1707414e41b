/**
 * Linking methods on issue 12's simulated nights (not a test): six nights, 200 items, true mean
 * +0.1 a night, two items 0.8 easier from night 4. For each method, the tracking error of the
 * mean theta per night (estimated - true), the leaked items found on night 4, and the stable
 * items flagged over the six nights; over several seeds. The engine and the job's linking step
 * run in-process (no database: the job adds nothing to the maths).
 *
 *   node --import tsx bench/linking.ts [learners=3000] [seeds=3]
 */
import { pathToFileURL } from 'node:url';
import { LocalCalibrator } from '../src/calibrators/local.js';
import type { CalibrateResponse } from '../src/contract/types.js';
import type { ReferenceItem } from '../src/data/previous-version.js';
import { ResponseBuilder } from '../src/engine/responses.js';
import { DEFAULT_LINK, type LinkConfig, type LinkingMethod, linkRun } from '../src/job/link-run.js';
import { leakedItems, NIGHT_SPEC, type NightSpec, nightAnswers } from '../test/helpers/nights.js';

type Method = LinkingMethod | 'none';
const METHODS: readonly Method[] = ['none', 'stocking-lord', 'mean-sigma', 'mean-mean', 'fixed'];

function reference(r: CalibrateResponse, seB: Map<string, number>): Map<string, ReferenceItem> {
  return new Map(
    r.item_params.map((it) => [
      String(it.item_id),
      { a: it.params.a, b: it.params.b, c: it.params.c ?? 0, seB: seB.get(String(it.item_id)) ?? Number.NaN },
    ]),
  );
}

async function sixNights(spec: NightSpec, method: Method) {
  const calibrator = new LocalCalibrator();
  const config: LinkConfig = {
    ...DEFAULT_LINK,
    mode: method === 'none' ? 'none' : 'previous',
    method: method === 'none' ? DEFAULT_LINK.method : method,
  };
  const leaked = leakedItems(spec).map(String);
  const errors: number[] = [];
  let found = 0;
  let falseFlags = 0;
  let prev: Map<string, ReferenceItem> | null = null;
  for (let k = 0; k < 6; k++) {
    const night = nightAnswers(spec, k);
    const builder = new ResponseBuilder();
    for (const x of night.answers) builder.add(String(x.user), String(x.item), x.correct);
    const data = builder.build();
    const job = { model: '2PL', version: `n${k}`, runId: `n${k}` };
    const free = await calibrator.calibrate(data, job);
    let result = free;
    let rows: { item_id: string; se: { b: number | null } | null; flags: readonly string[] }[] =
      free.item_params.map((it) => ({ item_id: it.item_id, se: it.se ?? null, flags: [] }));
    if (config.mode !== 'none' && prev) {
      const out = await linkRun({
        config,
        model: '2PL',
        free,
        reference: { label: `n${k - 1}`, items: prev },
        refit: (anchors) => calibrator.calibrate(data, { ...job, anchors }),
      });
      result = out.result;
      rows = out.itemRows;
    }
    for (const r of rows) {
      if (!r.flags.includes('drift')) continue;
      if (k === 3 && leaked.includes(r.item_id)) found++;
      else if (!leaked.includes(r.item_id)) falseFlags++;
    }
    const mean = result.abilities.reduce((s, a) => s + a.theta, 0) / result.abilities.length;
    errors.push(mean - night.trueMean);
    prev = reference(result, new Map(rows.map((r) => [r.item_id, r.se?.b ?? Number.NaN])));
  }
  return { errors, found, falseFlags };
}

export async function benchLinking(learners = 3000, seeds = 3): Promise<void> {
  console.log(
    `\n== Linking: 6 nights, ${NIGHT_SPEC.items} items, ${learners} learners x ${NIGHT_SPEC.perLearner} answers a night, ${seeds} seed(s)`,
  );
  console.log(
    'method          seed  tracking error per night (estimated - true mean)      max|err|   chain   leaked found  stable flagged',
  );
  const summary = new Map<
    Method,
    { maxErr: number; chain: number; rms: number; n: number; found: number; falseFlags: number }
  >();
  for (let s = 0; s < seeds; s++) {
    const spec: NightSpec = { ...NIGHT_SPEC, learners, seed: NIGHT_SPEC.seed + 7919 * s };
    for (const method of METHODS) {
      const r = await sixNights(spec, method);
      const maxErr = Math.max(...r.errors.map(Math.abs));
      // Night 1 sets the scale (its sample's mean is estimated as 0): what linking adds is the change since.
      const chain = Math.max(...r.errors.map((e) => Math.abs(e - r.errors[0])));
      console.log(
        `${method.padEnd(15)} ${String(spec.seed).padEnd(5)} ${r.errors.map((e) => e.toFixed(3).padStart(7)).join(' ')}   ${maxErr.toFixed(3).padStart(7)}  ${chain.toFixed(3).padStart(7)}   ${r.found}/2           ${r.falseFlags}`,
      );
      const acc = summary.get(method) ?? { maxErr: 0, chain: 0, rms: 0, n: 0, found: 0, falseFlags: 0 };
      acc.chain = Math.max(acc.chain, chain);
      acc.maxErr = Math.max(acc.maxErr, maxErr);
      acc.rms += r.errors.reduce((t, e) => t + e * e, 0);
      acc.n += r.errors.length;
      acc.found += r.found;
      acc.falseFlags += r.falseFlags;
      summary.set(method, acc);
    }
  }
  console.log('\nmethod          max|err|  max chain  rms err  leaked found  stable flagged (all seeds)');
  for (const [m, a] of summary)
    console.log(
      `${m.padEnd(15)} ${a.maxErr.toFixed(3).padStart(8)} ${a.chain.toFixed(3).padStart(10)} ${Math.sqrt(
        a.rms / a.n,
      )
        .toFixed(3)
        .padStart(8)}   ${a.found}/${2 * seeds}          ${a.falseFlags}`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchLinking(Number(process.argv[2] ?? 3000), Number(process.argv[3] ?? 3));
}
