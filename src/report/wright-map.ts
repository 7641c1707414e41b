/**
 * The person–item (Wright) map: learners' ability estimates and items' difficulties b on one
 * vertical logit scale, learners to the left, items to the right. Items sitting where no learner
 * is measure no one; learners above or below every item are measured poorly. For the 3PL/4PL b
 * is the curve's location (where it is halfway between its asymptotes). Up to 40 items are
 * named, side by side in their band of 0.25; more are counted per band.
 */
import type { ItemParamsRecord } from '../contract/types.js';
import { histogram } from './ability-plot.js';
import { count, escapeHtml } from './format.js';

const W = 460;
const H = 420;
const TOP = 24;
const BOTTOM = 30;
const MID = 250;
const LEFT = 50;

function y(theta: number): number {
  return H - BOTTOM - ((Math.min(Math.max(theta, -4), 4) + 4) / 8) * (H - TOP - BOTTOM);
}

export function wrightMap(thetas: readonly number[], items: readonly ItemParamsRecord[]): string {
  const people = histogram(thetas);
  const bs = items.map((it) => it.params.b);
  const itemBins = histogram(bs);
  const band = (H - TOP - BOTTOM) / 32;
  const pMax = Math.max(1, ...people);
  const out: string[] = [
    `<path d="M${LEFT} ${TOP}V${H - BOTTOM}M${MID} ${TOP}V${H - BOTTOM}" class="axis"/>`,
    ...[-4, -3, -2, -1, 0, 1, 2, 3, 4].map(
      (t) =>
        `<text x="${LEFT - 4}" y="${(y(t) + 3).toFixed(1)}" class="tick end">${t}</text><path d="M${LEFT} ${y(t).toFixed(1)}h-3" class="axis"/>`,
    ),
    `<text transform="translate(12 ${(TOP + (H - TOP - BOTTOM) / 2).toFixed(1)}) rotate(-90)" class="title mid">ability theta / difficulty b (logits)</text>`,
    `<text x="${(LEFT + MID) / 2}" y="14" class="title mid">learners (${count(thetas.length)})</text>`,
    `<text x="${(MID + W) / 2}" y="14" class="title mid">items (${count(items.length)})</text>`,
    `<text x="${(LEFT + MID) / 2}" y="${H - 8}" class="tick mid">each bar: learners in a band of 0.25</text>`,
  ];
  let d = '';
  people.forEach((n, i) => {
    if (n === 0) return;
    const w = (n / pMax) * (MID - LEFT - 6);
    const top = y(-4 + (i + 1) * 0.25);
    d += `M${(MID - w).toFixed(1)} ${top.toFixed(1)}h${w.toFixed(1)}v${(band - 1).toFixed(1)}h${(-w).toFixed(1)}z`;
  });
  out.push(`<path d="${d}" class="bar"/>`);
  if (items.length <= 40) {
    // Names at their b, side by side within a band.
    const used = new Array<number>(32).fill(0);
    const order = [...items].sort((p, q) => p.params.b - q.params.b);
    for (const it of order) {
      const k = Math.floor((Math.min(Math.max(it.params.b, -3.999), 3.999) + 4) / 0.25);
      const x = MID + 6 + used[k];
      const yMid = y(-4 + (k + 0.5) * 0.25);
      const label = it.item_id.length > 12 ? `${it.item_id.slice(0, 11)}…` : it.item_id;
      used[k] += label.length * 6 + 8;
      out.push(
        `<text x="${x}" y="${(yMid + 3.5).toFixed(1)}" class="tick item-mark"><title>${escapeHtml(`${it.item_id}: b = ${it.params.b.toFixed(2)}`)}</title>${escapeHtml(label)}</text>`,
      );
    }
  } else {
    const iMax = Math.max(1, ...itemBins);
    let e = '';
    itemBins.forEach((n, i) => {
      if (n === 0) return;
      const w = (n / iMax) * (W - MID - 40);
      const top = y(-4 + (i + 1) * 0.25);
      e += `M${MID} ${top.toFixed(1)}h${w.toFixed(1)}v${(band - 1).toFixed(1)}h${(-w).toFixed(1)}z`;
      out.push(
        `<text x="${(MID + w + 3).toFixed(1)}" y="${(top + band - 1).toFixed(1)}" class="tick">${n}</text>`,
      );
    });
    out.push(`<path d="${e}" class="bar items"/>`);
  }
  const beyond = bs.filter((b) => Math.abs(b) > 4).length + thetas.filter((t) => Math.abs(t) > 4).length;
  const svg = `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Person-item map" id="chart-wright" class="chart">${out.join('')}</svg>`;
  return `<figure>${svg}<figcaption>${escapeHtml(
    `Person–item (Wright) map: learners' ability estimates (left) and items' difficulties b (right) on one scale. Items far from the learners measure no one.${beyond ? ` ${count(beyond)} value(s) beyond ±4 are drawn at the edge.` : ''}`,
  )}</figcaption></figure>`;
}
