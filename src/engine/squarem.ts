/**
 * The EM driver: iterates the EM map (em.ts) to convergence, accelerated by SQUAREM.
 *
 * SQUAREM (Varadhan & Roland 2008, scheme S3) extrapolates from two EM steps,
 * r = F(x) - x, v = F(F(x)) - F(x) - r:
 *   alpha = -|r| / |v| (at most -1),   x' = x - 2 alpha r + alpha^2 v,
 * then takes one EM step from x' to stabilise. A jump whose objective (logLik + log prior) is
 * below that of F(x) is rejected and the plain EM point F(F(x)) is used instead, so every
 * accepted iterate is at least as good as plain EM: the fixed point, and so the optimum, is EM's.
 *
 * Convergence (as mirt): the largest absolute change of any parameter over one EM step is
 * below `tol`, slopes and intercepts as estimated, c as a probability, the variance as itself.
 */

import { EmMap, type EmOptions, type EmResult, type EStepExecutor } from './em.js';
import { type ParamLayout, startValues } from './params.js';
import type { ResponseData } from './responses.js';

/** Runs EM to convergence (or maxCycles) from the start values. */
export async function runEm(
  data: ResponseData,
  options: EmOptions,
  executor: EStepExecutor,
  onCycle?: (cycle: number, objective: number, change: number) => void,
  start?: { layout: ParamLayout; x?: Float64Array },
): Promise<EmResult> {
  const em = new EmMap(data, options, executor, start?.layout);
  const { layout } = em;
  const n = layout.size;
  let x0 = start?.x ? start.x.slice() : startValues(layout, data);
  const [x1, x2, xj, x3] = [0, 1, 2, 3].map(() => new Float64Array(n));
  const { maxCycles, tol } = options;
  let rejections = 0;
  let useSquarem = options.acceleration === 'squarem';
  let stepCap = 1e6;
  /**
   * After the EM step from -> to: the result when EM stops there (converged, or some slope ran
   * off its model's divergedSlope so the caller can hold the item by a prior), else null.
   */
  const settle = (from: Float64Array, to: Float64Array, objective?: number): Promise<EmResult> | null => {
    const change = layout.maxChange(from, to);
    if (objective !== undefined) onCycle?.(em.evaluations, objective, change);
    const diverged = layout.divergedItems(to);
    if (diverged.length > 0) return em.result(to, false, diverged);
    return change < tol ? em.result(to, true, []) : null;
  };

  for (;;) {
    if (em.evaluations >= maxCycles) return em.result(x0, false, []);
    const o0 = await em.apply(x0, x1);
    const r1 = settle(x0, x1, o0.logLik + o0.logPrior);
    if (r1) return r1;
    if (!useSquarem) {
      x0.set(x1);
      continue;
    }
    if (em.evaluations >= maxCycles) return em.result(x1, false, []);
    const o1 = await em.apply(x1, x2);
    const r2 = settle(x1, x2, o1.logLik + o1.logPrior);
    if (r2) return r2;
    const alpha = squaremJump(x0, x1, x2, stepCap, xj);
    const from = alpha === -1 || !layout.sanitize(xj) ? x2 : xj;
    if (em.evaluations >= maxCycles) return em.result(x2, false, []);
    const oj = await em.apply(from, x3);
    if (from === xj && !(oj.logLik + oj.logPrior >= o1.logLik + o1.logPrior)) {
      // Rejected: the jump lost ground; continue from F(F(x)) with shorter jumps from now on.
      rejections++;
      stepCap = Math.max(1, -alpha / 4);
      if (rejections >= 20) useSquarem = false;
      x0 = x2.slice();
      continue;
    }
    stepCap = Math.min(stepCap * 2, 1e6);
    const r3 = settle(from, x3, oj.logLik + oj.logPrior);
    if (r3) return r3;
    x0 = x3.slice();
  }
}

/**
 * SQUAREM S3: from x0 and two EM steps x1 = F(x0), x2 = F(x1), with r = x1 - x0 and
 * v = x2 - 2 x1 + x0, alpha = -|r| / |v| (at most -1, at least -stepCap) and the jump
 * x' = x0 - 2 alpha r + alpha^2 v into xj; returns alpha (-1: no jump, plain EM).
 */
function squaremJump(
  x0: Float64Array,
  x1: Float64Array,
  x2: Float64Array,
  stepCap: number,
  xj: Float64Array,
): number {
  const n = x0.length;
  let rr = 0;
  let vv = 0;
  for (let i = 0; i < n; i++) {
    const r = x1[i] - x0[i];
    const v = x2[i] - 2 * x1[i] + x0[i];
    rr += r * r;
    vv += v * v;
  }
  let alpha = vv > 0 ? -Math.sqrt(rr / vv) : -1;
  if (alpha > -1) alpha = -1;
  if (alpha < -stepCap) alpha = -stepCap;
  for (let i = 0; i < n; i++) {
    const r = x1[i] - x0[i];
    const v = x2[i] - 2 * x1[i] + x0[i];
    xj[i] = x0[i] - 2 * alpha * r + alpha * alpha * v;
  }
  return alpha;
}
