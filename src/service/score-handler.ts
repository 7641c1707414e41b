/**
 * POST /irt/score as a plain function: abilities of one or more users from given item
 * parameters (the online update after a test session). EAP by default, MAP/ML/WLE on request,
 * computed by the engine's scoring module with an N(0, 1) prior unless the caller sends the
 * population's fitted latent distribution.
 *
 * The answer follows the request's shape (contract/score-request.ts): the R service's rows are
 * answered one ability per row in row order (a row without a usable answer gets theta null and
 * `pattern: "no_answers"`), the online updater's one learner also with `theta`, `se` and
 * `standard_error` at the top level, which is where it reads them.
 */
import type { ScoreResponse } from '../contract/forms.js';
import { validateScoreRequest } from '../contract/score-request.js';
import { ContractError } from '../contract/validate.js';
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

type Ability = ScoreResponse['abilities'][number];

export interface ScoreOutcome {
  readonly response: ScoreResponse & {
    status: 'ok';
    skipped: { unknown_item: number; null_correct: number; duplicate: number };
    /** The updater's shape: its one learner's estimate at the top level. */
    theta?: number | null;
    se?: number | null;
    standard_error?: number | null;
  };
  readonly nObs: number;
  /** Learners with an estimate. */
  readonly nScored: number;
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
  const latent = req.latent ?? { mean: 0, variance: 1 };
  const ab =
    data.nUsers === 0
      ? null
      : checked('body', () => score(data, bank, { method, latent, quadPoints: req.quadpts }));
  const abilities: Ability[] = [];
  for (let u = 0; ab !== null && u < data.nUsers; u++) {
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
  const nScored = abilities.length;
  if (req.shape === 'observations')
    return { response: { status: 'ok', abilities, unscored, skipped: skippedOut }, nObs: data.nObs, nScored };
  // The legacy shapes name every learner they sent: one record each, in the order sent.
  const byUser = new Map(abilities.map((a) => [a.user_id, a]));
  const users = req.rowUsers ?? [...new Set(req.observations.map((o) => o.user_id))];
  const ordered = users.map(
    (user_id): Ability =>
      byUser.get(user_id) ?? {
        user_id,
        theta: null,
        se: null,
        method,
        model,
        version,
        pattern: 'no_answers',
      },
  );
  const response: ScoreOutcome['response'] = {
    status: 'ok',
    abilities: ordered,
    unscored,
    skipped: skippedOut,
  };
  if (req.shape === 'learner') {
    const one = ordered[0];
    response.theta = one.theta;
    response.se = one.se;
    response.standard_error = one.se;
  }
  return { response, nObs: data.nObs, nScored };
}
