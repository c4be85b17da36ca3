/**
 * The vocabulary every part shares: kinds, environments, roles, the names of gates, submissions and
 * tasks, codes, and every id builder. It imports nothing, so activities/ and api/ can use it without
 * pulling in workflow code; the message definitions (messages.ts) and the state types sit above it.
 */
export const onboardingKinds = ['dfsp', 'bank', 'tpp'] as const;
export type OnboardingKind = (typeof onboardingKinds)[number];

export const environments = ['sandbox', 'production'] as const;
export type Environment = (typeof environments)[number];

/** Who must act on a gate or a submission. */
export const roles = ['business', 'legal', 'security', 'ops', 'participant'] as const;
export type Role = (typeof roles)[number];

/** The hub's teams that decide gates; the API grants `approver:<role>`. */
export const approverRoles = ['business', 'legal', 'security', 'ops'] as const;
export type ApproverRole = (typeof approverRoles)[number];

/**
 * Human approval gates, the vocabulary every kind draws from (seeds 000-004). Each kind declares
 * which it uses (`journeys`); a decision for a gate instance that is not open is refused with
 * GATE_NOT_AWAITED, listing the open ones.
 */
export const gateNames = [
  'application-review',
  'certificate-review',
  'uat-signoff',
  'contract',
  'go-live',
  'ledger-setup',
  'jwt-trust-check',
  'integration-test',
  'kickoff-call',
  'bank-coordination',
] as const;
export type GateName = (typeof gateNames)[number];

/** The team each gate awaits: the workflow opens it for them, the API lets only them decide it. */
export const gateRoles: Record<GateName, ApproverRole> = {
  'application-review': 'business',
  'certificate-review': 'security',
  'uat-signoff': 'ops',
  contract: 'legal',
  'go-live': 'ops',
  /** Ops confirm the DFSP is set up in the hub ledger by hand (no ledger API configured). */
  'ledger-setup': 'ops',
  /** Security records the bank's JWT check by hand when the hub cannot reach its authorization URL. */
  'jwt-trust-check': 'security',
  /** Ops confirm the bank's integration test scenario (amount created, transfer checks) on its evidence. */
  'integration-test': 'ops',
  /** Business holds the kickoff call an API client asked for. */
  'kickoff-call': 'business',
  /** Ops confirm the bank-side operations the client's APIs need (e.g. IBAN verification) are in place. */
  'bank-coordination': 'ops',
};

/** What participants submit: each is one shared step (workflows/steps/), answered with findings. */
export const submissionNames = [
  'certificate-bundle',
  'ip-allowlist',
  'oauth-client',
  'client-csr',
  'server-certificate',
  'hub-client-certificate',
  'jws-key',
  'endpoints',
  'connectivity',
  'uat-retest',
  'contract-revision',
  'go-live-readiness',
  'authorization-service',
  'officer-credentials',
  'identifiers',
  'redirect-urls',
] as const;
export type SubmissionName = (typeof submissionNames)[number];

/** What the hub does by itself between waits (recorded as tasks in the status). */
export const taskNames = ['hub-client-csr', 'hub-ledger', 'hub-jwt-key', 'processing-center', 'uat-run'] as const;
export type TaskName = (typeof taskNames)[number];

/** Steps as shown in the `OnboardingStep` search attribute: a gate, a submission, a hub task, or the end. */
export type StepName = GateName | SubmissionName | TaskName | 'registration' | 'done';

export const lifecycleStates = [
  'in-progress',
  'awaiting-approval',
  'awaiting-participant',
  /** An operator paused it: timers stand still, nothing is taken until resumed. */
  'suspended',
  /** On boarding finished; the hub watches its certificates (lifecycle). */
  'live',
  'completed',
  'rejected',
  'expired',
  'cancelled',
  'failed',
] as const;
export type LifecycleState = (typeof lifecycleStates)[number];

export const decisions = ['approved', 'rejected'] as const;
export type Decision = (typeof decisions)[number];

/** The pattern a participant id must match: it becomes part of the workflow id. */
export const participantIdPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DFSP's id is its FSP id in the hub ledger: central-ledger takes names of 2-30 characters. */
export const fspIdLength = { min: 2, max: 30 } as const;

export function isFspId(id: string): boolean {
  return participantIdPattern.test(id) && id.length >= fspIdLength.min && id.length <= fspIdLength.max;
}

/** Workflow ids come only from here: one onboarding per participant. */
export function onboardingWorkflowId(participantId: string): string {
  return `onboarding-${participantId}`;
}

/** Identifies one opening of a gate or submission: (name, environment, round). */
export interface InstanceKey {
  name: GateName | SubmissionName;
  environment: Environment;
  round: number;
}

/** Instance ids come only from here, e.g. `contract@production#2`. */
export function instanceId(key: InstanceKey): string {
  return `${key.name}@${key.environment}#${key.round}`;
}

/** The notification for one instance's opening: delivered once per instance, however often retried. */
export function openedNotificationKey(participantId: string, key: InstanceKey): string {
  return `${onboardingWorkflowId(participantId)}/${instanceId(key)}/opened`;
}

/** Kinds whose journey is implemented; the others arrive with their roadmap issues. */
export const supportedKinds = ['dfsp', 'tpp', 'bank'] as const satisfies readonly OnboardingKind[];
export type SupportedKind = (typeof supportedKinds)[number];

/** What a kind's journey is made of: the gates and submissions it opens (for docs, API and checks). */
export interface JourneyDeclaration {
  gates: readonly GateName[];
  submissions: readonly SubmissionName[];
}

export const journeys = {
  dfsp: {
    gates: ['ledger-setup', 'uat-signoff', 'contract', 'go-live'],
    submissions: [
      'client-csr',
      'server-certificate',
      'hub-client-certificate',
      'jws-key',
      'endpoints',
      'ip-allowlist',
      'oauth-client',
      'connectivity',
      'uat-retest',
      'contract-revision',
      'go-live-readiness',
    ],
  },
  tpp: {
    gates: ['application-review', 'kickoff-call', 'uat-signoff', 'contract', 'bank-coordination', 'go-live'],
    submissions: [
      'certificate-bundle',
      'oauth-client',
      'redirect-urls',
      'uat-retest',
      'contract-revision',
      'client-csr',
      'ip-allowlist',
      'go-live-readiness',
    ],
  },
  bank: {
    gates: ['jwt-trust-check', 'integration-test', 'go-live'],
    submissions: ['authorization-service', 'officer-credentials', 'identifiers', 'uat-retest', 'go-live-readiness'],
  },
} as const satisfies Record<SupportedKind, JourneyDeclaration>;

/** APIs whose use needs operations on the bank's side before go-live (a bank-coordination gate runs beside production). */
export const apisNeedingBankOperations: readonly string[] = ['payments', 'iban-verification'];

/** A DNS label short enough for `backoffice-<alias>-production` (63 characters). */
export const bankAliasPattern = /^[a-z0-9](?:[a-z0-9-]{0,39}[a-z0-9])?$/;

/** The hosts the hub runs for a bank in an environment (seed 001: api-{alias}-…, backoffice-{alias}-…). */
export function bankHosts(alias: string, environment: Environment): { api: string; backoffice: string } {
  return { api: `api-${alias}-${environment}`, backoffice: `backoffice-${alias}-${environment}` };
}

/** The workflow type that runs each kind (the names `workflows/index.ts` exports). */
export const workflowTypeByKind = { dfsp: 'dfspOnboarding', tpp: 'tppOnboarding', bank: 'bankOnboarding' } as const satisfies Record<
  SupportedKind,
  string
>;

/** A link to what a decision rests on (a UAT test report, a signed contract in the document store). */
export interface EvidenceLink {
  label: string;
  /** https only. */
  url: string;
}

/** Gates whose approval must carry at least one evidence link (seed 004: UAT is signed off on a test report). */
export const evidenceRequiredFor: readonly GateName[] = ['uat-signoff', 'integration-test', 'jwt-trust-check'];

/** How a decision reached the onboarding: the API (authenticated principal) or a Temporal signal (name as given). */
export type DecisionChannel = 'api' | 'signal';

/** The identity of a certificate in use, as the PKI checks summarise it and artifacts record it. */
export interface CertificateIdentity {
  subject: string;
  issuer: string;
  serialHex: string;
  sha256: string;
  notBefore: string;
  notAfter: string;
  sanDns: string[];
  sanIps: string[];
}

/** How a check rates one finding. */
export type CheckResult = 'pass' | 'warn' | 'fail' | 'not-applicable';

/** The states of a watched certificate: in force, renewal opened, expired unrenewed, superseded by its renewal. */
export const watchedCertificateStates = ['valid', 'renewal-due', 'expired', 'replaced'] as const;
export type WatchedCertificateState = (typeof watchedCertificateStates)[number];

/** What `CertificateState` says of a live onboarding: the worst state of the certificates in force. */
export const certificateAlerts = ['valid', 'renewal-due', 'expired'] as const;
export type CertificateAlert = (typeof certificateAlerts)[number];

/** The FSPIOP callback types a DFSP must provide (parties, quotes, transfers); others are optional. */
export const requiredCallbackTypes = [
  'FSPIOP_CALLBACK_URL_PARTIES_GET',
  'FSPIOP_CALLBACK_URL_PARTIES_PUT',
  'FSPIOP_CALLBACK_URL_PARTIES_PUT_ERROR',
  'FSPIOP_CALLBACK_URL_QUOTES',
  'FSPIOP_CALLBACK_URL_TRANSFER_POST',
  'FSPIOP_CALLBACK_URL_TRANSFER_PUT',
  'FSPIOP_CALLBACK_URL_TRANSFER_ERROR',
] as const;

/** Every callback type central-ledger knows for FSPIOP services (its endpointType seed). */
export const callbackTypes = [
  ...requiredCallbackTypes,
  'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_GET',
  'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT',
  'FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_PUT_ERROR',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_PUT',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_SUB_ID_PUT',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_PUT_ERROR',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_SUB_ID_PUT_ERROR',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_DELETE',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_SUB_ID_DELETE',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT',
  'FSPIOP_CALLBACK_URL_PARTICIPANT_BATCH_PUT_ERROR',
  'FSPIOP_CALLBACK_URL_BULK_TRANSFER_POST',
  'FSPIOP_CALLBACK_URL_BULK_TRANSFER_PUT',
  'FSPIOP_CALLBACK_URL_BULK_TRANSFER_ERROR',
  'FSPIOP_CALLBACK_URL_BULK_QUOTES',
  'FSPIOP_CALLBACK_URL_AUTHORIZATIONS',
  'FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE',
  // Foreign exchange (FSPIOP 2.0; central-ledger 19.x seeds them): a DFSP that is also an FXP registers these.
  'FSPIOP_CALLBACK_URL_FX_QUOTES',
  'FSPIOP_CALLBACK_URL_FX_TRANSFER_POST',
  'FSPIOP_CALLBACK_URL_FX_TRANSFER_PUT',
  'FSPIOP_CALLBACK_URL_FX_TRANSFER_ERROR',
] as const;
export type CallbackType = (typeof callbackTypes)[number];

/**
 * The one error vocabulary of the product (the jose model): every failure an activity, a workflow
 * or the API reports carries one of these codes, and each code knows whether a retry can help and
 * which HTTP status the API answers with. Activities raise them as DomainErrors, turned into
 * ApplicationFailures of the same `type` at their edge; workflows throw ApplicationFailures typed
 * with them (`refuse`); the API renders them as problem+json with `code` = the code.
 *
 * Imported by workflow code: no Node APIs, no zod. Never rename a code; add new ones.
 */
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
  CODEC_INPUT_INVALID: { status: 400, retryable: false, title: 'The payloads cannot be encoded or decoded' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, retryable: false, title: 'This Idempotency-Key was used for another request' },
  TEMPORAL_UNAVAILABLE: { status: 503, retryable: true, title: 'The workflow service is unavailable' },
  CA_UNAVAILABLE: { status: 503, retryable: true, title: 'The hub CA is not available' },
  HUB_CERTIFICATE_UNAVAILABLE: { status: 503, retryable: true, title: "The hub's server certificate is not available" },
  /** A bank's hub JWT key is made when its onboarding reaches JWT trust; asked before (or for another kind). */
  JWT_KEY_NOT_READY: { status: 404, retryable: false, title: 'No hub JWT key for this onboarding and environment yet' },
  /** A connection pack is for a DFSP whose environment's TLS material, JWS key, endpoints and OAuth client are all accepted. */
  CONNECTION_PACK_NOT_READY: {
    status: 409,
    retryable: false,
    title: 'The connection pack is not ready: the onboarding lacks what it holds',
  },
  /** No UAT run by that id for this onboarding (the runs: GET /onboardings/:id/uat-runs). */
  UAT_RUN_NOT_FOUND: { status: 404, retryable: false, title: 'No such UAT run for this onboarding' },
  API_KEY_NOT_FOUND: { status: 404, retryable: false, title: 'No such API key for this participant' },
  API_KEY_REVOKED: { status: 409, retryable: false, title: 'The API key is revoked' },
  /**
   * The worker could not replay the onboarding's history to answer a read (a nondeterminism: the
   * workflow code does not match what the history recorded). Nothing is lost; ops see the failed
   * workflow tasks in the Temporal UI.
   */
  ONBOARDING_UNREADABLE: { status: 500, retryable: false, title: "The worker cannot replay this onboarding's history" },
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
  REQUEST_NOT_PROVEN: {
    status: 403,
    retryable: false,
    title: 'The request did not come through the onboarding API; send it through the API or the ops CLI',
  },
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
  GATEWAY_NOT_RUNNING: { status: 503, retryable: true, title: 'The gateway is not running: nothing was applied, the change is retried' },

  // Activities: the hub ledger (central-ledger's admin API).
  /** The ledger did not answer in time, answered 5xx, or could not be reached: the idempotent set-up is retried. */
  LEDGER_UNAVAILABLE: { status: 503, retryable: true, title: 'The hub ledger is unavailable' },
  /** The ledger refused a set-up call for a reason a retry cannot change (unknown currency, invalid name…). */
  LEDGER_REFUSED: { status: 500, retryable: false, title: 'The hub ledger refused the participant set-up' },

  // Activities: the hub's UAT runs (the Testing Toolkit).
  /** The UAT runner did not answer or could not be reached: the run (by its id, never twice) is asked for again. */
  UAT_RUNNER_UNAVAILABLE: { status: 503, retryable: true, title: 'The UAT runner is unavailable' },
  /** The runner took the run but could not carry it out (TTK refused the collection): ops decide at the gate without it. */
  UAT_RUN_FAILED: { status: 500, retryable: false, title: 'The UAT run could not be carried out' },

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

/** Task ids come only from here: one run of a hub task per environment, e.g. `hub-ledger@production`. */
/** `hub-ledger@sandbox`; a task run once per gate round carries the round: `uat-run@sandbox#2`. */
export function taskId(name: TaskName, environment: Environment, round?: number): string {
  return round === undefined ? `${name}@${environment}` : `${name}@${environment}#${round}`;
}
