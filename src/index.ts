/**
 * mirt-calibrate as a library:
 *
 *   import { calibrate, score, ResponseBuilder } from 'mirt-calibrate';
 *   const b = new ResponseBuilder();
 *   for (const r of rows) b.add(r.user_id, r.item_id, r.is_correct);
 *   const result = await calibrate(b.build(), { model: '2PL' });
 *
 * `calibrate` here runs the E-steps on the WebAssembly kernel and worker threads (as the CLI
 * does); the engine's own `calibrate` (pure, single thread) is exported as `calibrateInline`.
 */
import { createExecutor } from './calibrators/estep-workers.js';
import { type CalibrateOptions, calibrate as calibrateInline } from './engine/calibrate.js';
import type { ItemBank } from './engine/models.js';
import { type RawCorrect, type ResponseData, responsesFromObservations } from './engine/responses.js';
import { scoreAbilities } from './engine/scoring.js';
import type {
  Abilities,
  CalibrationResult,
  ItemParams,
  LatentDistribution,
  ScoreMethod,
} from './engine/types.js';
import { EngineInputError, parseScoreMethod } from './engine/types.js';

export { toCalibrateResponse } from './calibrators/to-contract.js';
export type * from './contract/types.js';
export type { CalibrateOptions } from './engine/calibrate.js';
export type {
  DuplicatePolicy,
  HygieneReport,
  RawCorrect,
  ResponseBuilderOptions,
  ResponseData,
} from './engine/responses.js';
export { ResponseBuilder, responsesFromObservations } from './engine/responses.js';
export { simulateResponses } from './engine/simulate.js';
export * from './engine/types.js';
export type { CsvColumns, CsvFormat, CsvReadOptions, CsvReadReport } from './files/csv-responses.js';
export { CsvInputError, readCsvAnswers, readResponsesCsv } from './files/csv-responses.js';
export { calibrateInline };

/**
 * Calibrates a model on compact response data (see ResponseBuilder). `options.threads` sets the
 * E-step threads (default: 2 on large data); pass `executorFor` to run E-steps elsewhere.
 */
export async function calibrate(data: ResponseData, options: CalibrateOptions): Promise<CalibrationResult> {
  return calibrateInline(data, {
    executorFor: (d) => createExecutor(d, options.quadPoints ?? 61, { threads: options.threads }),
    ...options,
  });
}

export interface ScoreRequest {
  /** Item parameters in IRT form (c = 0 outside the 3PL), by item id. */
  readonly items: ReadonlyMap<string, ItemParams> | Readonly<Record<string, ItemParams>>;
  /** Answers; answers to items not in `items` are an error. */
  readonly responses: Iterable<{ user_id: string; item_id: string; is_correct: RawCorrect }>;
  readonly method?: ScoreMethod | string;
  readonly latent?: LatentDistribution;
}

export interface UserScore {
  readonly user_id: string;
  readonly theta: number;
  /** null where none exists (ML/WLE on all-right or all-wrong answers). */
  readonly se: number | null;
  readonly n: number;
}

/** Scores users against fixed item parameters (the online update after a test session). */
export function score(req: ScoreRequest): UserScore[] {
  const items = req.items instanceof Map ? req.items : new Map(Object.entries(req.items));
  const rows = [...req.responses];
  for (const r of rows) {
    if (!items.has(r.item_id)) throw new EngineInputError(`no parameters for item "${r.item_id}"`);
  }
  // Scoring keeps items everyone got right or wrong: with known parameters they carry information.
  const data = responsesFromObservations(rows, { keepDegenerateItems: true });
  const bank: ItemBank = {
    a: new Float64Array(data.nItems),
    d: new Float64Array(data.nItems),
    c: new Float64Array(data.nItems),
  };
  data.itemIds.forEach((id, j) => {
    const p = items.get(id)!;
    if (![p.a, p.b, p.c].every(Number.isFinite) || p.c < 0 || p.c >= 1) {
      throw new EngineInputError(`item "${id}": parameters must be finite with 0 <= c < 1`);
    }
    bank.a[j] = p.a;
    bank.d[j] = -p.a * p.b;
    bank.c[j] = p.c;
  });
  const method = parseScoreMethod(req.method ?? 'EAP');
  const ab: Abilities = scoreAbilities(data, bank, {
    method,
    latent: req.latent ?? { mean: 0, variance: 1 },
  });
  return data.userIds.map((user_id, u) => ({
    user_id,
    theta: ab.theta[u],
    se: Number.isFinite(ab.se[u]) ? ab.se[u] : null,
    n: data.userPtr[u + 1] - data.userPtr[u],
  }));
}
