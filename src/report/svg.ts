/**
 * Small SVG charts as strings: a frame with titled axes (and an optional right-hand axis with its
 * own scale), lines, dots and bars on linear scales. No dependencies, nothing fetched. Paths are
 * written with relative steps between rounded points (exact, no drift): a report of a large bank
 * draws thousands of curves, and their bytes are most of the page.
 */
import { escapeHtml } from './format.js';

export { escapeHtml };

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  /** A right-hand axis with its own scale (e.g. the standard error beside the information). */
  readonly y2?: readonly [number, number];
  /** Small multiples: narrower margins. */
  readonly compact?: boolean;
}

export interface Axes {
  readonly xTicks: readonly number[];
  readonly yTicks: readonly number[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly y2Ticks?: readonly number[];
  readonly y2Title?: string;
}

/** Room for ticks and titles: left (y ticks, y title), bottom (x ticks, x title), right (y2). */
function pad(f: Frame) {
  if (f.compact) return { left: 34, right: 6, top: 6, bottom: 30 };
  return { left: 50, right: f.y2 ? 50 : 10, top: 10, bottom: 36 };
}

/** The pixel x of data x. */
export function xOf(f: Frame, x: number): number {
  const p = pad(f);
  return p.left + ((x - f.x[0]) / (f.x[1] - f.x[0])) * (f.width - p.left - p.right);
}

/** The pixel y of data y on the left axis (or on `range`, e.g. the right axis's). */
export function yOf(f: Frame, y: number, range: readonly [number, number] = f.y): number {
  const p = pad(f);
  return f.height - p.bottom - ((y - range[0]) / (range[1] - range[0])) * (f.height - p.top - p.bottom);
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(3)).toString();
}

/** The axes, tick labels and axis titles of a frame (no data). */
export function axes(f: Frame, a: Axes): string {
  const p = pad(f);
  const x0 = xOf(f, f.x[0]);
  const x1 = xOf(f, f.x[1]);
  const y0 = yOf(f, f.y[0]);
  const y1 = yOf(f, f.y[1]);
  const midY = (y0 + y1) / 2;
  const out = [
    `<path d="M${x0} ${y1}V${y0}H${x1}${f.y2 ? `V${y1}` : ''}" class="axis"/>`,
    ...a.xTicks.map(
      (t) => `<text x="${xOf(f, t).toFixed(1)}" y="${y0 + 13}" class="tick mid">${num(t)}</text>`,
    ),
    ...a.yTicks.map(
      (t) => `<text x="${x0 - 4}" y="${(yOf(f, t) + 3).toFixed(1)}" class="tick end">${num(t)}</text>`,
    ),
    `<text x="${((x0 + x1) / 2).toFixed(1)}" y="${f.height - 4}" class="title mid">${escapeHtml(a.xTitle)}</text>`,
    `<text transform="translate(12 ${midY.toFixed(1)}) rotate(-90)" class="title mid">${escapeHtml(a.yTitle)}</text>`,
  ];
  if (f.y2 && a.y2Ticks) {
    const r = f.y2;
    out.push(
      ...a.y2Ticks.map(
        (t) => `<text x="${x1 + 4}" y="${(yOf(f, t, r) + 3).toFixed(1)}" class="tick">${num(t)}</text>`,
      ),
      `<text transform="translate(${f.width - p.right + 42} ${midY.toFixed(1)}) rotate(90)" class="title mid se-title">${escapeHtml(a.y2Title ?? '')}</text>`,
    );
  }
  return out.join('');
}

/** An SVG of the frame's size with its axes and the body drawn by `content`. */
export function chart(f: Frame, a: Axes, content: string, label: string, id?: string): string {
  return `<svg viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeHtml(label)}"${id ? ` id="${id}"` : ''} class="chart">${axes(f, a)}${content}</svg>`;
}

/**
 * Path data through (xs[i], ys[i]) with y clipped to `range`: the first point absolute, then
 * relative steps between points rounded to `digits` decimals (so the rounding never accumulates).
 */
export function pathData(
  f: Frame,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  range: readonly [number, number] = f.y,
  digits = 1,
): string {
  const k = 10 ** digits;
  let head = '';
  const steps: [number, number][] = [];
  let px = 0;
  let py = 0;
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(ys[i])) continue;
    const x = Math.round(xOf(f, xs[i]) * k);
    const y = Math.round(yOf(f, Math.min(Math.max(ys[i], range[0]), range[1]), range) * k);
    if (head === '') head = `M${x / k} ${y / k}`;
    else {
      // Equal consecutive steps (flat tails, straight runs) become one: the same points, fewer bytes.
      const last = steps.at(-1);
      const dx = x - px;
      const dy = y - py;
      if (last && last[1] * dx === last[0] * dy && Math.sign(last[0]) === Math.sign(dx)) {
        last[0] += dx;
        last[1] += dy;
      } else steps.push([dx, dy]);
    }
    px = x;
    py = y;
  }
  let tail = '';
  for (const [dx, dy] of steps)
    for (const v of [dx / k, dy / k]) tail += v < 0 || tail === '' ? String(v) : ` ${v}`;
  return tail ? `${head}l${tail}` : head;
}

/** A line through (xs[i], ys[i]), clipped to the frame's (or `range`'s) y range. */
export function line(
  f: Frame,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  cls: string,
  range: readonly [number, number] = f.y,
): string {
  return `<path d="${pathData(f, xs, ys, range)}" class="${cls}"/>`;
}

/** Round dots at (xs[i], ys[i]) as one path of zero-length strokes (CSS: stroke-linecap round). */
export function dots(f: Frame, xs: ArrayLike<number>, ys: ArrayLike<number>, cls: string): string {
  let d = '';
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) continue;
    const x = Math.min(Math.max(xs[i], f.x[0]), f.x[1]);
    d += `M${Math.round(xOf(f, x))} ${Math.round(yOf(f, ys[i]))}h0`;
  }
  return d ? `<path d="${d}" class="${cls}"/>` : '';
}

/** Bars of a histogram: counts over equal bins starting at `from`, each `width` wide. */
export function bars(f: Frame, from: number, width: number, counts: ArrayLike<number>, cls = 'bar'): string {
  let d = '';
  const base = yOf(f, 0);
  for (let i = 0; i < counts.length; i++) {
    if (!(counts[i] > 0)) continue;
    const x0 = xOf(f, from + i * width);
    const x1 = xOf(f, from + (i + 1) * width);
    const y = yOf(f, Math.min(counts[i], f.y[1]));
    d += `M${x0.toFixed(1)} ${base.toFixed(1)}V${y.toFixed(1)}H${Math.max(x0, x1 - 1).toFixed(1)}V${base.toFixed(1)}z`;
  }
  return d ? `<path d="${d}" class="${cls}"/>` : '';
}

/** A legend line: a short sample of each class with its text, top-left inside the frame. */
export function legend(f: Frame, entries: readonly [cls: string, text: string][]): string {
  const x = xOf(f, f.x[0]) + 8;
  return entries
    .map(([cls, text], i) => {
      const y = yOf(f, f.y[1]) + 10 + i * 13;
      return `<path d="M${x} ${y - 3}h16" class="${cls}"/><text x="${x + 20}" y="${y}" class="tick">${escapeHtml(text)}</text>`;
    })
    .join('');
}

/** Round tick values from 0 (or `lo`) to about `hi`: 0, step, 2 step, ... with 3–6 ticks. */
export function niceTicks(hi: number, lo = 0): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= 5) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step)
    out.push(Number(v.toPrecision(6)));
  return out;
}
