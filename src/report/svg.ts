/** Small SVG charts as strings: axes, polylines and bars on a linear scale. No dependencies. */

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

const PAD = { left: 36, right: 8, top: 8, bottom: 22 };

function sx(f: Frame, x: number): number {
  return PAD.left + ((x - f.x[0]) / (f.x[1] - f.x[0])) * (f.width - PAD.left - PAD.right);
}

function sy(f: Frame, y: number): number {
  return f.height - PAD.bottom - ((y - f.y[0]) / (f.y[1] - f.y[0])) * (f.height - PAD.top - PAD.bottom);
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** An SVG with axes, ticks at the given values, and the body drawn by `content`. */
export function chart(f: Frame, xTicks: number[], yTicks: number[], content: string, label: string): string {
  const axes = [
    `<line x1="${sx(f, f.x[0])}" y1="${sy(f, f.y[0])}" x2="${sx(f, f.x[1])}" y2="${sy(f, f.y[0])}" class="axis"/>`,
    `<line x1="${sx(f, f.x[0])}" y1="${sy(f, f.y[0])}" x2="${sx(f, f.x[0])}" y2="${sy(f, f.y[1])}" class="axis"/>`,
    ...xTicks.map(
      (t) => `<text x="${sx(f, t)}" y="${f.height - 6}" class="tick" text-anchor="middle">${num(t)}</text>`,
    ),
    ...yTicks.map(
      (t) => `<text x="${PAD.left - 4}" y="${sy(f, t) + 3}" class="tick" text-anchor="end">${num(t)}</text>`,
    ),
  ];
  return `<svg viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeHtml(label)}">${axes.join('')}${content}</svg>`;
}

/** A polyline through (xs[i], ys[i]), clipped to the frame's y range. */
export function polyline(f: Frame, xs: ArrayLike<number>, ys: ArrayLike<number>, cls: string): string {
  const pts: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    const y = Math.min(Math.max(ys[i], f.y[0]), f.y[1]);
    pts.push(`${sx(f, xs[i]).toFixed(1)},${sy(f, y).toFixed(1)}`);
  }
  return `<polyline points="${pts.join(' ')}" class="${cls}"/>`;
}

/** Bars of a histogram: counts over equal bins starting at `from`, each `width` wide. */
export function bars(f: Frame, from: number, width: number, counts: ArrayLike<number>): string {
  const out: string[] = [];
  for (let i = 0; i < counts.length; i++) {
    const x0 = sx(f, from + i * width);
    const x1 = sx(f, from + (i + 1) * width);
    const y = sy(f, counts[i]);
    out.push(
      `<rect x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, x1 - x0 - 1).toFixed(1)}" height="${(sy(f, 0) - y).toFixed(1)}" class="bar"/>`,
    );
  }
  return out.join('');
}
