/**
 * Issue 12's simulated nights (shared by test/job/linking-nights.test.ts and bench/linking.ts):
 * a bank of `items` 2PL items, night k's new learners with true ability mean 0.1 k, and from
 * night index 3 (the 4th night) on, the `leaked` items 0.8 easier. Fixed seeds.
 */
import { type Answer, mulberry32, normal } from './platform.js';

export interface NightSpec {
  readonly items: number;
  readonly learners: number;
  readonly perLearner: number;
  readonly seed: number;
}

export const NIGHT_SPEC: NightSpec = { items: 200, learners: 1500, perLearner: 60, seed: 1212 };

export function bankTruth(spec: NightSpec): { a: number[]; b: number[] } {
  const rand = mulberry32(spec.seed);
  const a = Array.from({ length: spec.items + 1 }, () => Math.exp(0.3 * normal(rand)));
  const b = Array.from({ length: spec.items + 1 }, () => normal(rand));
  return { a, b };
}

/**
 * The two leaked items: the first two (by id) with a moderate difficulty and a usable slope
 * (|b| < 1, a > 0.8), so that a 0.8 shift is detectable at this sample size.
 */
export function leakedItems(spec: NightSpec): number[] {
  const { a, b } = bankTruth(spec);
  const out: number[] = [];
  for (let j = 1; j <= spec.items && out.length < 2; j++) if (Math.abs(b[j]) < 1 && a[j] > 0.8) out.push(j);
  return out;
}

/** Night k's answers (learner ids unique per night; items 1..items) and its learners' true mean. */
export function nightAnswers(spec: NightSpec, k: number): { answers: Answer[]; trueMean: number } {
  const { a, b } = bankTruth(spec);
  if (k >= 3) for (const j of leakedItems(spec)) b[j] -= 0.8;
  const r = mulberry32(spec.seed + 1000 * (k + 1));
  const answers: Answer[] = [];
  let sum = 0;
  for (let u = 0; u < spec.learners; u++) {
    const theta = 0.1 * k + normal(r);
    sum += theta;
    const seen = new Set<number>();
    while (seen.size < spec.perLearner) seen.add(1 + Math.floor(r() * spec.items));
    for (const j of seen) {
      const p = 1 / (1 + Math.exp(-a[j] * (theta - b[j])));
      answers.push({ user: 100_000 * (k + 1) + u, item: j, correct: r() < p, daysAgo: r() * 25 });
    }
  }
  return { answers, trueMean: sum / spec.learners };
}
