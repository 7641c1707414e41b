/**
 * Turns a validated /calibrate body into the engine's compact response data, straight from
 * the JSON (no intermediate observation objects for the matrix form), with the hygiene counts
 * of ResponseBuilder.
 */
import type { CalibrateInput, MatrixCell } from '../contract/forms.js';
import type { Observation } from '../contract/types.js';
import { ContractError } from '../contract/validate.js';
import { ResponseBuilder, type ResponseData } from '../engine/responses.js';
import { EngineInputError } from '../engine/types.js';

function build(b: ResponseBuilder, field: string): ResponseData {
  try {
    return b.build();
  } catch (err) {
    // "no usable observations" (all null, or every item not estimable) is the caller's data.
    if (err instanceof EngineInputError) throw new ContractError(field, err.message);
    throw err;
  }
}

export function observationsToData(
  observations: readonly Observation[],
  field = 'observations',
): ResponseData {
  const b = new ResponseBuilder();
  for (let k = 0; k < observations.length; k++) {
    const o = observations[k];
    let t: number | undefined;
    if (typeof o.responded_at === 'string') {
      t = Date.parse(o.responded_at);
      if (Number.isNaN(t))
        throw new ContractError(`${field}[${k}].responded_at`, 'must be an ISO 8601 timestamp');
    }
    b.add(String(o.user_id), String(o.item_id), o.is_correct, t);
  }
  return build(b, field);
}

function matrixToData(
  rows: readonly (readonly MatrixCell[])[] | readonly Record<string, MatrixCell>[],
  rowKind: 'array' | 'object',
  itemIds: readonly string[] | null,
  userIds: readonly string[] | null,
): ResponseData {
  const b = new ResponseBuilder();
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
  return build(b, 'responses');
}

export function calibrateInputToData(input: CalibrateInput): ResponseData {
  if (input.form === 'observations') return observationsToData(input.observations);
  return matrixToData(input.rows, input.rowKind, input.itemIds, input.userIds);
}
