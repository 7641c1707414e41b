/**
 * Turns a validated /calibrate body into the engine's compact response data, straight from
 * the JSON (no intermediate observation objects for the matrix form), with the hygiene counts
 * of ResponseBuilder.
 */
import type { CalibrateInput, MatrixCell } from '../contract/forms.js';
import type { Observation } from '../contract/types.js';
import { ContractError } from '../contract/validate.js';
import { parseCorrect, type RawCorrect, ResponseBuilder, type ResponseData } from '../engine/responses.js';
import { EngineInputError } from '../engine/types.js';

/** What the service noticed in the rows beyond the builder's hygiene counts. */
export interface RowNotes {
  /** Answers kept whose `responded_at` was not a timestamp (the time is ignored, not the answer). */
  ignoredTimestamps: number;
  /** The first offending field per kind of dropped row, for the warnings (`observations[3].item_id`). */
  examples: Record<string, string>;
}

export interface RequestData {
  /** Null when rows were usable but no item is estimable (every answer right, or wrong, per item). */
  readonly data: ResponseData | null;
  /** The builder's hygiene; for `data: null`, computed with the degenerate items kept. */
  readonly hygiene: ResponseData['hygiene'];
  readonly notes: RowNotes;
}

/**
 * Builds the data; when the only problem is that no item is estimable (the nightly job exits 0
 * with a warning there), the hygiene comes from a second build that keeps those items, so the
 * answer can list them.
 */
function build(
  b: ResponseBuilder,
  field: string,
  again: () => ResponseBuilder,
  notes: RowNotes,
): RequestData {
  try {
    const data = b.build();
    return { data, hygiene: data.hygiene, notes };
  } catch (err) {
    if (!(err instanceof EngineInputError)) throw err;
    const keep = again();
    let kept: ResponseData;
    try {
      kept = keep.build();
    } catch {
      // Nothing usable at all (every row dropped): the request carries no answer.
      const first = Object.values(notes.examples)[0];
      throw new ContractError(first ?? field, `no usable observations: ${describeDrops(b.size, notes)}`);
    }
    const excluded: ResponseData['hygiene']['excludedItems'] = kept.itemIds.map((id, j) => ({
      id,
      reason: kept.itemCorrect[j] === 0 ? 'all_wrong' : 'all_correct',
      n: kept.itemN[j],
    }));
    const h = kept.hygiene;
    const hygiene = {
      ...h,
      rowsUsed: 0,
      dropped: { ...h.dropped, excludedItem: kept.nObs },
      excludedItems: [...h.excludedItems, ...excluded],
      usersWithoutResponses: h.usersWithoutResponses + kept.nUsers,
    };
    return { data: null, hygiene, notes };
  }
}

function describeDrops(rows: number, notes: RowNotes): string {
  const kinds = Object.entries(notes.examples).map(([kind, f]) => `${kind} (first: ${f})`);
  return `all ${rows} row(s) dropped${kinds.length ? `: ${kinds.join(', ')}` : ''}`;
}

/** An id as the contract reads it: a non-empty string, or a finite number as its decimal text. */
function idOf(v: unknown): string | null | undefined {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v === null || v === undefined) return null;
  return undefined; // objects, booleans, arrays: not an id
}

/**
 * One bad row does not reject the request: a row that is not an object, with an empty or
 * invalid id, or with a correctness that is not 0/1/true/false/null is dropped and counted
 * (NULL correctness as the builder counts it, never read as wrong); a `responded_at` that is
 * not a timestamp leaves the answer in and only its time out (the R service never read it).
 */
export function observationsToData(
  observations: readonly Observation[],
  field = 'observations',
): RequestData {
  const notes: RowNotes = { ignoredTimestamps: 0, examples: {} };
  const note = (kind: string, f: string) => {
    notes.examples[kind] ??= f;
  };
  const fill = (b: ResponseBuilder, record: boolean) => {
    for (let k = 0; k < observations.length; k++) {
      const o = observations[k] as unknown;
      if (typeof o !== 'object' || o === null || Array.isArray(o)) {
        b.reject('not_an_object');
        if (record) note('not an object', `${field}[${k}]`);
        continue;
      }
      const r = o as Record<string, unknown>;
      const user = idOf(r.user_id);
      const item = idOf(r.item_id);
      if (user === undefined || item === undefined) {
        b.reject('invalid_id');
        if (record)
          note('id not a string or number', `${field}[${k}].${user === undefined ? 'user_id' : 'item_id'}`);
        continue;
      }
      if (record) {
        if (user === null) note('missing id', `${field}[${k}].user_id`);
        else if (item === null) note('missing id', `${field}[${k}].item_id`);
        else if (r.is_correct === null || r.is_correct === undefined)
          note('null correctness', `${field}[${k}].is_correct`);
        else if (parseCorrect(r.is_correct as RawCorrect) === undefined || typeof r.is_correct === 'object')
          note('invalid correctness', `${field}[${k}].is_correct`);
      }
      let t: number | undefined;
      if (typeof r.responded_at === 'string') {
        t = Date.parse(r.responded_at);
        if (Number.isNaN(t)) {
          t = undefined;
          if (record) {
            notes.ignoredTimestamps++;
            note('responded_at not a timestamp (time ignored, answer kept)', `${field}[${k}].responded_at`);
          }
        }
      } else if (r.responded_at !== undefined && r.responded_at !== null && record) {
        notes.ignoredTimestamps++;
        note('responded_at not a timestamp (time ignored, answer kept)', `${field}[${k}].responded_at`);
      }
      const correct = typeof r.is_correct === 'object' && r.is_correct !== null ? undefined : r.is_correct;
      b.add(user, item, correct as RawCorrect, t);
    }
    return b;
  };
  const builder = fill(new ResponseBuilder(), true);
  return build(builder, field, () => fill(new ResponseBuilder({ keepDegenerateItems: true }), false), notes);
}

function matrixToData(
  rows: readonly (readonly MatrixCell[])[] | readonly Record<string, MatrixCell>[],
  rowKind: 'array' | 'object',
  itemIds: readonly string[] | null,
  userIds: readonly string[] | null,
  b: ResponseBuilder,
): ResponseBuilder {
  const userId = (r: number) => (userIds ? userIds[r] : String(r + 1));
  if (rowKind === 'array') {
    const width = (rows[0] as readonly MatrixCell[]).length;
    // mirt names unnamed columns Item.1, Item.2, ...
    const ids = itemIds ?? Array.from({ length: width }, (_, j) => `Item.${j + 1}`);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as readonly MatrixCell[];
      const u = userId(r);
      for (let j = 0; j < width; j++) b.add(u, ids[j], row[j]);
    }
  } else {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Record<string, MatrixCell>;
      const u = userId(r);
      for (const item in row) b.add(u, item, row[item]);
    }
  }
  return b;
}

export function calibrateInputToData(input: CalibrateInput): RequestData {
  if (input.form === 'observations') return observationsToData(input.observations);
  const notes: RowNotes = { ignoredTimestamps: 0, examples: {} };
  const fill = (keepDegenerateItems: boolean) =>
    matrixToData(
      input.rows,
      input.rowKind,
      input.itemIds,
      input.userIds,
      new ResponseBuilder({ keepDegenerateItems }),
    );
  return build(fill(false), 'responses', () => fill(true), notes);
}
