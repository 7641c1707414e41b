/**
 * Every item's characteristic curve with the observed proportions right by ability group over it
 * (mirt's itemfit empirical plot): dots on the curve, the model describes the item; dots off it,
 * look at the item. Small multiples in the item table's order. Their axes are drawn once and
 * reused (`<use>`), the curves as compact paths: a bank of 1,000 items stays a page of a few
 * hundred kB. Above FOLD_ABOVE items the curves fold into a <details> section.
 */
import type { ItemParamsRecord } from '../contract/types.js';
import { probabilityIrt } from '../engine/models/logistic.js';
import { count, escapeHtml } from './format.js';
import type { ObservedGroup } from './observed-groups.js';
import { axes, dots, type Frame, pathData } from './svg.js';

export const FOLD_ABOVE = 200;

const F: Frame = { width: 200, height: 128, x: [-4, 4], y: [0, 1], compact: true };
const GRID = Array.from({ length: 33 }, (_, i) => -4 + i * 0.25);

/** The shared axes, defined once in a hidden SVG. */
function sharedAxes(): string {
  return `<svg width="0" height="0" class="defs" aria-hidden="true"><defs><g id="icc-axes">${axes(F, {
    xTicks: [-4, -2, 0, 2, 4],
    yTicks: [0, 0.5, 1],
    xTitle: 'ability (theta)',
    yTitle: 'P(right)',
  })}</g></defs></svg>`;
}

function curve(it: ItemParamsRecord, groups: readonly ObservedGroup[] | undefined, flagged: boolean): string {
  const { a, b } = it.params;
  const p = GRID.map((t) => probabilityIrt(a, b, it.params.c ?? 0, it.params.u ?? 1, t));
  const obs = groups
    ? dots(
        F,
        groups.map((g) => g[0]),
        groups.map((g) => (g[1] > 0 ? g[2] / g[1] : Number.NaN)),
        'obs',
      )
    : '';
  const id = escapeHtml(it.item_id);
  return `<figure class="item${flagged ? ' flagged' : ''}" id="item-${escapeHtml(encodeURIComponent(it.item_id))}"><figcaption>${id}${flagged ? ' ⚑' : ''}</figcaption><svg width="${F.width}" height="${F.height}" role="img" aria-label="Curve of ${id}"><use href="#icc-axes"/><path d="${pathData(F, GRID, p, F.y, 0)}" class="icc"/>${obs}</svg></figure>`;
}

export function itemCurves(
  items: readonly { it: ItemParamsRecord; flagged: boolean }[],
  observed: ReadonlyMap<string, readonly ObservedGroup[]>,
): string {
  const withObserved = items.filter((x) => observed.has(x.it.item_id)).length;
  const intro = `<p>Line: the fitted probability of a right answer. ${
    withObserved
      ? `Dots: the proportion right among the item's learners in up to 10 groups of equal size by ability estimate, at the group's mean ability (${count(withObserved)} of ${count(items.length)} items). EAP estimates are pulled toward the mean, the more so the fewer answers a learner has, so the outer groups sit nearer the middle than their true abilities and the dots can look steeper than the curve.`
      : 'The result carries no observed proportions by ability group (written by `fit` and the job, not by the R service): only the fitted curves are drawn.'
  } ⚑: flagged.</p>`;
  const grid = `<div class="curves">${items.map((x) => curve(x.it, observed.get(x.it.item_id), x.flagged)).join('')}</div>`;
  const body =
    items.length > FOLD_ABOVE
      ? `<details><summary>Show the curves of all ${count(items.length)} items (folded: more than ${FOLD_ABOVE})</summary>${grid}</details>`
      : grid;
  return `<section id="curves"><h2>Item characteristic curves</h2>${sharedAxes()}${intro}${body}</section>`;
}
