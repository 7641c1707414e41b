/**
 * Linking constants of a run given anchors, as the R service returned them in
 * `fit_meta.linking_constants {A, B, n_anchors_used}` (the old job stores them in
 * `model_spec.linking_constants`), with the method named:
 *
 * - `fixed_anchors`: pinned items put the run on their scale during estimation (the latent
 *   mean and variance are estimated). A and B are that scale's relation to the standard one,
 *   theta = A z + B with A = sd of the latent distribution and B its mean; nothing more is
 *   applied.
 * - `mean_sigma`: no item pinned, but at least two items came with starting values (their
 *   stored earlier estimates): the run, fitted on N(0, 1), is moved onto the stored scale by
 *   mean/sigma on the common items' b (Marco 1977), as the R service did:
 *     A = sd(b_stored) / sd(b_new),  B = mean(b_stored) - A mean(b_new),
 *     b* = A b + B,  a* = a / A,  theta* = A theta + B,  se(theta)* = A se, se(b)* = A se(b), se(a)* = se(a) / A,
 *   latent mean* = A mean + B, variance* = A^2 variance. c, fit and log-likelihood are unchanged.
 * - `none`: anchors were given but none could be used (A = 1, B = 0), with the reason.
 */
import type { AnchorSet } from '../contract/anchors.js';
import type { CalibrateResponse } from '../contract/types.js';

export interface LinkingConstants {
  method: 'fixed_anchors' | 'mean_sigma' | 'none';
  A: number;
  B: number;
  n_anchors_used: number;
  reason?: string;
}

function meanSd(v: number[]): { mean: number; sd: number } {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const ss = v.reduce((s, x) => s + (x - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (v.length - 1)) }; // R's sd(): n - 1
}

/** Computes the constants and, for mean/sigma, applies them to `response` in place. */
export function linkToAnchors(response: CalibrateResponse, anchors: AnchorSet): LinkingConstants {
  const spec = response.fit_meta.model_spec as Record<string, unknown>;
  const used = (spec.anchors as { used?: number } | null | undefined)?.used ?? 0;
  const latent = spec.latent as { mean: number; variance: number } | undefined;
  if (used > 0 && latent) {
    return { method: 'fixed_anchors', A: Math.sqrt(latent.variance), B: latent.mean, n_anchors_used: used };
  }
  const est: number[] = [];
  const stored: number[] = [];
  for (const it of response.item_params) {
    const s = anchors.start.get(it.item_id);
    if (!s || !Number.isFinite(it.params.b)) continue;
    est.push(it.params.b);
    stored.push(s.b);
  }
  const none = (reason: string): LinkingConstants => ({
    method: 'none',
    A: 1,
    B: 0,
    n_anchors_used: 0,
    reason,
  });
  if (est.length < 2)
    return none(
      `no anchored item in the data and ${est.length} item(s) with starting values (mean/sigma needs 2)`,
    );
  const e = meanSd(est);
  const s = meanSd(stored);
  if (!(e.sd > 0 && s.sd > 0))
    return none('the common items all have one b (mean/sigma needs a spread of difficulties)');
  const A = s.sd / e.sd;
  const B = s.mean - A * e.mean;
  for (const it of response.item_params) {
    it.params.a /= A;
    it.params.b = A * it.params.b + B;
    if (it.se) {
      if (it.se.a !== null) it.se.a /= A;
      if (it.se.b !== null) it.se.b *= A;
    }
  }
  for (const ab of response.abilities) {
    ab.theta = A * ab.theta + B;
    if (ab.se !== null) ab.se *= A;
  }
  if (latent) spec.latent = { mean: A * latent.mean + B, variance: A * A * latent.variance };
  return { method: 'mean_sigma', A, B, n_anchors_used: est.length };
}
