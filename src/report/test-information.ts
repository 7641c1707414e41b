/**
 * The test information curve people read as "how precisely does the test measure at theta", and
 * its standard error 1/sqrt(I) on its own right-hand axis.
 *
 * On complete data every learner took every item: the information of the whole bank is the
 * test's. On incomplete data no learner took the bank, and its information (hundreds of items)
 * says nothing about a learner's precision. What learners did take: averaged over learners, the
 * information of the form learner v answered is
 *
 *   (1/N) sum_v sum_{j in form v} I_j(theta) = sum_j (n_j / N) I_j(theta),
 *
 * exactly, from each item's answer count n_j; its length is the mean form length m = sum_j n_j/N.
 * A typical form is the median length k: drawn as (k / m) sum_j (n_j / N) I_j(theta), the average
 * form rescaled to k items (targeted forms keep their targeting). Without answer counts (results
 * of the R service) the curve is the bank's, and labelled so.
 */
import type { ItemParamsRecord } from '../contract/types.js';
import { itemInformation } from '../engine/models/logistic-theta.js';
import { count, escapeHtml, finite, fmt } from './format.js';
import { chart, type Frame, legend, line, niceTicks } from './svg.js';

export const THETA = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);

export interface InformationCurve {
  readonly kind: 'complete' | 'typical-form' | 'bank';
  /** Information at each THETA. */
  readonly values: number[];
  /** Items in the form drawn (the bank's size for complete data and the bank). */
  readonly items: number;
  /** What the curve is, in words (legend and caption). */
  readonly label: string;
}

/** I_j(theta) of an item record (IRT form to slope-intercept: d = -a b). */
export function itemInfo(it: ItemParamsRecord, theta: number): number {
  const { a, b } = it.params;
  return itemInformation(a, -a * b, it.params.c ?? 0, it.params.u ?? 1, theta);
}

/**
 * The curve to draw. `nUsers`, `nObs`: the model's counts; `medianAnswers`: the median number of
 * answers per learner when the result carries it (observed-groups.ts), else the mean is used.
 */
export function informationCurve(
  items: readonly ItemParamsRecord[],
  nUsers: number | null,
  nObs: number | null,
  medianAnswers: number | null,
): InformationCurve {
  const J = items.length;
  const bank = THETA.map((t) => items.reduce((s, it) => s + itemInfo(it, t), 0));
  const complete = nUsers !== null && nObs !== null && nObs >= J * nUsers;
  if (complete || nUsers === null || !(nUsers > 0))
    return {
      kind: complete ? 'complete' : 'bank',
      values: bank,
      items: J,
      label: complete
        ? `test information (all ${count(J)} items, which every learner answered)`
        : `bank information (all ${count(J)} items at once; the result does not say how many each learner answered)`,
    };
  const counted = items.every((it) => finite(it.n));
  const mean = counted
    ? items.reduce((s, it) => s + (it.n as number), 0) / nUsers
    : (nObs as number) / nUsers;
  const k = medianAnswers ?? mean;
  const values = counted
    ? THETA.map(
        (t) => (k / mean) * items.reduce((s, it) => s + ((it.n as number) / nUsers) * itemInfo(it, t), 0),
      )
    : bank.map((v) => (k / J) * v);
  const length = Number.isInteger(k) ? String(k) : fmt(k, 1);
  return {
    kind: 'typical-form',
    values,
    items: k,
    label: `information of a typical form: ${length} items, the ${medianAnswers !== null ? 'median' : 'mean'} number of answers per learner${counted ? ' (the items learners took, weighted by how often)' : ' (drawn at random from the bank)'}`,
  };
}

/** The plot: information on the left axis, its standard error on the right. */
export function informationPlot(curve: InformationCurve, bankPeak: number): string {
  const info = curve.values;
  // A very steep item makes a spike that flattens everything else: cap the axis at 4x the mean
  // information (the spike is drawn to the top edge) and say so.
  const mean = info.reduce((s, v) => s + v, 0) / info.length;
  const peak = Math.max(...info);
  const top = Math.max(Math.min(peak, 4 * mean), 1e-9) * 1.05;
  const se = info.map((i) => (i > 0 ? 1 / Math.sqrt(i) : Number.POSITIVE_INFINITY));
  const seTop = Math.min(3, Math.max(...se.filter(Number.isFinite), 0.1)) * 1.05;
  const f: Frame = { width: 460, height: 260, x: [-4, 4], y: [0, top], y2: [0, seTop] };
  const yTicks = niceTicks(top);
  const body =
    line(f, THETA, info, 'info') +
    line(f, THETA, se, 'se', f.y2) +
    legend(f, [
      ['info', curve.kind === 'bank' ? 'bank information' : 'information'],
      ['se', 'standard error (right axis)'],
    ]) +
    (peak > top
      ? `<text x="${f.width - 60}" y="22" class="tick end">peak ${peak.toPrecision(3)} cut off</text>`
      : '');
  const svg = chart(
    f,
    {
      xTicks: [-4, -3, -2, -1, 0, 1, 2, 3, 4],
      yTicks,
      xTitle: 'ability (theta)',
      yTitle: curve.kind === 'bank' ? 'bank information' : 'information',
      y2Ticks: niceTicks(seTop),
      y2Title: 'standard error of theta',
    },
    body,
    'Test information and standard error by ability',
    'chart-information',
  );
  const bankNote =
    curve.kind === 'typical-form'
      ? ` The whole bank's information peaks at ${bankPeak.toPrecision(3)}: no learner answered all of it.`
      : '';
  return `<figure>${svg}<figcaption>${escapeHtml(`Solid: ${curve.label}. Dashed: its standard error 1/√I, on the right axis.${bankNote}`)}</figcaption></figure>`;
}
