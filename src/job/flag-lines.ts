/**
 * The log lines that say which items are flagged (engine/item-flags.ts), for `fit` and the job:
 * one `[WARN]` line per flag that some item carries, with the count and the first ids. Results
 * without flags (a legacy remote service) give no line.
 */
import type { CalibrateResponse } from '../contract/types.js';
import { ITEM_FLAGS } from '../engine/item-flags.js';

export function flagLines(result: CalibrateResponse): string[] {
  const byFlag = new Map<string, string[]>();
  for (const it of result.item_params) {
    for (const f of it.flags ?? []) {
      const ids = byFlag.get(f) ?? [];
      ids.push(String(it.item_id));
      byFlag.set(f, ids);
    }
  }
  const order = [
    ...ITEM_FLAGS,
    ...[...byFlag.keys()].filter((f) => !(ITEM_FLAGS as readonly string[]).includes(f)),
  ];
  const lines = order
    .filter((f) => byFlag.has(f))
    .map((f) => {
      const ids = byFlag.get(f) ?? [];
      const shown = ids.slice(0, 10).join(', ') + (ids.length > 10 ? ', ...' : '');
      return `[WARN] ${ids.length} item(s) flagged ${f}: ${shown}`;
    });
  // Which prior held the runaway slopes (engine/calibrate.ts FALLBACK_A_PRIOR), said once.
  const held = result.fit_meta.model_spec.a_prior_fallback as
    | { prior?: unknown; items?: readonly unknown[] }
    | undefined;
  if (held && Array.isArray(held.items) && held.items.length > 0)
    lines.push(
      `[WARN] ${held.items.length} item(s) had no finite slope (perfectly separated answers): held by the slope prior ${String(held.prior)} instead of being left out`,
    );
  return lines;
}
