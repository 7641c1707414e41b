/** The job's one-line reports: data hygiene and the final summary (grep-friendly key=value). */
import type { CalibrateResponse } from '../contract/types.js';
import type { Extraction } from '../data/extract.js';
import type { HygieneReport } from '../engine/responses.js';
import type { JobConfig } from './config.js';

export function formatHygiene(h: HygieneReport): string {
  const d = h.dropped;
  const rejected = Object.entries(d.rejected)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const excluded = h.excludedItems.length
    ? ` excluded_items=${h.excludedItems.length} (${h.excludedItems
        .slice(0, 5)
        .map((x) => `${x.id}:${x.reason}`)
        .join(', ')}${h.excludedItems.length > 5 ? ', ...' : ''})`
    : '';
  return (
    `[INFO] Data hygiene: rows=${h.rowsRead} used=${h.rowsUsed} null_correct=${d.nullCorrect} invalid_correct=${d.invalidCorrect}` +
    ` missing_id=${d.missingId} duplicate=${d.duplicate}(kept ${h.duplicatePolicy}) excluded_item_answers=${d.excludedItem}` +
    `${rejected ? ` rejected=${rejected}` : ''}${excluded}`
  );
}

/** Said on every [ERROR] line of a run that stops before its transaction. */
export const NOTHING_WRITTEN = 'Nothing was written; the previous results are unchanged.';

/** Up to 10 ids for a log line, then `...`. */
export function listIds(ids: readonly string[]): string {
  return ids.slice(0, 10).join(', ') + (ids.length > 10 ? ', ...' : '');
}

export function formatSummary(s: {
  result: CalibrateResponse;
  config: JobConfig;
  version: string;
  extraction: Extraction;
  /** Answers that reached the model (the merged hygiene's rows_used). */
  observations: number;
  /** Items whose parameters the data do not identify (calibrators/identification.ts). */
  notIdentified: number;
  seconds: number;
  dryRun: boolean;
  /** Which calibrator ran: `local` or `remote`. */
  calibrator: string;
  /** MIRT_LINK other than none: the constants and the number of drifted items. */
  linking?: { mode: string; method: string; A: number; B: number; n_common: number; drift: number } | null;
}): string {
  const m = s.result.fit_meta.metrics;
  const logLik = Number(m.logLik);
  // Convergence is reported by our engine; a legacy remote service may not say.
  const conv =
    typeof m.converged === 'boolean'
      ? ` converged=${m.converged}${typeof m.cycles === 'number' ? ` cycles=${m.cycles}` : ''}`
      : '';
  // Items written with at least one flag (engine/item-flags.ts; absent from a legacy service).
  const flagSummary = m.item_flags as { flagged?: unknown } | undefined;
  const flagged = typeof flagSummary?.flagged === 'number' ? ` flagged=${flagSummary.flagged}` : '';
  const k = s.linking;
  const link = k
    ? ` link=${k.mode} linking_constants={A=${k.A.toFixed(4)},B=${k.B.toFixed(4)},method=${k.method},n_common=${k.n_common}} drift=${k.drift}`
    : '';
  return (
    `${s.dryRun ? '[DRY_RUN]' : '[INFO]'} Summary: items=${s.result.item_params.length} users=${s.result.abilities.length}` +
    ` observations=${s.observations} model=${s.config.model} calibrator=${s.calibrator} logLik=${Number.isFinite(logLik) ? logLik.toFixed(3) : 'NA'}` +
    `${conv}${flagged}${s.notIdentified ? ` not_identified=${s.notIdentified}` : ''}${link} seconds=${s.seconds.toFixed(2)} version=${s.version} source="${s.extraction.source}"`
  );
}
