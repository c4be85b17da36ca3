/** The workflows' refusals, typed with the codes of the vocabulary. */
import { ApplicationFailure } from '@temporalio/common';
import { errorCatalogue, type ErrorCode } from './vocabulary';

/**
 * A workflow's refusal: non-retryable, typed with its code, with secret-free details the API
 * passes on (e.g. the open instances, or the findings of a refused submission).
 */
export function refuse(code: ErrorCode, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: !errorCatalogue[code].retryable, details: [details] });
}
