/** A request or response that breaks the contract; `field` is a path such as `observations[3].user_id`. */
export class ContractError extends Error {
  override name = 'ContractError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
