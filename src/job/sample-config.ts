/**
 * The run's sampling settings: `--calibration-sample`, `--sample-rare-item-answers`,
 * `--sample-seed` and `--score` (flags registered in config.ts, parsed here so that config.ts
 * stays the table of names).
 */
import { ConfigError } from './config-error.js';
import type { SampleSpec } from './sample.js';

export type ScoreMode = 'all' | 'shards';

export interface Sampling {
  /** null: calibrate on every learner. */
  readonly sample: SampleSpec | null;
  /** `all`: score everyone in-process; `shards`: leave scoring to `mirt-calibrate score` shards. */
  readonly scoreMode: ScoreMode;
  /** Recorded in model_spec.run_label, so that shards waiting for this run find its version. */
  readonly runLabel?: string;
}

export const DEFAULT_RARE_ITEM_ANSWERS = 1000;
export const DEFAULT_SAMPLE_SEED = 20261201;

type Pick = (key: string, flag: string, ...env: string[]) => { name: string; value: string } | null;

export function parseSampling(pick: Pick): Sampling | undefined {
  const s = pick('calibrationSample', '--calibration-sample', 'MIRT_CALIBRATION_SAMPLE');
  const k = pick('sampleRareItemAnswers', '--sample-rare-item-answers', 'MIRT_SAMPLE_RARE_ITEM_ANSWERS');
  const seed = pick('sampleSeed', '--sample-seed', 'MIRT_SAMPLE_SEED');
  const mode = pick('scoreMode', '--score', 'MIRT_SCORE_MODE');
  let scoreMode: ScoreMode = 'all';
  if (mode) {
    const v = mode.value.toLowerCase();
    if (v !== 'all' && v !== 'shards')
      throw new ConfigError(`${mode.name}: expected all or shards, got "${mode.value}"`);
    scoreMode = v;
  }
  if (!s) {
    for (const x of [k, seed])
      if (x) throw new ConfigError(`${x.name} needs --calibration-sample (MIRT_CALIBRATION_SAMPLE)`);
    return scoreMode === 'shards' ? { sample: null, scoreMode } : undefined;
  }
  return {
    sample: {
      size: parseSize(s.value, s.name),
      rareItemAnswers: k ? integer(k.value, k.name, 1) : DEFAULT_RARE_ITEM_ANSWERS,
      seed: seed ? integer(seed.value, seed.name, 0) : DEFAULT_SAMPLE_SEED,
    },
    scoreMode,
  };
}

/** `N` learners, or `P%` of them (0 < P <= 100). */
function parseSize(v: string, what: string): SampleSpec['size'] {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v.trim());
  if (pct) {
    const p = Number(pct[1]) / 100;
    if (p > 0 && p <= 1) return { kind: 'share', p };
  } else if (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number.isSafeInteger(Number(v))) {
    return { kind: 'count', n: Number(v) };
  }
  throw new ConfigError(
    `${what}: expected a number of learners (e.g. 20000) or a share (e.g. 10%), got "${v}"`,
  );
}

function integer(v: string, what: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > 0xffffffff)
    throw new ConfigError(`${what}: expected an integer >= ${min}, got "${v}"`);
  return n;
}
