/**
 * Errors of pure code (the jose model): a stable `code` from the product's one vocabulary
 * (workflows/errors.ts), which also says whether a retry can help, and details safe to log and
 * show. Activities turn them into ApplicationFailures at their edge.
 */
import { ErrorCode, errorCatalogue } from '../workflows/vocabulary';

export class DomainError<C extends ErrorCode = ErrorCode> extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: C,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.retryable = errorCatalogue[code].retryable;
  }
}
