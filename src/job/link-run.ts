/**
 * Puts a run on an earlier scale (docs/nightly-job.md "One scale night after night"):
 *
 * 1. The calibrator's free run (standardised on tonight's learners) is linked onto the reference
 *    scale (the previous version's items, or the anchors from question.meta) through the common
 *    items, with drift screening and iterative purification (engine/drift.ts).
 * 2. Then either the linear map is applied to the free run (Stocking–Lord, mean/sigma,
 *    mean/mean: theta* = A theta + B, b* = A b + B, a* = a / A), or the run is calibrated again
 *    with the undrifted common items fixed at their reference values (`fixed`: the latent mean
 *    and variance are estimated, as `fit --anchors` does; A = sd, B = mean of that latent
 *    distribution, as the service reports fixed anchors).
 *
 * The constants {A, B, method, n_common} go to model_spec.linking_constants; per-item SEs,
 * displacements and flags to mirt_item_params_history; the drift table to metrics.drift.
 */
import type { CalibrateResponse } from '../contract/types.js';
import type { ItemLinkRow } from '../data/drift-columns.js';
import type { ReferenceItem } from '../data/previous-version.js';
import { type DriftResult, linkWithPurification } from '../engine/drift.js';
import type { LinkMethod } from '../engine/linking.js';
import type { ItemModel } from '../engine/models/model.js';
import { modelFor } from '../engine/models/registry.js';
import type { ItemParams, ModelName } from '../engine/types.js';

export type LinkMode = 'none' | 'anchors' | 'previous';
export type LinkingMethod = LinkMethod | 'fixed';

export interface LinkConfig {
  readonly mode: LinkMode;
  /** How `previous` links (anchors mode always ends with the fixed-parameter run). */
  readonly method: LinkingMethod;
  /** Drift: |z| and |displacement of b| both at or above these (engine/drift.ts). */
  readonly driftZ: number;
  readonly driftShift: number;
}

export const DEFAULT_LINK: LinkConfig = {
  mode: 'none',
  method: 'stocking-lord',
  driftZ: 3.5,
  driftShift: 0.3,
};

export interface LinkingConstants {
  A: number;
  B: number;
  method: LinkingMethod | 'none';
  /** Items in this run and on the reference scale. */
  n_common: number;
  /** Common items the constants rest on (the undrifted ones). */
  n_linking: number;
  /** `previous`: the reference version; `anchors`: "question.meta". */
  reference: string | null;
  reason?: string;
}

export interface DriftRow {
  item_id: string;
  b_before: number;
  b_now: number;
  displacement: number;
  z: number;
  drift: boolean;
}

export interface LinkOutcome {
  readonly result: CalibrateResponse;
  readonly constants: LinkingConstants;
  readonly itemRows: ItemLinkRow[];
  /** Every common item (the report's table and plot). */
  readonly drift: DriftRow[];
  readonly lines: string[];
}

export interface LinkInput {
  readonly config: LinkConfig;
  readonly model: ModelName;
  readonly free: CalibrateResponse;
  /** The reference scale, or why there is none. */
  readonly reference:
    | { readonly label: string; readonly items: ReadonlyMap<string, ReferenceItem> }
    | { readonly label: null; readonly why: string };
  /** Calibrates the same data again with these items fixed. */
  readonly refit: (anchors: Record<string, ItemParams>) => Promise<CalibrateResponse>;
}

/** The rows of the history columns when nothing is linked: the run's own SEs. */
export function unlinkedRows(r: CalibrateResponse): ItemLinkRow[] {
  return r.item_params.map((it) => ({
    item_id: String(it.item_id),
    se: it.se ?? null,
    displacement: null,
    displacement_z: null,
    flags: it.anchored ? ['anchored'] : [],
  }));
}

/** theta* = A theta + B; b* = A b + B; a* = a / A; SEs scale alike; c unchanged. */
export function transformResponse(r: CalibrateResponse, A: number, B: number): CalibrateResponse {
  const out = structuredClone(r);
  for (const it of out.item_params) {
    it.params.a /= A;
    it.params.b = A * it.params.b + B;
    if (it.se) {
      if (typeof it.se.a === 'number') it.se.a /= A;
      if (typeof it.se.b === 'number') it.se.b *= A;
    }
  }
  for (const ab of out.abilities) {
    ab.theta = A * ab.theta + B;
    if (typeof ab.se === 'number') ab.se *= A;
  }
  const spec = out.fit_meta.model_spec as Record<string, unknown>;
  const latent = spec.latent as { mean: number; variance: number } | undefined;
  if (latent) spec.latent = { mean: A * latent.mean + B, variance: A * A * latent.variance };
  return out;
}

export async function linkRun(input: LinkInput): Promise<LinkOutcome> {
  const { config, free, reference } = input;
  const lines: string[] = [];
  const none = (reason: string, label: string | null, nCommon = 0): LinkOutcome => {
    lines.push(`[WARN] Linking (${config.mode}): ${reason}; this run stays on its own scale (A=1, B=0)`);
    return {
      result: free,
      constants: { A: 1, B: 0, method: 'none', n_common: nCommon, n_linking: 0, reference: label, reason },
      itemRows: unlinkedRows(free),
      drift: [],
      lines,
    };
  };
  if (reference.label === null) return none(reference.why, null);

  // Common items: estimated in this run (finite) and on the reference scale.
  const common = free.item_params.filter(
    (it) =>
      reference.items.has(String(it.item_id)) &&
      Number.isFinite(it.params.a) &&
      it.params.a > 0 &&
      Number.isFinite(it.params.b),
  );
  if (common.length < 2)
    return none(
      `${common.length} item(s) in common with ${reference.label} (linking needs 2)`,
      reference.label,
      common.length,
    );
  const ref = common.map((it) => reference.items.get(String(it.item_id)) as ReferenceItem);
  const now = {
    a: common.map((it) => it.params.a),
    b: common.map((it) => it.params.b),
    c: common.map((it) => it.params.c ?? 0),
    seB: common.map((it) => it.se?.b ?? Number.NaN),
  };
  const refItems = {
    a: ref.map((r) => r.a),
    b: ref.map((r) => r.b),
    c: ref.map((r) => r.c),
    seB: ref.map((r) => r.seB),
  };
  const fixed = config.mode === 'anchors' || config.method === 'fixed';
  const screen: LinkMethod = config.method === 'fixed' ? 'stocking-lord' : config.method;
  let d: DriftResult;
  try {
    d = linkWithPurification(
      screen,
      now,
      refItems,
      { zMin: config.driftZ, shiftMin: config.driftShift },
      {
        // A model whose slopes are fixed (Rasch: a = 1) has a unit fixed by them: only B moves.
        fixSlope: slopeIsFixed(modelFor(input.model)),
        minItems: 2,
      },
    );
  } catch (e) {
    return none(
      `the common items cannot be linked (${(e as Error).message})`,
      reference.label,
      common.length,
    );
  }
  if (d.purificationStopped)
    lines.push(
      `[WARN] Linking: so many common items drifted that purification stopped with ${d.nLinking} left; check the reference ${reference.label}`,
    );
  const drift: DriftRow[] = common.map((it, j) => ({
    item_id: String(it.item_id),
    b_before: ref[j].b,
    b_now: d.A * now.b[j] + d.B,
    displacement: d.displacement[j],
    z: d.z[j],
    drift: d.drift[j] === 1,
  }));
  const kept = drift.filter((x) => !x.drift);

  let result: CalibrateResponse;
  let A = d.A;
  let B = d.B;
  if (fixed) {
    const anchors: Record<string, ItemParams> = {};
    for (const [j, it] of common.entries())
      if (!d.drift[j]) anchors[String(it.item_id)] = { a: ref[j].a, b: ref[j].b, c: ref[j].c };
    result = await input.refit(anchors);
    const latent = (result.fit_meta.model_spec as Record<string, unknown>).latent as
      | { mean: number; variance: number }
      | undefined;
    if (latent && Number.isFinite(latent.mean) && latent.variance > 0) {
      A = Math.sqrt(latent.variance);
      B = latent.mean;
    } else
      lines.push(
        '[WARN] Linking: the calibrator returned no latent distribution; the constants shown are the screening link',
      );
  } else result = transformResponse(free, A, B);

  // History columns: the final SEs; an anchored item keeps its free estimate's SE on this scale.
  const freeSe = new Map(free.item_params.map((it) => [String(it.item_id), it.se]));
  const byItem = new Map(drift.map((x) => [x.item_id, x]));
  const itemRows: ItemLinkRow[] = result.item_params.map((it) => {
    const id = String(it.item_id);
    const x = byItem.get(id);
    const fse = freeSe.get(id);
    const se = it.anchored
      ? fse
        ? {
            a: typeof fse.a === 'number' ? fse.a / d.A : null,
            b: typeof fse.b === 'number' ? fse.b * d.A : null,
          }
        : null
      : (it.se ?? null);
    return {
      item_id: id,
      se,
      displacement: x?.displacement ?? null,
      displacement_z: x?.z ?? null,
      flags: [...(x?.drift ? ['drift'] : []), ...(it.anchored ? ['anchored'] : [])],
    };
  });
  const method: LinkingMethod = config.mode === 'anchors' ? 'fixed' : config.method;
  const flagged = drift.filter((x) => x.drift);
  lines.push(
    `[INFO] Linking (${config.mode}, ${method}) onto ${reference.label}: A=${A.toFixed(4)} B=${B.toFixed(4)} common=${common.length} linking=${kept.length} drift=${flagged.length}`,
  );
  if (flagged.length)
    lines.push(
      `[WARN] ${flagged.length} item(s) drifted (|z| >= ${config.driftZ} and |shift of b| >= ${config.driftShift}), left out of the linking: ${flagged
        .slice(0, 10)
        .map(
          (x) =>
            `${x.item_id} (${x.displacement >= 0 ? '+' : ''}${x.displacement.toFixed(2)}, z=${x.z.toFixed(1)})`,
        )
        .join(', ')}${flagged.length > 10 ? ', ...' : ''}`,
    );
  return {
    result,
    constants: { A, B, method, n_common: common.length, n_linking: kept.length, reference: reference.label },
    itemRows,
    drift,
    lines,
  };
}

/** No slope is estimated: neither per item nor shared (the Rasch model's a = 1). */
function slopeIsFixed(m: ItemModel): boolean {
  return !m.sharedSlope && !m.itemParams.includes('a');
}
