/**
 * Item information curves, all items on one plot (mirt's plot(type = 'infotrace')): where each
 * item measures and how much. Flagged items are drawn in a second colour. The axis is capped at
 * the 95th percentile of the items' peaks (a near-vertical item would flatten all others), and
 * the curves cut off are counted. One path per colour, 33 points per curve (17 above 200 items,
 * where single curves are no longer told apart and their bytes would dominate the page).
 */
import type { ItemParamsRecord } from '../contract/types.js';
import { count, escapeHtml } from './format.js';
import { chart, type Frame, legend, niceTicks, pathData } from './svg.js';
import { itemInfo } from './test-information.js';

const FINE = Array.from({ length: 33 }, (_, i) => -4 + i * 0.25);
const COARSE = Array.from({ length: 17 }, (_, i) => -4 + i * 0.5);

export function itemInformationPlot(
  items: readonly ItemParamsRecord[],
  flagged: ReadonlySet<string>,
): string {
  const GRID = items.length > 200 ? COARSE : FINE;
  const curves = items.map((it) => GRID.map((t) => itemInfo(it, t)));
  const peaks = curves.map((c) => Math.max(...c)).sort((p, q) => p - q);
  const p95 = peaks[Math.min(peaks.length - 1, Math.floor(0.95 * peaks.length))] ?? 1;
  const top = Math.max(p95, 1e-6) * 1.1;
  const cut = peaks.filter((p) => p > top).length;
  const f: Frame = { width: 460, height: 260, x: [-4, 4], y: [0, top] };
  const path = (sel: (id: string) => boolean, cls: string) => {
    const d = items
      .map((it, i) => (sel(it.item_id) ? pathData(f, GRID, curves[i], f.y, 0) : ''))
      .filter(Boolean)
      .join('');
    return d ? `<path d="${d}" class="${cls}"/>` : '';
  };
  const body =
    path((id) => !flagged.has(id), 'item-info') +
    path((id) => flagged.has(id), 'item-info flagged-line') +
    legend(f, [
      ['item-info', 'item'],
      ...(flagged.size ? ([['item-info flagged-line', 'flagged item']] as [string, string][]) : []),
    ]);
  const svg = chart(
    f,
    {
      xTicks: [-4, -3, -2, -1, 0, 1, 2, 3, 4],
      yTicks: niceTicks(top),
      xTitle: 'ability (theta)',
      yTitle: 'item information',
    },
    body,
    'Item information curves',
    'chart-item-information',
  );
  return `<figure>${svg}<figcaption>${escapeHtml(
    `Information of each of the ${count(items.length)} items by ability.${cut ? ` ${count(cut)} curve(s) peak above the axis (cut off at the top).` : ''}`,
  )}</figcaption></figure>`;
}
