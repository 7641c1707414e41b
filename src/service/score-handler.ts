/**
 * POST /irt/score as a plain function: abilities of one or more users from given item
 * parameters (the online update after a test session). EAP by default, MAP/ML/WLE on request,
 * computed by the engine's scoring module with an N(0, 1) prior unless the caller sends the
 * population's fitted latent distribution.
 */
import type { ScoreResponse } from '../contract/forms.js';
import { ContractError, validateScoreRequest } from '../contract/validate.js';
import type { ItemBank } from '../engine/models.js';
import type { ResponseData } from '../engine/responses.js';
import {
  type Abilities,
  EngineInputError,
  type LatentDistribution,
  parseModel,
  parseScoreMethod,
  type ScoreMethod,
} from '../engine/types.js';
import { scoreData } from './score-data.js';

/** The engine's scoring entry point (src/engine/scoring.ts), injected so that this file has no numerics. */
export type ScoreAbilities = (
  data: ResponseData,
  bank: ItemBank,
  options: { method: ScoreMethod; latent: LatentDistribution; quadPoints?: number },
) => Abilities;

function checked<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof EngineInputError) throw new ContractError(field, err.message);
    throw err;
  }
}

export interface ScoreOutcome {
  readonly response: ScoreResponse & {
    skipped: { unknown_item: number; null_correct: number; duplicate: number };
  };
  readonly nObs: number;
}

export function handleScore(body: unknown, score: ScoreAbilities, now: Date = new Date()): ScoreOutcome {
  const req = validateScoreRequest(body);
  const method =
    req.method === undefined ? 'EAP' : checked('method', () => parseScoreMethod(req.method as string));
  const model = req.model === undefined ? '2PL' : checked('model', () => parseModel(req.model as string));
  const version = req.version ?? now.toISOString();
  const { data, bank, unscored, skipped } = scoreData(req.item_params, req.observations);
  const skippedOut = {
    unknown_item: skipped.unknownItem,
    null_correct: skipped.nullCorrect,
    duplicate: skipped.duplicate,
  };
  if (data.nUsers === 0) {
    return { response: { abilities: [], unscored, skipped: skippedOut }, nObs: 0 };
  }
  const latent = req.latent ?? { mean: 0, variance: 1 };
  const ab = checked('body', () => score(data, bank, { method, latent, quadPoints: req.quadpts }));
  const abilities: ScoreResponse['abilities'] = [];
  for (let u = 0; u < data.nUsers; u++) {
    const theta = ab.theta[u];
    const se = ab.se[u];
    const rec: ScoreResponse['abilities'][number] = {
      user_id: data.userIds[u],
      // ML has no finite estimate on all-right/all-wrong answers: say so instead of sending Infinity.
      theta: Number.isFinite(theta) ? theta : null,
      se: Number.isFinite(se) ? se : null,
      method,
      model,
      version,
    };
    if (ab.pattern[u] === 1) rec.pattern = 'all_correct';
    else if (ab.pattern[u] === 2) rec.pattern = 'all_wrong';
    abilities.push(rec);
  }
  return { response: { abilities, unscored, skipped: skippedOut }, nObs: data.nObs };
}
