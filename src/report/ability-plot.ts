/**
 * The distribution of the ability estimates, with the fitted latent density over it (mirt's
 * N(mean, variance)), scaled to counts: N * bin width * phi((theta - mean) / sd) / sd. EAP
 * estimates are pulled toward the mean (the more, the fewer answers a learner has), so on sparse
 * data the histogram is narrower than the density: that is shrinkage, not misfit.
 */
import { count, escapeHtml, finite, fmt } from './format.js';
import { bars, chart, type Frame, legend, line, niceTicks } from './svg.js';
import { THETA } from './test-information.js';

const FROM = -4;
const WIDTH = 0.25;
const BINS = 32;

/** Counts of `thetas` in bins of 0.25 on [-4, 4] (values beyond drawn in the edge bins). */
export function histogram(thetas: readonly number[]): number[] {
  const counts = new Array<number>(BINS).fill(0);
  for (const t of thetas) counts[Math.floor((Math.min(Math.max(t, -3.999), 3.999) - FROM) / WIDTH)]++;
  return counts;
}

export function abilityPlot(
  thetas: readonly number[],
  latent: { mean?: unknown; variance?: unknown } | undefined,
  scoreMethod: string,
  noEstimate: number,
): string {
  const counts = histogram(thetas);
  const hasLatent = finite(latent?.mean) && finite(latent?.variance) && (latent.variance as number) > 0;
  const mean = hasLatent ? (latent?.mean as number) : 0;
  const sd = hasLatent ? Math.sqrt(latent?.variance as number) : 1;
  const density = THETA.map(
    (t) => (thetas.length * WIDTH * Math.exp(-0.5 * ((t - mean) / sd) ** 2)) / (sd * Math.sqrt(2 * Math.PI)),
  );
  const top = Math.max(1, ...counts, ...(hasLatent ? density : [])) * 1.05;
  const f: Frame = { width: 460, height: 260, x: [-4, 4], y: [0, top] };
  const body =
    bars(f, FROM, WIDTH, counts) +
    (hasLatent ? line(f, THETA, density, 'density') : '') +
    legend(f, [
      ['bar-key', `${scoreMethod} estimates`],
      ...(hasLatent
        ? ([['density', `fitted N(${fmt(mean, 2)}, ${fmt(sd * sd, 2)})`]] as [string, string][])
        : []),
    ]);
  const svg = chart(
    f,
    {
      xTicks: [-4, -3, -2, -1, 0, 1, 2, 3, 4],
      yTicks: niceTicks(top),
      xTitle: 'ability (theta)',
      yTitle: 'learners',
    },
    body,
    'Distribution of ability estimates with the fitted latent density',
    'chart-ability',
  );
  const caption = `${count(thetas.length)} learners' ${scoreMethod} estimates in bins of 0.25${noEstimate ? `; ${count(noEstimate)} without a finite estimate, not shown` : ''}. ${
    hasLatent
      ? `Line: the fitted latent distribution, scaled to the number of learners.${
          /^(EAP|MAP)$/i.test(scoreMethod)
            ? ` ${scoreMethod} estimates are pulled toward the mean, the more so the fewer answers a learner has: on sparse data the bars are narrower than the line.`
            : ''
        }`
      : 'The result has no fitted latent distribution.'
  }`;
  return `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}
