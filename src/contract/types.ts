/**
 * The JSON contract of POST /calibrate, shared by the job, the HTTP service and the remote client.
 * It is the R IRT Plumber service's contract: field names and shapes must not change.
 */
import type { WireOptions } from './options.js';

export interface Observation {
  user_id: string;
  item_id: string;
  is_correct: boolean | 0 | 1 | null;
  responded_at?: string | null;
}

export interface ItemParamsRecord {
  item_id: string;
  model: string;
  /** IRT form; `c` only for the 3PL and 4PL, `u` (upper asymptote) only for the 4PL. */
  params: { a: number; b: number; c?: number; u?: number };
  version: string;
  /** Beyond the seed contract (optional for callers): standard errors, counts and item fit. */
  se?: { a: number | null; b: number | null; c?: number | null; u?: number | null };
  n?: number;
  p_correct?: number;
  /** Fixed at an anchor's values, not estimated in this run. */
  anchored?: true;
  /** `S-X2`: mirt's, on complete data; `S-X2-incomplete`: its generalisation to sparse designs. */
  fit?:
    | { statistic: 'S-X2' | 'S-X2-incomplete'; value: number; df: number; p: number; rmsea: number }
    | { statistic: null; reason: string };
  /** Infit and outfit mean squares with their standardised forms (any design; null: none finite). */
  mean_squares?: {
    infit: number;
    infit_z: number | null;
    outfit: number;
    outfit_z: number | null;
    n: number;
  };
  /** Screening flags (engine/item-flags.ts; thresholds in fit_meta.metrics.item_flags). */
  flags?: string[];
}

export interface AbilityRecord {
  user_id: string;
  theta: number;
  /** null where no standard error exists (ML/WLE on all-right or all-wrong answers). */
  se: number | null;
  model: string;
  version: string;
}

export interface FitMeta {
  run_id: string;
  model_spec: { model: string; n_items: number; n_users: number; [key: string]: unknown };
  metrics: { logLik: number; AIC: number; [key: string]: unknown };
}

export interface CalibrateResponse {
  item_params: ItemParamsRecord[];
  abilities: AbilityRecord[];
  fit_meta: FitMeta;
}

/** POST /calibrate; the optional engine options beyond the seed are options.ts's (wire names). */
export interface CalibrateRequest extends WireOptions {
  observations: Observation[];
  model?: string;
  version?: string;
  run_id?: string;
  /** Fixed item parameters: [{item_id, a, b, c?}] or {item_id: {a, b, c?}} (contract/anchors.ts). */
  anchors?: unknown;
}
