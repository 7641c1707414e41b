/**
 * Linking settings of the job: MIRT_LINK / --link, MIRT_LINK_METHOD / --link-method,
 * MIRT_ANCHORS, MIRT_DRIFT_Z, MIRT_DRIFT_MIN_SHIFT (docs/nightly-job.md).
 * MIRT_ANCHORS=question_meta is where `anchors` linking reads its anchors (and the only source
 * today): it implies MIRT_LINK=anchors, and MIRT_LINK=anchors implies it.
 */
import { DEFAULT_LINK, type LinkConfig, type LinkingMethod, type LinkMode } from './link-run.js';

type Env = Readonly<Record<string, string | undefined>>;

const MODES: readonly LinkMode[] = ['none', 'anchors', 'previous'];
const METHODS: readonly LinkingMethod[] = ['stocking-lord', 'mean-sigma', 'mean-mean', 'fixed'];

function oneOf<T extends string>(
  v: string,
  allowed: readonly T[],
  what: string,
  err: (m: string) => Error,
): T {
  const s = v.trim().toLowerCase().replaceAll('_', '-') as T;
  if (!allowed.includes(s)) throw err(`${what}: expected one of ${allowed.join(', ')}, got "${v}"`);
  return s;
}

/** Bounded, as every numeric setting (config.ts): a z of 100 or a shift of 10 logits already flags nothing. */
function bounded(
  v: string | undefined,
  what: string,
  fallback: number,
  max: number,
  err: (m: string) => Error,
): number {
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw err(`${what}: expected a number >= 0, got "${v}"`);
  if (n > max) throw err(`${what}: at most ${max}, got "${v}"`);
  return n;
}

export function loadLinkConfig(
  flags: Readonly<Record<string, string | true>>,
  env: Env,
  err: (m: string) => Error,
): LinkConfig {
  const anchorsEnv = env.MIRT_ANCHORS?.trim();
  const anchors = anchorsEnv ? oneOf(anchorsEnv, ['none', 'question-meta'], 'MIRT_ANCHORS', err) : 'none';
  const modeFlag = typeof flags.link === 'string' ? flags.link : undefined;
  const modeRaw = modeFlag ?? (env.MIRT_LINK?.trim() || undefined);
  let mode = modeRaw ? oneOf(modeRaw, MODES, modeFlag ? '--link' : 'MIRT_LINK', err) : DEFAULT_LINK.mode;
  if (anchors === 'question-meta') {
    if (modeRaw && mode !== 'anchors')
      throw err(`MIRT_ANCHORS=question_meta links to the anchors: it cannot go with MIRT_LINK=${mode}`);
    mode = 'anchors';
  }
  const methodFlag = typeof flags.linkMethod === 'string' ? flags.linkMethod : undefined;
  const methodRaw = methodFlag ?? (env.MIRT_LINK_METHOD?.trim() || undefined);
  const method = methodRaw
    ? oneOf(methodRaw, METHODS, methodFlag ? '--link-method' : 'MIRT_LINK_METHOD', err)
    : DEFAULT_LINK.method;
  return {
    mode,
    method,
    driftZ: bounded(env.MIRT_DRIFT_Z, 'MIRT_DRIFT_Z', DEFAULT_LINK.driftZ, 100, err),
    driftShift: bounded(env.MIRT_DRIFT_MIN_SHIFT, 'MIRT_DRIFT_MIN_SHIFT', DEFAULT_LINK.driftShift, 10, err),
  };
}
