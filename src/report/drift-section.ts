/**
 * The report's linking section (MIRT_LINK other than none): the linking constants, a table of
 * drifted items, and a plot of b now (this run, on the reference scale) against b before (the
 * reference): stable items lie on the diagonal, a leaked item falls below it. Reads
 * model_spec.linking_constants and metrics.drift; the job's own report has every common item
 * (`drift.items`), a report drawn from stored metrics the drifted ones (`drift.flagged`).
 */
import { chart, escapeHtml, type Frame, xOf, yOf } from './svg.js';

interface DriftItem {
  item_id: string;
  b_before: number;
  b_now: number;
  displacement: number;
  z: number;
  drift: boolean;
}

function items(v: unknown): DriftItem[] {
  if (!Array.isArray(v)) return [];
  return v.filter(
    (x): x is DriftItem =>
      typeof x === 'object' &&
      x !== null &&
      Number.isFinite((x as DriftItem).b_before) &&
      Number.isFinite((x as DriftItem).b_now),
  );
}

function f3(x: unknown): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '–';
}

function plot(list: readonly DriftItem[]): string {
  const all = list.flatMap((x) => [x.b_before, x.b_now]);
  const lo = Math.floor(Math.min(-2, ...all));
  const hi = Math.ceil(Math.max(2, ...all));
  const f: Frame = { width: 340, height: 340, x: [lo, hi], y: [lo, hi] };
  const px = (x: number) => xOf(f, x);
  const py = (y: number) => yOf(f, y);
  const diagonal = `<line x1="${px(lo)}" y1="${py(lo)}" x2="${px(hi)}" y2="${py(hi)}" class="axis"/>`;
  const dots = list
    .map(
      (x) =>
        `<circle cx="${px(x.b_before).toFixed(1)}" cy="${py(x.b_now).toFixed(1)}" r="${x.drift ? 4 : 2.5}" class="${x.drift ? 'drift' : 'stable'}"><title>${escapeHtml(x.item_id)}: ${x.b_before.toFixed(2)} -> ${x.b_now.toFixed(2)}</title></circle>`,
    )
    .join('');
  const ticks = [lo, 0, hi];
  return chart(
    f,
    {
      xTicks: ticks,
      yTicks: ticks,
      xTitle: 'b before (reference run)',
      yTitle: 'b now (on the reference scale)',
    },
    diagonal + dots,
    'b now against b before',
    'chart-drift',
  );
}

/** Ids of the items that drifted (the item table flags them too). */
export function driftedItems(metrics: Record<string, unknown>): Set<string> {
  const d = (metrics.drift ?? {}) as Record<string, unknown>;
  return new Set(
    [...items(d.items), ...items(d.flagged)].filter((x) => x.drift).map((x) => String(x.item_id)),
  );
}

export const DRIFT_STYLE = '.stable{fill:#1f77b4;opacity:.6}.drift{fill:#d62728}';

/** The section's HTML, or '' when the run was not linked. */
export function driftSection(spec: Record<string, unknown>, metrics: Record<string, unknown>): string {
  const k = spec.linking_constants as Record<string, unknown> | null | undefined;
  if (!k || typeof k !== 'object') return '';
  const d = (metrics.drift ?? {}) as Record<string, unknown>;
  const all = items(d.items);
  const flagged = all.length ? all.filter((x) => x.drift) : items(d.flagged);
  const shown = all.length ? all : flagged;
  const rows = flagged
    .map(
      (x) =>
        `<tr class="flagged"><th scope="row">${escapeHtml(x.item_id)}</th><td>${f3(x.b_before)}</td><td>${f3(x.b_now)}</td><td>${f3(x.displacement)}</td><td>${f3(x.z)}</td></tr>`,
    )
    .join('\n');
  return `<section class="linking"><h2 id="linking">Linking and drift</h2>
<p>Mode ${escapeHtml(String(spec.link ?? '–'))}, method ${escapeHtml(String(k.method))} onto ${escapeHtml(String(k.reference ?? '–'))}: A = ${f3(k.A)}, B = ${f3(k.B)} (theta on the reference scale = A theta + B); ${escapeHtml(String(k.n_common))} common item(s), ${escapeHtml(String(k.n_linking ?? '–'))} used for linking${k.reason ? `; ${escapeHtml(String(k.reason))}` : ''}.</p>
<p>Drift: |z| at least ${escapeHtml(String(d.z_min ?? '–'))} and |shift of b| at least ${escapeHtml(String(d.shift_min ?? '–'))}; ${flagged.length} item(s) drifted and were left out of the linking.</p>
${flagged.length ? `<table><caption>Drifted items (${flagged.length}), left out of the linking</caption><thead><tr><th scope="col">item</th><th scope="col">b before</th><th scope="col">b now</th><th scope="col">displacement</th><th scope="col">z</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
${shown.length ? `<figure>${plot(shown)}<figcaption>b now (on the reference scale) against b before; drifted items in red${all.length ? '' : ' (only the drifted items are stored with the run)'}</figcaption></figure>` : ''}</section>`;
}
