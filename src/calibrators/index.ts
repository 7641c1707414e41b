/**
 * Chooses where estimation runs: the local engine unless R_IRT_BASE_URL is set.
 */
import { type JobOptions, optionDefaults } from '../contract/options.js';
import { LocalCalibrator } from './local.js';
import { RemoteCalibrator } from './remote.js';
import type { Calibrator } from './types.js';

export interface CalibratorSettings {
  /** Options every calibration of this calibrator uses unless its job sets them (the job's MIRT_C_PRIOR, ...). */
  readonly options?: JobOptions;
  readonly remote: {
    readonly baseUrl: string | null;
    readonly path: string;
    readonly token: string | null;
    readonly timeoutSecs: number;
    readonly maxRetries: number;
    readonly retryDelaySecs: number;
  };
}

/** `log` receives the remote calibrator's [WARN] lines (the job passes its own output). */
export async function createCalibrator(
  settings: CalibratorSettings,
  log?: (line: string) => void,
): Promise<Calibrator> {
  const r = settings.remote;
  if (r.baseUrl) {
    return new RemoteCalibrator({
      baseUrl: r.baseUrl,
      path: r.path,
      token: r.token,
      timeoutSecs: r.timeoutSecs,
      maxRetries: r.maxRetries,
      retryDelaySecs: r.retryDelaySecs,
      log,
      defaults: settings.options,
    });
  }
  // The job's runs are unattended: what it does not configure takes the unattended defaults. A
  // remote service applies its own (ours the same ones); only what was configured is sent.
  return new LocalCalibrator(undefined, { ...optionDefaults('unattended'), ...settings.options });
}
