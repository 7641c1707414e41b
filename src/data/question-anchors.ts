/**
 * Anchors as the replaced system read them (`MIRT_ANCHORS=question_meta`): question.meta->'irt'
 * holds {a, b, c, model} written by earlier runs (IRT_UPDATE_QUESTION_META=true); a question
 * whose meta->'tags' array contains "anchor" is an anchor (its parameters are fixed), the others'
 * stored values are only starting points for EM. Missing or partial values never fail the run:
 * - an anchor tag without a usable a (> 0) and b: listed and ignored;
 * - a `c` on a run of a model without one (not 3PL or 4PL): ignored with a warning;
 * - a 3PL/4PL run and an anchor without c: c = 0 (it was written by a 2PL run), with a warning;
 * - a `u` below 1 on a run of a model without one (not 4PL): ignored with a warning;
 * - a 4PL run and an anchor without u: u = 1 (it was written by a model without one), with a warning;
 * - Rasch anchors keep their b only (a is 1 by the model), with a warning when a differs.
 */
import type { AnchorParams, AnchorSet } from '../contract/anchors.js';
import type { Queryable } from './db.js';
import { tableShape } from './table-shape.js';

export type { AnchorParams };

/** An AnchorSet (contract/anchors.ts) as question.meta gives it, with what was adjusted. */
export interface QuestionAnchors extends Pick<AnchorSet, 'fixed' | 'start'> {
  /** Tagged but unusable, with why. */
  readonly ignored: { readonly id: string; readonly reason: string }[];
  /** Values read but adjusted (c dropped, c taken as 0, Rasch a), one line per kind. */
  readonly warnings: string[];
  /** Why nothing could be read (no question table, no meta column), else null. */
  readonly unavailable: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown): number | null {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/**
 * What reading anchors needs to know of the run's model (from the engine's model registry, which
 * the data layer does not import): its name for messages, whether it has a lower asymptote c,
 * and whether it fixes every slope at 1 (Rasch).
 */
export interface AnchorModel {
  readonly name: string;
  readonly hasC: boolean;
  /** An upper asymptote u (the 4PL). */
  readonly hasU: boolean;
  readonly slopeFixedAt1: boolean;
}

export async function readQuestionAnchors(db: Queryable, model: AnchorModel): Promise<QuestionAnchors> {
  const out: QuestionAnchors = {
    fixed: new Map(),
    start: new Map(),
    ignored: [],
    warnings: [],
    unavailable: null,
  };
  const shape = await tableShape(db, 'question');
  const metaType = shape?.columnTypes.get('meta');
  if (!shape) return { ...out, unavailable: 'no question table' };
  if (!shape.columnTypes.has('id') || (metaType !== 'jsonb' && metaType !== 'json'))
    return { ...out, unavailable: 'question has no id column or no json/jsonb meta column' };
  const rows = await db.query<{ id: string; irt: unknown; tags: unknown }>(
    `SELECT id::text AS id, meta::jsonb->'irt' AS irt, meta::jsonb->'tags' AS tags
       FROM question WHERE meta IS NOT NULL AND (meta::jsonb ? 'irt' OR meta::jsonb ? 'tags') ORDER BY 1`,
  );
  const cDropped: string[] = [];
  const cZero: string[] = [];
  const raschA: string[] = [];
  const uDropped: string[] = [];
  const uOne: string[] = [];
  for (const r of rows) {
    const tags = typeof r.tags === 'string' ? safeJson(r.tags) : r.tags;
    const irt = typeof r.irt === 'string' ? safeJson(r.irt) : r.irt;
    const anchor =
      Array.isArray(tags) && tags.some((t) => typeof t === 'string' && t.toLowerCase() === 'anchor');
    const a = isObject(irt) ? finite(irt.a) : null;
    const b = isObject(irt) ? finite(irt.b) : null;
    const cRaw = isObject(irt) && irt.c !== undefined && irt.c !== null ? finite(irt.c) : null;
    const uRaw = isObject(irt) && irt.u !== undefined && irt.u !== null ? finite(irt.u) : null;
    const why = !isObject(irt)
      ? "no meta->'irt' parameters"
      : b === null
        ? 'no numeric b'
        : !model.slopeFixedAt1 && (a === null || !(a > 0))
          ? 'no positive numeric a'
          : cRaw !== null && !(cRaw >= 0 && cRaw < 1)
            ? 'c outside [0, 1)'
            : uRaw !== null && !(uRaw > (cRaw ?? 0) && uRaw <= 1)
              ? 'u outside (c, 1]'
              : null;
    if (why) {
      if (anchor) out.ignored.push({ id: r.id, reason: why });
      continue;
    }
    let c = 0;
    let hasC = false;
    if (model.hasC) {
      if (cRaw === null) cZero.push(r.id);
      else [c, hasC] = [cRaw, true];
    } else if (cRaw !== null && cRaw > 0) cDropped.push(r.id);
    let u = 1;
    if (model.hasU) {
      if (uRaw === null) uOne.push(r.id);
      else u = uRaw;
    } else if (uRaw !== null && uRaw < 1) uDropped.push(r.id);
    let slope = a ?? 1;
    if (model.slopeFixedAt1) {
      if (a !== null && Math.abs(a - 1) > 1e-9 && anchor) raschA.push(r.id);
      slope = 1;
    }
    (anchor ? out.fixed : out.start).set(r.id, { a: slope, b: b as number, c, hasC, u });
  }
  const ids = (l: string[]) => l.slice(0, 10).join(', ') + (l.length > 10 ? ', ...' : '');
  if (cDropped.length)
    out.warnings.push(
      `${cDropped.length} question(s) carry a c but the model is ${model.name}: c ignored (${ids(cDropped)})`,
    );
  if (cZero.length)
    out.warnings.push(
      `${cZero.length} question(s) have no c for the ${model.name}: c taken as 0 (${ids(cZero)})`,
    );
  if (uDropped.length)
    out.warnings.push(
      `${uDropped.length} question(s) carry a u below 1 but the model is ${model.name}: u ignored (${ids(uDropped)})`,
    );
  if (uOne.length)
    out.warnings.push(
      `${uOne.length} question(s) have no u for the ${model.name}: u taken as 1 (${ids(uOne)})`,
    );
  if (raschA.length)
    out.warnings.push(`${raschA.length} Rasch anchor(s) carry a != 1: only b is used (${ids(raschA)})`);
  return out;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
