/**
 * The item table: one row per item, flagged items first (by their main flag, then id), with the
 * parameters and their standard errors, the answer counts, and the item fit: S-X2 where it was
 * computed (S-X2* its generalisation to incomplete designs), the reason where it was not, and the
 * infit/outfit mean squares (with their standardised z) that exist on any design.
 */
import type { ItemParamsRecord } from '../contract/types.js';
import { count, escapeHtml, fmt } from './format.js';

export interface ItemRow {
  readonly it: ItemParamsRecord;
  /** Flags in words. */
  readonly flags: readonly string[];
}

function fitCells(it: ItemParamsRecord): string {
  const f = it.fit;
  if (!f) return '<td colspan="3" class="why">not in the result</td>';
  if (f.statistic === null)
    return `<td colspan="3" class="why">not computed: ${escapeHtml(typeof f.reason === 'string' ? f.reason : 'no reason given')}</td>`;
  const mark = f.statistic === 'S-X2' ? '' : '*';
  return `<td>${fmt(f.value, 2)}${mark}</td><td>${fmt(f.df, 0)}</td><td>${fmt(f.p)}</td>`;
}

function meanSquare(v: number | undefined, z: number | null | undefined): string {
  if (v === undefined) return '<td>–</td>';
  return `<td>${fmt(v, 2)}${z === null || z === undefined ? '' : ` <small>(z ${fmt(z, 1)})</small>`}</td>`;
}

function row(r: ItemRow, cols: { c: boolean; u: boolean }): string {
  const { it } = r;
  const ms = it.mean_squares;
  return `<tr${r.flags.length ? ' class="flagged"' : ''}><th scope="row"><a href="#item-${escapeHtml(encodeURIComponent(it.item_id))}">${escapeHtml(it.item_id)}</a>${it.anchored ? ' <span class="tag">anchor</span>' : ''}</th>
<td class="flags">${r.flags.map(escapeHtml).join('; ')}</td><td>${count(it.n)}</td><td>${fmt(it.p_correct, 2)}</td><td>${fmt(it.params.a)}</td><td>${fmt(it.se?.a)}</td><td>${fmt(it.params.b)}</td><td>${fmt(it.se?.b)}</td>${
    cols.c ? `<td>${fmt(it.params.c)}</td><td>${fmt(it.se?.c)}</td>` : ''
  }${cols.u ? `<td>${fmt(it.params.u)}</td><td>${fmt(it.se?.u)}</td>` : ''}${fitCells(it)}${meanSquare(ms?.infit, ms?.infit_z)}${meanSquare(ms?.outfit, ms?.outfit_z)}</tr>`;
}

export function itemTable(rows: readonly ItemRow[]): string {
  const cols = {
    c: rows.some((r) => r.it.params.c !== undefined),
    u: rows.some((r) => r.it.params.u !== undefined),
  };
  const th = (t: string, title?: string) =>
    `<th scope="col"${t === 'flags' ? ' class="flags"' : ''}${title ? ` title="${escapeHtml(title)}"` : ''}>${t}</th>`;
  const head = [
    th('item'),
    th('flags'),
    th('answers'),
    th('p correct', 'proportion of right answers'),
    th('a', 'discrimination'),
    th('SE a'),
    th('b', 'difficulty'),
    th('SE b'),
    ...(cols.c ? [th('c', 'lower asymptote (guessing)'), th('SE c')] : []),
    ...(cols.u ? [th('u', 'upper asymptote'), th('SE u')] : []),
    th('S-X2', 'Orlando–Thissen item fit'),
    th('df'),
    th('p', 'p of S-X2'),
    th('infit', 'information-weighted mean square (z: standardised)'),
    th('outfit', 'unweighted mean square (z: standardised)'),
  ].join('');
  const incomplete = rows.some((r) => r.it.fit?.statistic === 'S-X2-incomplete');
  const nFlagged = rows.filter((r) => r.flags.length > 0).length;
  const caption = `Items (${count(rows.length)}; ${count(nFlagged)} flagged, listed first by flag, then by id). Mean squares near 1 fit; above 1.5 with z above 2 is noise the model does not explain.${
    incomplete
      ? ' S-X2*: the statistic generalised to incomplete designs (mirt computes S-X2 on complete data only).'
      : ''
  }`;
  return `<table class="items"><caption>${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>
${rows.map((r) => row(r, cols)).join('\n')}
</tbody></table>`;
}
