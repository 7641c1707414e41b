/** Raised for input the engine cannot work with (unknown model, empty data, bad option). */
export class EngineInputError extends Error {
  override name = 'EngineInputError';
}
