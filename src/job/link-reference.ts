/**
 * The job's reference scale: the previous version, or the anchors in question.meta, read before
 * the calibration (a reference that cannot be read fails the run before the expensive part).
 * With anchors, the other questions' stored values come back as starting values for EM (never
 * constraints). Reads only: the results are written by the job's one transaction afterwards.
 */
import type { Queryable } from '../data/db.js';
import { readPreviousVersion } from '../data/previous-version.js';
import { type AnchorParams, readQuestionAnchors } from '../data/question-anchors.js';
import { modelFor } from '../engine/models/registry.js';
import type { ModelName } from '../engine/types.js';
import type { LinkConfig, LinkInput } from './link-run.js';
import { listIds } from './summary.js';

export async function readReference(
  db: Queryable,
  config: LinkConfig,
  model: ModelName,
  version: string,
  out: (line: string) => void,
): Promise<{ reference: LinkInput['reference']; start: ReadonlyMap<string, AnchorParams> | null }> {
  let reference: LinkInput['reference'];
  let start: ReadonlyMap<string, AnchorParams> | null = null;
  if (config.mode === 'previous') {
    const prev = await readPreviousVersion(db, version);
    if (!prev)
      reference = {
        label: null,
        why: 'no earlier version in mirt_item_params_history (first run: it sets the scale)',
      };
    else {
      if (prev.skipped)
        out(`[WARN] Linking: ${prev.skipped} item(s) of ${prev.version} without usable a, b were skipped`);
      reference = { label: prev.version, items: prev.items };
    }
  } else {
    const { itemParams, sharedSlope } = modelFor(model);
    const q = await readQuestionAnchors(db, {
      name: model,
      hasC: itemParams.includes('g'),
      hasU: itemParams.includes('h'),
      slopeFixedAt1: !sharedSlope && !itemParams.includes('a'),
    });
    if (q.unavailable)
      reference = { label: null, why: `no anchors read from question.meta (${q.unavailable})` };
    else {
      out(
        `[INFO] Anchors from question.meta: ${q.fixed.size} anchor(s), ${q.start.size} stored value(s) of other questions (starting points only), ${q.ignored.length} anchor(s) ignored`,
      );
      if (q.ignored.length)
        out(
          `[WARN] ${q.ignored.length} question(s) tagged "anchor" without usable parameters, ignored: ${listIds(q.ignored.map((x) => `${x.id} (${x.reason})`))}`,
        );
      for (const w of q.warnings) out(`[WARN] Anchors: ${w}`);
      start = q.start.size ? q.start : null;
      const items = new Map(
        [...q.fixed].map(([id, p]) => [id, { a: p.a, b: p.b, c: p.c, seB: Number.NaN }] as const),
      );
      reference = q.fixed.size
        ? { label: 'question.meta', items }
        : { label: null, why: 'no usable anchor in question.meta' };
    }
  }
  return { reference, start };
}
