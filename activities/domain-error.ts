/**
 * Errors of pure code (the jose model): a stable `code`, whether a retry can help, and details
 * safe to log and show. Activities turn them into ApplicationFailures at their edge.
 */
export class DomainError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly retryable = false,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
