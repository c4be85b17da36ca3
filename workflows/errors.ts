/**
 * The one error vocabulary of the product (the jose model): every failure an activity, a workflow
 * or the API reports carries one of these codes, and each code knows whether a retry can help and
 * which HTTP status the API answers with. Activities raise them as DomainErrors, turned into
 * ApplicationFailures of the same `type` at their edge; workflows throw ApplicationFailures typed
 * with them (`refuse`); the API renders them as problem+json with `code` = the code.
 *
 * Imported by workflow code: no Node APIs, no zod. Never rename a code; add new ones.
 */
import { ApplicationFailure } from '@temporalio/common';

interface CodeSpec {
  status: number;
  retryable: boolean;
  title: string;
}

export const errorCatalogue = {
  // Requests the API refuses before any workflow sees them.
  VALIDATION_FAILED: { status: 400, retryable: false, title: 'The request is invalid' },
  MALFORMED_JSON: { status: 400, retryable: false, title: 'The body is not valid JSON' },
  UNAUTHENTICATED: { status: 401, retryable: false, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, retryable: false, title: 'The caller may not do this' },
  ROUTE_NOT_FOUND: { status: 404, retryable: false, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, title: 'The route does not take this method' },
  ONBOARDING_NOT_FOUND: { status: 404, retryable: false, title: 'No onboarding for this participant' },
  ONBOARDING_CONFLICT: { status: 409, retryable: false, title: 'An onboarding for this participant already exists with different details' },
  ONBOARDING_CLOSED: { status: 409, retryable: false, title: 'The onboarding has already ended' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, title: 'The body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, title: 'Unsupported content type' },
  RATE_LIMITED: { status: 429, retryable: true, title: 'Too many requests from this caller' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, retryable: false, title: 'This Idempotency-Key was used for another request' },
  TEMPORAL_UNAVAILABLE: { status: 503, retryable: true, title: 'The workflow service is unavailable' },
  CA_UNAVAILABLE: { status: 503, retryable: true, title: 'The hub CA is not available' },
  HUB_CERTIFICATE_UNAVAILABLE: { status: 503, retryable: true, title: "The hub's server certificate is not available" },
  /** A bank's hub JWT key is made when its onboarding reaches JWT trust; asked before (or for another kind). */
  JWT_KEY_NOT_READY: { status: 404, retryable: false, title: 'No hub JWT key for this onboarding and environment yet' },
  INTERNAL_ERROR: { status: 500, retryable: false, title: 'Internal error' },

  // Workflow refusals: updates and signals the onboarding cannot take now, or input it refuses.
  INPUT_INVALID: { status: 400, retryable: false, title: 'The onboarding input is invalid' },
  GATE_NOT_AWAITED: { status: 409, retryable: false, title: 'The onboarding is not waiting for this decision' },
  SUBMISSION_NOT_AWAITED: { status: 409, retryable: false, title: 'The onboarding is not waiting for this submission' },
  DECISION_INVALID: { status: 422, retryable: false, title: 'The decision was refused by the workflow' },
  /** N-of-M: this principal already approved this round of the gate; another approver must. */
  APPROVER_ALREADY_DECIDED: { status: 409, retryable: false, title: 'This approver already approved this gate round' },
  /** Suspended or expired: an operator resumes it before anyone can act on it. */
  ONBOARDING_HALTED: { status: 409, retryable: false, title: 'The onboarding is suspended or expired; an operator must resume it' },
  /** Resume of an onboarding that is not halted, or suspend of one that is. */
  HALT_STATE_CONFLICT: { status: 409, retryable: false, title: 'The onboarding is not in a state this operation applies to' },
  SUBMISSION_INVALID: { status: 422, retryable: false, title: 'The submission is malformed' },
  SUBMISSION_REFUSED: { status: 422, retryable: false, title: 'The submission does not pass the checks' },
  STATE_CORRUPT: { status: 500, retryable: false, title: 'The onboarding state is inconsistent' },
  /** The update reached the workflow after its caller's deadline (no worker was polling): not applied. */
  REQUEST_EXPIRED: { status: 503, retryable: true, title: 'The request reached the onboarding too late and was not applied' },

  // Activities: PKI input and the hub CA.
  DER_INVALID: { status: 422, retryable: false, title: 'The data is not valid DER' },
  DER_TRAILING_DATA: { status: 422, retryable: false, title: 'The DER object is followed by extra bytes' },
  DER_NOT_CANONICAL: { status: 422, retryable: false, title: 'The data is BER, not DER' },
  NOT_A_CERTIFICATE: { status: 422, retryable: false, title: 'The data is not a readable X.509 certificate' },
  NOT_A_CSR: { status: 422, retryable: false, title: 'The data is not a readable PKCS#10 request' },
  CSR_REJECTED: { status: 422, retryable: false, title: 'The CSR does not meet the hub policy' },
  CA_PROFILE_VIOLATION: { status: 500, retryable: false, title: 'The hub CA would issue a certificate that breaks its own rules' },
  CA_FILES_INVALID: { status: 500, retryable: false, title: 'The hub CA files are unusable' },
  CA_KEY_MISMATCH: { status: 500, retryable: false, title: 'The hub CA key does not match its certificate' },

  // Activities: network access (gateway).
  /** The rendered gateway configuration failed `nginx -t`: the running one is untouched. */
  GATEWAY_CONFIG_REFUSED: { status: 500, retryable: false, title: 'The gateway refused the new configuration' },
  /** The gateway took the configuration but did not serve it in time (reload); a retry may help. */
  GATEWAY_NOT_LIVE: { status: 503, retryable: true, title: 'The gateway did not take the new configuration in time' },

  // Activities: the hub ledger (central-ledger's admin API).
  /** The ledger did not answer in time, answered 5xx, or could not be reached: the idempotent set-up is retried. */
  LEDGER_UNAVAILABLE: { status: 503, retryable: true, title: 'The hub ledger is unavailable' },
  /** The ledger refused a set-up call for a reason a retry cannot change (unknown currency, invalid name…). */
  LEDGER_REFUSED: { status: 500, retryable: false, title: 'The hub ledger refused the participant set-up' },

  // Activities: the processing centre (bank counterparties).
  /** The processing centre refused the counterparty for a reason a retry cannot change (its alias belongs to another bank). */
  PROCESSING_REFUSED: { status: 409, retryable: false, title: 'The processing centre refused the counterparty' },

  // Activities: notifications.
  /** The SMTP server did not take a message; the activity retries, the wait goes on regardless. */
  NOTIFIER_UNAVAILABLE: { status: 503, retryable: true, title: 'The notification channel is unavailable' },

  // Activities: the hub's own client keys towards participants (hub → participant mTLS).
  /** A certificate for the hub's client key arrived before the key exists (a bug, not input). */
  HUB_CLIENT_KEY_MISSING: { status: 500, retryable: false, title: 'The hub has no client key for this participant' },
  /** The checked certificate is for a key the hub has since replaced. */
  HUB_CLIENT_KEY_REPLACED: { status: 409, retryable: false, title: "The hub's client key was replaced" },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(errorCatalogue, value);
}

/**
 * A workflow's refusal: non-retryable, typed with its code, with secret-free details the API
 * passes on (e.g. the open instances, or the findings of a refused submission).
 */
export function refuse(code: ErrorCode, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: !errorCatalogue[code].retryable, details: [details] });
}
