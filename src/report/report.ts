/**
 * The run report: one self-contained HTML page (inline SVG and CSS, no scripts, nothing fetched)
 * from a /calibrate response, for a psychometrician to look at: the fit, the data hygiene, the
 * test information and the ability distribution, flagged items first, then every item with its
 * characteristic curve.
 */
import type { CalibrateResponse, ItemParamsRecord } from '../contract/types.js';
import {
  describeFlag,
  itemFlags as engineItemFlags,
  ITEM_FLAGS,
  type ItemFlag,
  type ItemFlagInput,
} from '../engine/item-flags.js';
import { probabilityIrt } from '../engine/models/logistic.js';
import type { ItemBank } from '../engine/models.js';
import { testInformation } from '../engine/reliability.js';
import { DRIFT_STYLE, driftSection } from './drift-section.js';
import { bars, chart, escapeHtml, type Frame, polyline } from './svg.js';

/**
 * Why an item is flagged, in words: the flags the engine wrote (`flags`, which include what only
 * the run knows: not converged, prior-dominated), or for results without them (the R service,
 * older files) the same rules applied to the record (engine/item-flags.ts: one definition).
 * `notIdentified`: the result's `metrics.not_identified.items` (calibrators/identification.ts).
 */
export function itemFlags(it: ItemParamsRecord, notIdentified?: ReadonlySet<string>): string[] {
  const input = flagInput(it, notIdentified);
  const codes: string[] = it.flags ? [...it.flags] : engineItemFlags(input);
  if (input.notIdentified && !codes.includes('not_identified')) codes.push('not_identified');
  return codes.map((f) => (isItemFlag(f) ? describeFlag(f, input) : f));
}

function flagInput(it: ItemParamsRecord, notIdentified?: ReadonlySet<string>): ItemFlagInput {
  const m = it.mean_squares;
  return {
    a: it.params.a,
    b: it.params.b,
    c: it.params.c,
    u: it.params.u,
    n: it.n,
    pCorrect: it.p_correct,
    seB: it.se?.b,
    fitP: it.fit && it.fit.statistic !== null ? it.fit.p : null,
    meanSquares: m
      ? {
          infit: m.infit,
          infitZ: m.infit_z ?? Number.NaN,
          outfit: m.outfit,
          outfitZ: m.outfit_z ?? Number.NaN,
        }
      : null,
    notIdentified: notIdentified?.has(it.item_id) ?? false,
  };
}

function isItemFlag(f: string): f is ItemFlag {
  return (ITEM_FLAGS as readonly string[]).includes(f);
}

const THETA = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);

function icc(it: ItemParamsRecord): number[] {
  const { a, b } = it.params;
  return THETA.map((t) => probabilityIrt(a, b, it.params.c ?? 0, it.params.u ?? 1, t));
}

function fmt(v: unknown, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–';
}

function informationChart(items: readonly ItemParamsRecord[]): string {
  const bank: ItemBank = {
    a: Float64Array.from(items, (it) => it.params.a),
    d: Float64Array.from(items, (it) => -it.params.a * it.params.b),
    c: Float64Array.from(items, (it) => it.params.c ?? 0),
    u: Float64Array.from(items, (it) => it.params.u ?? 1),
  };
  const info = THETA.map((t) => testInformation(bank, t));
  // A very steep item makes a spike that flattens everything else: cap the axis at 4x the mean
  // information (the spike is drawn to the top edge) and say so.
  const mean = info.reduce((s, v) => s + v, 0) / info.length;
  const peak = Math.max(...info);
  const top = Math.max(1, Math.min(peak, 4 * mean)) * 1.05;
  const f: Frame = { width: 420, height: 220, x: [-4, 4], y: [0, top] };
  const se = info.map((i) => (i > 0 ? 1 / Math.sqrt(i) : Number.POSITIVE_INFINITY));
  const seScaled = se.map((s) => Math.min(s, 2) * (top / 2));
  const body = polyline(f, THETA, info, 'info') + polyline(f, THETA, seScaled, 'se');
  const ticks = [0, top / 2, top].map((v) => Number(v.toPrecision(2)));
  const note =
    peak > top ? `<text x="60" y="18" class="tick">peak ${peak.toPrecision(3)} cut off</text>` : '';
  return chart(f, [-4, -2, 0, 2, 4], ticks, body + note, 'Test information and standard error by theta');
}

function abilityChart(thetas: readonly number[]): string {
  const from = -4;
  const width = 0.25;
  const counts = new Array(32).fill(0);
  for (const t of thetas) {
    const k = Math.floor((Math.min(Math.max(t, -3.999), 3.999) - from) / width);
    counts[k]++;
  }
  const top = Math.max(1, ...counts);
  const f: Frame = { width: 420, height: 220, x: [-4, 4], y: [0, top] };
  return chart(
    f,
    [-4, -2, 0, 2, 4],
    [0, top],
    bars(f, from, width, counts),
    'Distribution of ability estimates',
  );
}

function curve(it: ItemParamsRecord): string {
  const f: Frame = { width: 170, height: 96, x: [-4, 4], y: [0, 1] };
  return chart(
    f,
    [-4, 0, 4],
    [0, 1],
    polyline(f, THETA, icc(it), 'icc'),
    `Characteristic curve of ${it.item_id}`,
  );
}

function itemRow(it: ItemParamsRecord, withCurve: boolean, notIdentified: ReadonlySet<string>): string {
  const flags = itemFlags(it, notIdentified);
  const fit = `${
    it.fit && it.fit.statistic !== null
      ? `${fmt(it.fit.value, 2)} (df ${it.fit.df}, p ${fmt(it.fit.p)}${it.fit.statistic === 'S-X2' ? '' : ', incomplete design'})`
      : '–'
  }${it.mean_squares ? `; infit ${fmt(it.mean_squares.infit, 2)}, outfit ${fmt(it.mean_squares.outfit, 2)}` : ''}`;
  return `<tr${flags.length ? ' class="flagged"' : ''}><td>${escapeHtml(it.item_id)}${it.anchored ? ' <span class="tag">anchor</span>' : ''}</td>
<td>${fmt(it.params.a)}</td><td>${fmt(it.se?.a)}</td><td>${fmt(it.params.b)}</td><td>${fmt(it.se?.b)}</td>
<td>${fmt(it.params.c)}</td><td>${fmt(it.params.u)}</td><td>${it.n ?? '–'}</td><td>${fmt(it.p_correct, 2)}</td><td>${fit}</td>
<td>${flags.map(escapeHtml).join('; ')}</td>${withCurve ? `<td>${curve(it)}</td>` : ''}</tr>`;
}

const HEAD =
  '<tr><th>item</th><th>a</th><th>SE a</th><th>b</th><th>SE b</th><th>c</th><th>u</th><th>n</th><th>p correct</th><th>S-X2; infit, outfit</th><th>flags</th>';

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}
td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:middle;white-space:nowrap}td:nth-child(11){white-space:normal}td:first-child,th:first-child,td:nth-child(11){text-align:left}
tr.flagged td{background:#fff4e5}.axis{stroke:#888}.tick{font-size:10px;fill:#555}.icc,.info{fill:none;stroke:#1f77b4;stroke-width:1.5}
.se{fill:none;stroke:#d62728;stroke-dasharray:4 3}.bar{fill:#1f77b4}.tag{font-size:11px;background:#e8eefc;padding:0 4px;border-radius:3px}
.charts{display:flex;gap:32px;flex-wrap:wrap}.note{background:#fff4e5;padding:4px 8px}dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#666}`;

/** Dropped-row counts from either hygiene shape: the engine's `dropped` object or the job's flat keys. */
function droppedCounts(h: Record<string, unknown>): [string, number][] {
  const src =
    typeof h.dropped === 'object' && h.dropped !== null
      ? (h.dropped as Record<string, unknown>)
      : Object.fromEntries(
          ['null_correct', 'invalid_correct', 'missing_id', 'duplicate', 'excluded_item_answers'].map((k) => [
            k,
            h[k],
          ]),
        );
  return Object.entries(src).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
}

function listOf(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : [];
}

/**
 * `missing`: optional parts the result does not have (result-shape.ts), said on the page. The
 * result must have passed `checkResult` when it comes from outside.
 */
export function renderReport(r: CalibrateResponse, missing: readonly string[] = []): string {
  const m = (r.fit_meta.metrics ?? {}) as Record<string, unknown>;
  const spec = (r.fit_meta.model_spec ?? {}) as Record<string, unknown>;
  const hygiene = (typeof m.hygiene === 'object' && m.hygiene !== null ? m.hygiene : {}) as Record<
    string,
    unknown
  >;
  const notIdentifiedList = (m.not_identified as { items?: unknown } | undefined)?.items;
  const notIdentified = new Set(Array.isArray(notIdentifiedList) ? notIdentifiedList.map(String) : []);
  const flagged = r.item_params.filter((it) => itemFlags(it, notIdentified).length > 0);
  const latent = spec.latent as { mean?: number; variance?: number } | undefined;
  const show = (v: unknown) => (v === undefined || v === null ? '–' : String(v));
  const facts: [string, string][] = [
    ['model', show(spec.model)],
    ['run', `${show(r.fit_meta.run_id)} (version ${r.item_params[0]?.version ?? '–'})`],
    ['items / users / answers', `${show(spec.n_items)} / ${show(spec.n_users)} / ${show(spec.n_obs)}`],
    ['logLik / AIC / BIC', `${fmt(m.logLik, 2)} / ${fmt(m.AIC, 1)} / ${fmt(m.BIC, 1)}`],
    ['converged', `${show(m.converged)} after ${show(m.cycles)} cycles`],
    ['marginal reliability', fmt(m.reliability)],
    ['latent distribution', latent ? `N(${fmt(latent.mean)}, ${fmt(latent.variance)})` : '–'],
    ['3PL/4PL prior on c', show(spec.c_prior)],
    ['4PL prior on u', show(spec.u_prior)],
  ];
  const dropped = droppedCounts(hygiene).map(([k, v]) => `${escapeHtml(k)} ${v}`);
  const excluded = listOf(hygiene.excluded_items).map(
    (x) => `${escapeHtml(show(x.id))} (${escapeHtml(show(x.reason))}, n=${escapeHtml(show(x.n))})`,
  );
  const thetas = r.abilities.map((x) => x.theta).filter((t) => typeof t === 'number' && Number.isFinite(t));
  const noTheta = r.abilities.length - thetas.length;
  const notes = [
    ...(missing.length ? [`Not in the result: ${missing.join('; ')}.`] : []),
    ...(notIdentified.size
      ? [`Not identified (${notIdentified.size} item(s)): ${[...notIdentified].join(', ')}.`]
      : []),
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Calibration report ${escapeHtml(show(r.fit_meta.run_id))}</title><style>${STYLE}${DRIFT_STYLE}</style></head><body>
<h1>Calibration report</h1>
${notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>Data</h2><p>Dropped rows: ${dropped.length ? dropped.join(', ') : 'none'}.</p><p>Excluded items: ${excluded.length ? excluded.join(', ') : 'none'}.</p>
<h2>Test</h2><div class="charts"><figure>${informationChart(r.item_params)}<figcaption>Test information (solid) and standard error of theta (dashed, drawn on 0–2 over the same height)</figcaption></figure>
<figure>${abilityChart(thetas)}<figcaption>Ability estimates (${thetas.length} users${noTheta ? `; ${noTheta} without a finite estimate, not shown` : ''})</figcaption></figure></div>
${driftSection(spec, m)}
<h2 id="flagged">Flagged items (${flagged.length})</h2>
${flagged.length ? `<table>${HEAD}</tr>${flagged.map((it) => itemRow(it, false, notIdentified)).join('\n')}</table>` : '<p>None.</p>'}
<h2 id="items">All items (${r.item_params.length})</h2>
<table>${HEAD}<th>curve</th></tr>${r.item_params.map((it) => itemRow(it, true, notIdentified)).join('\n')}</table>
</body></html>
`;
}
