/** Raised for input the engine cannot work with (unknown model, empty data, bad option). */
export class EngineInputError extends Error {
  override name = 'EngineInputError';
  /**
   * The input concerned, by the engine's name for it (an option such as `cPrior` or
   * `quadPoints`, or `model`, `anchors`, `observations`), when the error is about one: a caller
   * names its own field from it (the service's `field`), never from the message's wording.
   */
  constructor(
    message: string,
    readonly subject?: string,
  ) {
    super(message);
  }
}
