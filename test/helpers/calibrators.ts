/**
 * Calibrators for tests of the data layer and the orchestration, independent of the engine:
 * `ProportionCalibrator` derives its numbers from the data (item difficulty from the logit of the
 * proportion correct, ability from the user's logit score), so the rows it yields are determined
 * by what was extracted; it can be told to fail or to return a bad row.
 */
import type { CalibrationJob, Calibrator } from '../../src/calibrators/types.js';
import type { CalibrateResponse } from '../../src/contract/types.js';
import type { ResponseData } from '../../src/engine/responses.js';

export class ProportionCalibrator implements Calibrator {
  readonly kind: 'local' | 'remote';
  calls = 0;
  lastData: ResponseData | null = null;
  constructor(
    private readonly opts: {
      fail?: string;
      kind?: 'local' | 'remote';
      nanTheta?: boolean;
      notConverged?: boolean;
      diverged?: string[];
      /** Flags to put on items, by item id (as the engine's item-flags would). */
      flags?: Record<string, string[]>;
    } = {},
  ) {
    this.kind = opts.kind ?? 'local';
  }
  describe(): string {
    return `proportion test calibrator (${this.kind})`;
  }
  async calibrate(data: ResponseData, job: CalibrationJob): Promise<CalibrateResponse> {
    this.calls++;
    this.lastData = data;
    if (this.opts.fail) throw new Error(this.opts.fail);
    const logit = (p: number) => Math.log(p / (1 - p));
    // Items named as diverged are left out of the answer and listed, as the engine does.
    const item_params = data.itemIds.flatMap((id, j) =>
      this.opts.diverged?.includes(id)
        ? []
        : [
            {
              item_id: id,
              model: job.model,
              params: { a: 1, b: -logit(data.itemCorrect[j] / data.itemN[j]) },
              version: job.version,
              ...(this.opts.flags?.[id] ? { flags: this.opts.flags[id] } : {}),
            },
          ],
    );
    const abilities = data.userIds.map((id, u) => {
      const n = data.userPtr[u + 1] - data.userPtr[u];
      let c = 0;
      for (let k = data.userPtr[u]; k < data.userPtr[u + 1]; k++) c += data.userResp[k];
      return {
        user_id: id,
        theta: this.opts.nanTheta && u === 0 ? Number.NaN : logit((c + 0.5) / (n + 1)),
        se: 1 / Math.sqrt(n),
        model: job.model,
        version: job.version,
      };
    });
    return {
      item_params,
      abilities,
      fit_meta: {
        run_id: job.runId,
        model_spec: { model: job.model, n_items: data.nItems, n_users: data.nUsers },
        metrics: {
          logLik: -data.nObs * Math.log(2),
          AIC: 2 * data.nObs * Math.log(2),
          ...(this.opts.notConverged ? { converged: false, cycles: 500 } : {}),
          ...(this.opts.diverged
            ? {
                hygiene: {
                  excluded_items: this.opts.diverged.map((id) => ({
                    id,
                    reason: 'slope_diverged',
                    n: data.itemN[data.itemIds.indexOf(id)],
                  })),
                },
              }
            : {}),
        },
      },
    };
  }
}
