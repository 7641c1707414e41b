/**
 * Request shapes accepted beyond the seed contract of types.ts (which stays exactly the R
 * Plumber service's). Kept apart so that types.ts remains the seed, untouched.
 */
import type { AnchorSet } from './anchors.js';
import type { WireOptions } from './options.js';
import type { Observation } from './types.js';

/** One cell of the legacy matrix: correct, wrong, or missing (null / absent). */
export type MatrixCell = 0 | 1 | boolean | null;

/**
 * The legacy `responses` matrix form of POST /calibrate (what the R service received as a
 * data frame). One row per person, one column per item:
 *
 * - rows as arrays: `{"responses": [[0, 1, null], [1, 1, 0]], "item_ids"?: [...], "user_ids"?: [...]}`;
 *   every row has one cell per item; `item_ids` default to mirt's column names `Item.1`, `Item.2`, ...
 * - rows as objects (jsonlite's serialisation of a data frame):
 *   `{"responses": [{"q1": 1, "q2": 0}, {"q1": 0}]}`; a key that is absent is a missing answer.
 *
 * `user_ids` default to R's row names `1`, `2`, ... Missing answers are null and are dropped
 * (counted in the hygiene report), never read as wrong.
 */
export interface MatrixCalibrateRequest {
  responses: MatrixCell[][] | Record<string, MatrixCell>[];
  item_ids?: string[];
  user_ids?: string[];
  model?: string;
}

/** What a caller may send with either form besides the data (all optional): options.ts's options and these. */
export interface CalibrateOptions extends WireOptions {
  model: string;
  version?: string;
  run_id?: string;
  /** Fixed item parameters, starting values and ignored entries (see anchors.ts for the shapes accepted). */
  anchors?: AnchorSet;
}

/** A validated /calibrate body: the observations form or the matrix form, with its options. */
export type CalibrateInput =
  | {
      readonly form: 'observations';
      readonly observations: readonly Observation[];
      readonly options: CalibrateOptions;
    }
  | {
      readonly form: 'matrix';
      readonly rows: readonly (readonly MatrixCell[])[] | readonly Record<string, MatrixCell>[];
      readonly rowKind: 'array' | 'object';
      readonly itemIds: readonly string[] | null;
      readonly userIds: readonly string[] | null;
      readonly options: CalibrateOptions;
    };

/** Item parameters as /calibrate returns them; /irt/score takes the same records back. */
export interface ScoreItemParams {
  item_id: string;
  /** IRT form; `u` (upper asymptote, 4PL) 1 when absent. */
  params: { a: number; b: number; c?: number; u?: number };
}

/**
 * The request shape /irt/score received, which decides the answer's shape:
 * - `observations`: ours (users named in the observations);
 * - `matrix`: the R service's, rows of 0/1/null aligned with `item_params`, one row per learner,
 *   answered in row order;
 * - `learner`: the online updater's, `{item_id, is_correct}` answers of one learner, answered
 *   with `theta` and `se` at the top level as well.
 */
export type ScoreShape = 'observations' | 'matrix' | 'learner';

/**
 * POST /irt/score, normalised from any of its shapes: abilities of one or more users from given
 * item parameters (the online update after a test session). `observations` has the /calibrate
 * shape; `item_params` the shape /calibrate returns (extra fields such as model are ignored).
 */
export interface ScoreRequest {
  shape: ScoreShape;
  item_params: ScoreItemParams[];
  observations: Observation[];
  /** `matrix`: the user ids given to the rows, in row order ("1", "2", ...). */
  rowUsers?: string[];
  /** EAP (default), MAP, ML or WLE. */
  method?: string;
  /** Prior of the population (EAP/MAP); default N(0, 1). */
  latent?: { mean: number; variance: number };
  /** Quadrature nodes for EAP (default the engine's, 121 on [-6, 6]). */
  quadpts?: number;
  model?: string;
  version?: string;
}

export interface ScoreResponse {
  /** theta is null only where no finite estimate exists (ML on all-right/all-wrong answers); `pattern` says so. */
  abilities: {
    user_id: string;
    theta: number | null;
    se: number | null;
    method: string;
    model: string;
    version: string;
    pattern?: 'all_correct' | 'all_wrong' | 'no_answers';
  }[];
  /** Users with no answer to a known item are listed, not scored. */
  unscored: string[];
}
