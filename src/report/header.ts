/**
 * The page's header: what was calibrated, from where, and the headline numbers.
 *
 * Reliability, honestly: mirt's `reliability` is the marginal reliability of the whole bank
 * (integral of I/(I + sigma^2) over the latent density), as if each learner had answered every
 * item. On incomplete data no learner did, and that figure (0.99 for a bank of 1,000 items)
 * describes no one; the empirical reliability var(theta)/(var(theta) + mean SE^2) is that of the
 * estimates learners actually got. So on incomplete data the empirical one is the headline and
 * the marginal one is shown beside it, explained; on complete data both describe the same test.
 */
import { count, escapeHtml, finite, fmt, type Obj, show } from './format.js';
import type { AnswersPerLearner } from './observed-groups.js';

export interface Headline {
  /** The number shown large, with its label. */
  readonly value: number | null;
  readonly label: string;
  /** The other reliability, explained. */
  readonly beside: string;
}

export function reliabilityHeadline(
  m: Obj,
  complete: boolean | null,
  nItems: number,
  answers: AnswersPerLearner | null,
): Headline {
  const marginal = finite(m.reliability) ? m.reliability : null;
  const empirical = finite(m.empirical_reliability) ? m.empirical_reliability : null;
  if (complete === false && empirical !== null) {
    const took = answers ? `a median of ${count(answers.median)}` : 'fewer';
    return {
      value: empirical,
      label: "empirical reliability (of these learners' ability estimates)",
      beside:
        marginal === null
          ? ''
          : `Marginal reliability ${fmt(marginal)}: that of the whole bank of ${count(nItems)} items answered by every learner; learners answered ${took} items each, so it describes no one here.`,
    };
  }
  return {
    value: marginal ?? empirical,
    label:
      marginal !== null
        ? 'marginal reliability (of the test, over the fitted ability distribution)'
        : 'empirical reliability',
    beside:
      marginal !== null && empirical !== null
        ? `Empirical reliability of the ability estimates: ${fmt(empirical)}.`
        : marginal === null && empirical === null
          ? 'The result has no reliability.'
          : '',
  };
}

/** Where the answers came from and which were taken (the job's model_spec). */
export function sourceLine(spec: Obj): string {
  if (spec.source === undefined && spec.lookback_days === undefined)
    return 'not recorded in the result (a fit of a file, or a service call)';
  const filters = [
    spec.topic_id != null ? `topic ${show(spec.topic_id)}` : '',
    spec.subject_id != null ? `subject ${show(spec.subject_id)}` : '',
    spec.max_obs != null ? `at most ${count(spec.max_obs)} answers` : '',
  ].filter(Boolean);
  return `${show(spec.source)}; last ${show(spec.lookback_days)} days; ${filters.length ? filters.join(', ') : 'no topic or subject filter'}${spec.calibrator ? `; calibrated ${spec.calibrator === 'remote' ? 'by a remote service' : 'in-process'}` : ''}`;
}

export function header(
  runId: unknown,
  version: unknown,
  spec: Obj,
  m: Obj,
  head: Headline,
  sizes: { items: string; design: string },
): string {
  const latent = spec.latent as { mean?: unknown; variance?: unknown } | undefined;
  const facts: [string, string][] = [
    ['model', `${show(spec.model)}${spec.score_method ? `, abilities by ${show(spec.score_method)}` : ''}`],
    ['run', `${show(runId)} (version ${show(version)})`],
    ['source', sourceLine(spec)],
    ['items / learners / answers', sizes.items],
    ['design', sizes.design],
    ['logLik / AIC / BIC', `${fmt(m.logLik, 2)} / ${fmt(m.AIC, 1)} / ${fmt(m.BIC, 1)}`],
    [
      'estimation',
      m.converged === undefined
        ? '–'
        : `${m.converged ? 'converged' : 'NOT converged'} after ${show(m.cycles)} EM cycles`,
    ],
    ['latent distribution', latent ? `N(${fmt(latent.mean)}, ${fmt(latent.variance)})` : '–'],
  ];
  if (spec.c_prior != null) facts.push(['prior on the lower asymptote c', show(spec.c_prior)]);
  if (spec.u_prior != null) facts.push(['prior on the upper asymptote u', show(spec.u_prior)]);
  return `<header><h1>Calibration report</h1>
<p class="headline"><span class="big">${fmt(head.value)}</span> ${escapeHtml(head.label)}${head.beside ? `<br><small>${escapeHtml(head.beside)}</small>` : ''}</p>
<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></header>`;
}
