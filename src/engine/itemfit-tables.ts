/**
 * What the item fit statistics on incomplete designs share (itemfit-sparse.ts): their options,
 * the data they read, and the probability tables:
 * P, Q = 1 - P per item and node, their logs, and the ratios the leave-one-out posterior uses.
 */

import { fillLogTables, fillProbabilities } from './models/logistic.js';
import type { ItemBank } from './models.js';
import type { ResponseData } from './responses.js';

export interface SparseFitOptions {
  /** Quadrature nodes (default 61) on [-quadRange, quadRange] (default 6). */
  readonly quadPoints?: number;
  readonly quadRange?: number;
  /**
   * Subtracted from each item's df (default 0, see the file comment; S-X2's count of the
   * estimated parameters reproduces mirt on complete data).
   */
  readonly dfSubtract?: ArrayLike<number>;
  /** Minimum expected count of a cell (default 1, as S-X2). */
  readonly mincell?: number;
  /** Most groups per item (default 10). */
  readonly maxGroups?: number;
  /** Fewest informative learners per group (default 20). */
  readonly minGroupSize?: number;
  /** false: the mean squares only (default true: both statistics). */
  readonly sx2?: boolean;
  /**
   * Learners with more answers stay out of the S-X2 table (not out of the mean squares): their
   * sum-score expectations cost O(K^2 nodes) each. Default 300.
   */
  readonly maxLearnerAnswers?: number;
  /**
   * Bound on the sum-score pass, in node-answer² units (sum over learners of K_n² Q): past it,
   * every s-th learner (by index, so the choice does not depend on the answers) enters the S-X2
   * table, s the smallest stride that fits. Default 5e8 (about 0.5 s on one core); the mean
   * squares always use every answer. Without it a 2M-answer bank spent 20 s here against 1.5 s
   * for the whole rest of the calibration.
   */
  readonly maxSumScoreWork?: number;
}

export type SparseFitData = Pick<ResponseData, 'nUsers' | 'nItems' | 'userPtr' | 'userItem' | 'userResp'>;

export interface Tables {
  readonly P: Float64Array;
  readonly Q: Float64Array;
  readonly logP: Float64Array;
  readonly logQ: Float64Array;
  /** 1/P, 1/Q and P/Q per item and node: the leave-one-out posterior without an exp per node. */
  readonly invP: Float64Array;
  readonly invQ: Float64Array;
  readonly PoverQ: Float64Array;
  /** Per item: 1 when some node's P or Q is below e^-600 (the linear-space path could underflow). */
  readonly extreme: Uint8Array;
}

/** P, Q = 1 - P (without cancellation, models/logistic.ts), their logs and ratios per item and node. */
export function probabilityTables(bank: ItemBank, nodes: Float64Array): Tables {
  const nQ = nodes.length;
  const P = new Float64Array(bank.a.length * nQ);
  const Q = new Float64Array(P.length);
  fillProbabilities(bank, nodes, P, Q);
  const extreme = new Uint8Array(bank.a.length);
  for (let i = 0; i < P.length; i++) if (!(P[i] > TINY && Q[i] > TINY)) extreme[Math.floor(i / nQ)] = 1;
  // The logs from z (log s(z) and the asymptotes), not log(P): past a slope of ~120 some node's
  // P underflows to 0, and a log of -Inf there made the leave-one-out sums NaN.
  const logP = new Float64Array(P.length);
  const logQ = new Float64Array(P.length);
  fillLogTables(bank, nodes, logP, logQ);
  return {
    P,
    Q,
    logP,
    logQ,
    invP: P.map((p) => 1 / p),
    invQ: Q.map((q) => 1 / q),
    PoverQ: P.map((p, i) => p / Q[i]),
    extreme,
  };
}

/** e^-600: below it a factor of the posterior may underflow once multiplied in. */
export const TINY = Math.exp(-600);
