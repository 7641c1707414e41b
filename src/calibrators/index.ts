/**
 * Chooses where estimation runs: the local engine unless R_IRT_BASE_URL is set.
 * Kept tiny on purpose: the remote branch is where the service's RemoteCalibrator slots in.
 */
import { RemoteCalibrator } from './remote.js';
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

/** `log` receives the remote calibrator's [WARN] lines (the job passes its own output). */
export async function createCalibrator(
  settings: CalibratorSettings,
  log?: (line: string) => void,
): Promise<Calibrator> {
  const r = settings.remote;
  if (r.baseUrl) {
    return new RemoteCalibrator({
      baseUrl: r.baseUrl,
      token: r.token,
      timeoutSecs: r.timeoutSecs,
      maxRetries: r.maxRetries,
      retryDelaySecs: r.retryDelaySecs,
      log,
    });
  }
  return createLocalCalibrator();
}

/**
 * The local engine's calibrator (src/calibrators/local.ts). Until the engine lands on this
 * branch, local.ts does not exist: the specifier is a variable so that the type check passes,
 * and a missing module is reported as such.
 */
async function createLocalCalibrator(): Promise<Calibrator> {
  const specifier = './local.js';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('local calibrator not available in this build (src/calibrators/local.ts is missing)');
    }
    throw e;
  }
  const Local = mod.LocalCalibrator as (new () => Calibrator) | undefined;
  if (typeof Local !== 'function')
    throw new Error('src/calibrators/local.ts does not export LocalCalibrator');
  return new Local();
}
