/**
 * Loads the mirt reference data vendored in test/fixtures/reference (see its README for where
 * each file came from and how it was computed): datasets/NAME.long.csv and
 * results/NAME.MODEL.json. The tests read only this copy, so a clone of the repository alone runs
 * them.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ItemBank } from '../../src/engine/models.js';
import { type ResponseData, responsesFromObservations } from '../../src/engine/responses.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** test/helpers -> repository root. */
export const repoRoot = path.resolve(here, '..', '..');
export const referenceDir = path.join(repoRoot, 'test', 'fixtures', 'reference');

export const DATASETS = ['LSAT6', 'LSAT7', 'SAT12'] as const;
export const MODELS = ['Rasch', '1PL', '2PL', '3PL', '3PLprior'] as const;
export type DatasetName = (typeof DATASETS)[number];
export type ReferenceModel = (typeof MODELS)[number];

export interface PersonScore {
  readonly user_id: string;
  readonly theta: number | null;
  readonly se: number | null;
}

export interface ItemFitRow {
  readonly item: string;
  readonly S_X2: number | null;
  readonly 'df.S_X2': number | null;
  readonly 'RMSEA.S_X2': number | null;
  readonly 'p.S_X2': number | null;
}

export interface ReferenceResult {
  readonly dataset: string;
  readonly model: string;
  readonly logLik: number;
  readonly nest: number;
  readonly latent_mean: number;
  readonly latent_var: number;
  readonly items: readonly { a: number; b: number; g: number; u: number; item_id: string }[];
  readonly eap: readonly PersonScore[];
  readonly map: readonly PersonScore[];
  readonly ml: readonly PersonScore[];
  readonly wle: readonly PersonScore[];
  readonly itemfit: readonly ItemFitRow[];
  readonly reliability: number;
  readonly AIC: number;
  readonly BIC: number;
  readonly SABIC: number;
  readonly item_se: Readonly<Record<string, { a: number | null; b: number | null; g: number | null }>>;
}

export function loadResult(dataset: DatasetName, model: ReferenceModel): ReferenceResult {
  const file = path.join(referenceDir, 'results', `${dataset}.${model}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as ReferenceResult;
}

/** The long CSV as response data (user and item ids in file order). */
export function loadResponses(dataset: DatasetName): ResponseData {
  const text = readFileSync(path.join(referenceDir, 'datasets', `${dataset}.long.csv`), 'utf8');
  const rows: { user_id: string; item_id: string; is_correct: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const [user_id, item_id, is_correct] = line.split(',');
    rows.push({ user_id, item_id, is_correct });
  }
  return responsesFromObservations(rows);
}

/**
 * mirt's fitted items in slope-intercept form, ordered as `itemIds`: d = -a b, c = g.
 */
export function bankFromResult(result: ReferenceResult, itemIds: readonly string[]): ItemBank {
  const n = itemIds.length;
  const bank: ItemBank = { a: new Float64Array(n), d: new Float64Array(n), c: new Float64Array(n) };
  const byId = new Map(result.items.map((it) => [it.item_id, it]));
  for (let j = 0; j < n; j++) {
    const it = byId.get(itemIds[j]);
    if (!it) throw new Error(`item ${itemIds[j]} missing from ${result.dataset}.${result.model}`);
    bank.a[j] = it.a;
    bank.d[j] = -it.a * it.b;
    bank.c[j] = it.g;
  }
  return bank;
}

/** Reference person rows indexed like `userIds`. */
export function personsInOrder(rows: readonly PersonScore[], userIds: readonly string[]): PersonScore[] {
  const byId = new Map(rows.map((r) => [r.user_id, r]));
  return userIds.map((id) => {
    const r = byId.get(id);
    if (!r) throw new Error(`user ${id} missing from reference`);
    return r;
  });
}
