/**
 * Chooses where estimation runs: the local engine unless R_IRT_BASE_URL is set.
 * Kept tiny on purpose: the remote branch is where the service's RemoteCalibrator slots in.
 */
import { LocalCalibrator } from './local.js';
import type { Calibrator } from './types.js';

export interface CalibratorSettings {
  readonly remote: {
    readonly baseUrl: string | null;
    readonly token: string | null;
    readonly timeoutSecs: number;
    readonly maxRetries: number;
    readonly retryDelaySecs: number;
  };
}

export async function createCalibrator(settings: CalibratorSettings): Promise<Calibrator> {
  if (settings.remote.baseUrl) throw new Error('remote calibrator not available in this build');
  return new LocalCalibrator();
}
