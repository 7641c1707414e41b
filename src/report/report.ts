/**
 * The run report: one self-contained HTML page (inline SVG and CSS, no scripts, nothing fetched)
 * from a /calibrate response, for a psychometrician to look at: the headline numbers, where the
 * answers came from and what was left out, the test's information, the abilities against the
 * items, the items' information, the linking, and every item with its fit and its curve over the
 * observed proportions. Each section is drawn by its own module; this one assembles the page.
 */
import type { CalibrateResponse } from '../contract/types.js';
import { abilityPlot } from './ability-plot.js';
import { dataSection } from './data-section.js';
import { DRIFT_STYLE, driftedItems, driftSection } from './drift-section.js';
import { byId, count, escapeHtml, finite, fmt, obj, show } from './format.js';
import { header, reliabilityHeadline } from './header.js';
import { itemCurves } from './item-curves.js';
import { flagRank, itemFlagCodes, itemFlags } from './item-flags-text.js';
import { itemInformationPlot } from './item-information-plot.js';
import { itemTable } from './item-table.js';
import { answersPerLearner, observedGroups } from './observed-groups.js';
import { PAGE_STYLE } from './page-style.js';
import { informationCurve, informationPlot } from './test-information.js';
import { wrightMap } from './wright-map.js';

export { itemFlags };

const DRIFT_WORDS = 'drifted since the reference run (left out of the linking)';

/**
 * `missing`: optional parts the result does not have (result-shape.ts), said on the page. The
 * result must have passed `checkResult` when it comes from outside.
 */
export function renderReport(r: CalibrateResponse, missing: readonly string[] = []): string {
  const m = obj(r.fit_meta.metrics);
  const spec = obj(r.fit_meta.model_spec);
  const notIdentifiedList = obj(m.not_identified).items;
  const notIdentified = new Set(Array.isArray(notIdentifiedList) ? notIdentifiedList.map(String) : []);

  // Items flagged first (by their main flag), then by id; drift (a linked run's) after the engine's flags.
  const drifted = driftedItems(m);
  const rows = r.item_params
    .map((it) => {
      const drift = drifted.has(it.item_id) && !it.flags?.includes('drift');
      const codes = [...itemFlagCodes(it, notIdentified), ...(drift ? ['drift'] : [])];
      const flags = [...itemFlags(it, notIdentified), ...(drift ? [DRIFT_WORDS] : [])];
      return { it, codes, flags, rank: flagRank(codes) };
    })
    .sort((p, q) => p.rank - q.rank || byId(p.it.item_id, q.it.item_id));
  const flagged = new Set(rows.filter((x) => x.flags.length > 0).map((x) => x.it.item_id));

  const nItems = r.item_params.length;
  const nUsers = finite(spec.n_users) ? spec.n_users : null;
  const nObs = finite(spec.n_obs) ? spec.n_obs : finite(m.n_obs) ? m.n_obs : null;
  const complete = nUsers !== null && nObs !== null ? nObs >= nItems * nUsers : null;
  const answers = answersPerLearner(m);
  const curve = informationCurve(r.item_params, nUsers, nObs, answers?.median ?? null);
  const bankPeak = Math.max(
    ...(curve.kind === 'typical-form'
      ? informationCurve(r.item_params, null, null, null).values
      : curve.values),
  );
  const design =
    complete === null
      ? 'not known (the result does not count answers)'
      : complete
        ? 'complete: every learner answered every item'
        : `incomplete: ${fmt((100 * (nObs as number)) / (nItems * (nUsers as number)), 1)}% of the learner × item table answered${
            answers
              ? `; answers per learner: median ${count(answers.median)} (quartiles ${count(answers.q1)}–${count(answers.q3)}, range ${count(answers.min)}–${count(answers.max)})`
              : ''
          }`;

  const thetas = r.abilities.map((x) => x.theta).filter(finite);
  const notes = [
    ...(missing.length ? [`Not in the result: ${missing.join('; ')}.`] : []),
    ...(notIdentified.size
      ? [`Not identified (${notIdentified.size} item(s)): ${[...notIdentified].join(', ')}.`]
      : []),
  ];
  const version = r.item_params[0]?.version ?? spec.version;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Calibration report ${escapeHtml(show(r.fit_meta.run_id))}</title><style>${PAGE_STYLE}${DRIFT_STYLE}</style></head><body>
${header(r.fit_meta.run_id, version, spec, m, reliabilityHeadline(m, complete, nItems, answers), {
  items: `${count(nItems)} / ${count(nUsers)} / ${count(nObs)}`,
  design,
})}
${notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<nav><a href="#data">Data</a> · <a href="#test">Test</a> · <a href="#items">Items</a> · <a href="#curves">Curves</a></nav>
${dataSection(obj(m.hygiene), nObs)}
<section id="test"><h2>Test and learners</h2><div class="charts">
${informationPlot(curve, bankPeak)}
${abilityPlot(thetas, spec.latent as { mean?: unknown; variance?: unknown } | undefined, show(spec.score_method ?? 'ability'), r.abilities.length - thetas.length)}
${wrightMap(thetas, r.item_params)}
${itemInformationPlot(r.item_params, flagged)}
</div></section>
${driftSection(spec, m)}
<section id="items"><h2>Items (${count(nItems)}; flagged ${count(flagged.size)})</h2>
${itemTable(rows)}</section>
${itemCurves(
  rows.map((x) => ({ it: x.it, flagged: x.flags.length > 0 })),
  observedGroups(m),
)}
</body></html>
`;
}
