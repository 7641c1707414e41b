/**
 * Checks a calibration result read from a file before the report is drawn from it: any JSON at
 * all may arrive (a hand-edited file, another service's answer, a truncated download). The parts
 * the report is made of (item_params, abilities, fit_meta) must be there with the right shapes,
 * or the error names the first field that is wrong. The descriptive parts (`fit_meta.metrics`,
 * `fit_meta.model_spec`, which the R service and hand-made files may lack) are optional: the
 * report is drawn without them and says they are missing.
 */
import type { CalibrateResponse } from '../contract/types.js';

export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

export interface CheckedResult {
  readonly result: CalibrateResponse;
  /** Optional parts the file does not have, e.g. `fit_meta.metrics (fit statistics, hygiene)`. */
  readonly missing: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(path: string, want: string, got: unknown): never {
  const shown = got === undefined ? 'nothing' : Array.isArray(got) ? 'an array' : typeof got;
  throw new ReportInputError(`${path}: expected ${want}, got ${got === null ? 'null' : shown}`);
}

function finite(o: Obj, key: string, path: string, optional = false): void {
  const v = o[key];
  if (optional && (v === undefined || v === null)) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${path}.${key}`, 'a finite number', v);
}

function checkItem(it: unknown, path: string): void {
  if (!isObj(it)) bad(path, 'an object', it);
  if (typeof it.item_id !== 'string' && typeof it.item_id !== 'number')
    bad(`${path}.item_id`, 'a string or a number', it.item_id);
  it.item_id = String(it.item_id);
  if (!isObj(it.params)) bad(`${path}.params`, 'an object {a, b[, c][, u]}', it.params);
  finite(it.params, 'a', `${path}.params`);
  finite(it.params, 'b', `${path}.params`);
  finite(it.params, 'c', `${path}.params`, true);
  finite(it.params, 'u', `${path}.params`, true);
  if (it.se !== undefined && it.se !== null) {
    if (!isObj(it.se)) bad(`${path}.se`, 'an object {a, b[, c][, u]}', it.se);
    for (const k of ['a', 'b', 'c', 'u']) finite(it.se, k, `${path}.se`, true);
  }
  finite(it, 'n', path, true);
  finite(it, 'p_correct', path, true);
  if (it.fit !== undefined && it.fit !== null) {
    if (!isObj(it.fit)) bad(`${path}.fit`, 'an object', it.fit);
    if (it.fit.statistic === 'S-X2' || it.fit.statistic === 'S-X2-incomplete')
      for (const k of ['value', 'df', 'p']) finite(it.fit, k, `${path}.fit`);
  }
  if (it.mean_squares !== undefined && it.mean_squares !== null) {
    if (!isObj(it.mean_squares)) bad(`${path}.mean_squares`, 'an object', it.mean_squares);
    for (const k of ['infit', 'outfit']) finite(it.mean_squares, k, `${path}.mean_squares`);
    for (const k of ['infit_z', 'outfit_z']) finite(it.mean_squares, k, `${path}.mean_squares`, true);
  }
  if (it.flags !== undefined && it.flags !== null) {
    if (!Array.isArray(it.flags) || !it.flags.every((f) => typeof f === 'string'))
      bad(`${path}.flags`, 'an array of strings', it.flags);
  }
}

/** The result, or a ReportInputError naming the first field that is wrong. */
export function checkResult(value: unknown): CheckedResult {
  if (!isObj(value))
    bad('the file', 'a calibration result (a JSON object with item_params, abilities and fit_meta)', value);
  const absent = ['item_params', 'abilities', 'fit_meta'].filter((k) => value[k] === undefined);
  if (absent.length > 0)
    throw new ReportInputError(
      `not a calibration result: no ${absent.join(', ')} (item_params, abilities and fit_meta expected)`,
    );
  if (!Array.isArray(value.item_params)) bad('item_params', 'an array', value.item_params);
  value.item_params.forEach((it, i) => {
    checkItem(it, `item_params[${i}]`);
  });
  if (!Array.isArray(value.abilities)) bad('abilities', 'an array', value.abilities);
  value.abilities.forEach((a, i) => {
    if (!isObj(a)) bad(`abilities[${i}]`, 'an object', a);
    // null: no finite estimate (left out of the distribution, not an error).
    finite(a, 'theta', `abilities[${i}]`, true);
  });
  const meta = value.fit_meta;
  if (!isObj(meta)) bad('fit_meta', 'an object', meta);
  const missing: string[] = [];
  for (const [key, what] of [
    ['metrics', 'fit statistics, convergence, hygiene'],
    ['model_spec', 'model, counts, latent distribution'],
  ] as const) {
    if (meta[key] === undefined || meta[key] === null) {
      missing.push(`fit_meta.${key} (${what})`);
      meta[key] = {};
    } else if (!isObj(meta[key])) bad(`fit_meta.${key}`, 'an object', meta[key]);
  }
  const hygiene = (meta.metrics as Obj).hygiene;
  if (hygiene !== undefined && hygiene !== null && !isObj(hygiene))
    bad('fit_meta.metrics.hygiene', 'an object', hygiene);
  checkEvidence(meta.metrics as Obj);
  return { result: value as unknown as CalibrateResponse, missing };
}

/** The report's evidence (observed-groups.ts), when present: each group [theta, n, right]. */
function checkEvidence(m: Obj): void {
  const groups = m.observed_by_group;
  if (groups !== undefined && groups !== null) {
    const path = 'fit_meta.metrics.observed_by_group';
    if (!isObj(groups)) bad(path, 'an object {item_id: [[theta, answers, right], ...]}', groups);
    for (const [id, list] of Object.entries(groups)) {
      if (!Array.isArray(list)) bad(`${path}.${id}`, 'an array of [theta, answers, right]', list);
      list.forEach((g, k) => {
        const ok =
          Array.isArray(g) &&
          g.length === 3 &&
          g.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
          g[1] >= 0 &&
          g[2] >= 0 &&
          g[2] <= g[1];
        if (!ok) bad(`${path}.${id}[${k}]`, '[theta, answers, right] (finite, 0 <= right <= answers)', g);
      });
    }
  }
  const a = m.answers_per_learner;
  if (a !== undefined && a !== null) {
    if (!isObj(a)) bad('fit_meta.metrics.answers_per_learner', 'an object', a);
    for (const k of ['min', 'q1', 'median', 'q3', 'max'])
      finite(a, k, 'fit_meta.metrics.answers_per_learner');
  }
}
