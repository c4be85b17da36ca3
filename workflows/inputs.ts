/** What reaches an onboarding: its start input, decisions, halts and submissions with their payloads, and the answers. */
import type { GatePolicy, JourneyLimits } from './policy';
import type { AccessRequest, BankRegistration, DfspRegistration, ParticipantProfile } from './registration';
import type { GateInstance, OnboardingStatus, SubmissionInstance } from './state';
import type { CallbackType, Decision, Environment, EvidenceLink, GateName, SubmissionName } from './vocabulary';

interface CommonInput {
  participantId: string;
  participant: ParticipantProfile;
  /** sha256 of the canonical start request: a repeated start with another body is a conflict. */
  requestFingerprint: string;
  limits?: JourneyLimits;
  /** Approvals and chase timers; absent: `defaultGatePolicy`. */
  policy?: GatePolicy;
  /** The API request that started it (x-request-id), for the logs. */
  requestId?: string;
  /** Set only by the journey itself when it continues as new: the state it carries on from. */
  resume?: OnboardingStatus;
  /**
   * Set by the API when it starts the onboarding: every human request must carry the API's proof
   * (`proof`, checked by the worker): one sent straight to Temporal is refused (REQUEST_NOT_PROVEN).
   */
  requestProofs?: true;
}

/** The API's proof that a request passed its authentication (HMAC; activities/identity/request-proof.ts). */
export interface Proven {
  proof?: string;
}

export interface TppOnboardingInput extends CommonInput {
  kind: 'tpp';
  application: AccessRequest;
}

export interface DfspOnboardingInput extends CommonInput {
  kind: 'dfsp';
  registration: DfspRegistration;
}

export interface BankOnboardingInput extends CommonInput {
  kind: 'bank';
  registration: BankRegistration;
}

/** The start input, one shape per kind. */
export type OnboardingInput = DfspOnboardingInput | TppOnboardingInput | BankOnboardingInput;

export interface GateDecisionInput extends Proven {
  gate: GateName;
  /** Which environment's instance; may be left out when only one instance of the gate is open. */
  environment?: Environment;
  decision: Decision;
  decidedBy: string;
  comment?: string;
  evidence?: EvidenceLink[];
  /** ISO time after which the caller has given up: a later delivery is refused (REQUEST_EXPIRED). */
  notAfter?: string;
  /** The API's fingerprint of the request, recorded and returned with the outcome. */
  requestHash?: string;
  /** The API request (x-request-id), logged by the workflow and the activities it runs. */
  requestId?: string;
}

export interface CertificateBundlePayload {
  pem: string;
  /** An API client's technical evaluation: the CSR the certificate came from, and the challenge signed with its key (base64). */
  csrPem?: string;
  challengeSignature?: string;
}

/** An API client's OAuth redirect URIs (mandatory, exact https) and callback URLs (optional); the whole set, replaceable. */
export interface RedirectUrlsPayload {
  redirectUris: string[];
  callbackUrls?: string[];
}

/** The full list of addresses and CIDR blocks the participant connects from (replaces the previous one). */
export interface IpAllowlistPayload {
  entries: string[];
}

/**
 * The participant asks for its OAuth client: a client id + secret (`client_secret_basic`), or
 * authentication with its hub-issued certificate (`tls_client_auth`, RFC 8705) named by its subject
 * DN. Sent again once the client exists, it rotates the secret.
 */
export interface OauthClientPayload {
  /** Absent: a new client gets a secret; an existing one keeps its method. */
  authMethod?: 'client_secret_basic' | 'tls_client_auth';
  tlsSubjectDn?: string;
}

/** A PKCS#10 request for the participant's TLS client certificate, which the hub CA signs. */
export interface ClientCsrPayload {
  csrPem: string;
}

/**
 * The participant's JWS public key (SPKI PEM) or certificate (PEM), and the proof that it holds the
 * private key: a compact JWS over the challenge the hub gave (`provided.challenge`), signed RS256 or ES256.
 */
export interface JwsKeyPayload {
  keyPem: string;
  challengeJws: string;
}

/** The DFSP's callback URLs by type (the whole set: a later submission replaces it). */
export interface EndpointsPayload {
  callbacks: Partial<Record<CallbackType, string>>;
}

/** What a participant submits, by submission name. */
export interface SubmissionPayloads {
  'certificate-bundle': CertificateBundlePayload;
  'ip-allowlist': IpAllowlistPayload;
  'oauth-client': OauthClientPayload;
  'client-csr': ClientCsrPayload;
  'server-certificate': CertificateBundlePayload;
  /** The hub's CSR signed by the participant's CA, with that CA's chain up to its root. */
  'hub-client-certificate': CertificateBundlePayload;
  'jws-key': JwsKeyPayload;
  endpoints: EndpointsPayload;
  /** Nothing to send: the participant asks the hub to run the proof now. */
  connectivity: Record<string, never>;
  /** After a UAT rejection: what the participant fixed; the hub proves connectivity again before UAT reopens. */
  'uat-retest': UatRetestPayload;
  /** After a contract rejection: the new contract version. */
  'contract-revision': ContractRevisionPayload;
  /** After a go-live rejection: what the participant put right. */
  'go-live-readiness': UatRetestPayload;
  /** The bank's authorization service is deployed with the hub's JWT key: the hub checks it live. */
  'authorization-service': AuthorizationServicePayload;
  /** The bank officer asks for the key keeper's two technical users (identification, processing). */
  'officer-credentials': Record<string, never>;
  /** The identifiers the bank's system operator requests (the whole list: a later one replaces it). */
  identifiers: IdentifiersPayload;
  'redirect-urls': RedirectUrlsPayload;
}

/**
 * The bank says its authorization service runs with the hub's public key. `caPem`: the CA chain
 * of its TLS server when not publicly trusted. `hubCannotReach`: the URL is not reachable from the
 * hub (a private network): security then records the check at the `jwt-trust-check` gate.
 */
export interface AuthorizationServicePayload {
  caPem?: string;
  hubCannotReach?: boolean;
}

export interface IdentifiersPayload {
  identifiers: string[];
}

export interface UatRetestPayload {
  summary: string;
}

/** After legal rejected the contract: the new version (a link to it) and what changed. */
export interface ContractRevisionPayload {
  summary: string;
  document: EvidenceLink;
}

export interface SubmissionInput<N extends SubmissionName = SubmissionName> extends Proven {
  name: N;
  environment?: Environment;
  submittedBy: string;
  payload: SubmissionPayloads[N];
  /** ISO time after which the caller has given up: a later delivery is refused (REQUEST_EXPIRED). */
  notAfter?: string;
  /** The API's fingerprint of the request, returned with the outcome. */
  requestHash?: string;
  /** The API request (x-request-id), logged by the workflow and the activities it runs. */
  requestId?: string;
}

/** Opening the next round of an accepted submission that takes rounds on request (a JWS key rotation). */
export interface RoundRequestInput extends Proven {
  name: SubmissionName;
  environment: Environment;
  requestedBy: string;
  reason: string;
  notAfter?: string;
  requestId?: string;
}

export interface SubmissionOutcome {
  /** The fingerprint of the request this outcome answers (see SubmissionInput.requestHash). */
  requestHash: string | null;
  instance: SubmissionInstance;
  /** The full report of the check (findings with details), for the caller to act on. */
  report: Record<string, unknown>;
  /** Where the onboarding stood once this submission was recorded (absent from workers before it existed). */
  progress?: OnboardingProgress;
}

/** What the `started` update answers (sent with the start, update-with-start): who started it, and its first progress. */
export interface StartOutcome {
  /** The fingerprint of the request that started the onboarding: another request's is a conflict. */
  requestFingerprint: string;
  /** The API request id of the start that created it (a retried start sees another). */
  startRequestId: string | null;
  progress: OnboardingProgress;
}

/** What a decision answers with: the gate as it stands, and where the onboarding stood once it was recorded. */
export interface GateDecisionOutcome {
  decision: GateInstance;
  progress: OnboardingProgress;
}

/**
 * The compact view of an onboarding a submission answers with: where it stands and what it awaits,
 * without the instances, history and data of the full status (`statusQuery`).
 */
export type OnboardingProgress = Pick<
  OnboardingStatus,
  'participantId' | 'kind' | 'environment' | 'step' | 'state' | 'awaiting' | 'updatedAt'
>;

export function progressOf(s: OnboardingStatus): OnboardingProgress {
  return {
    participantId: s.participantId,
    kind: s.kind,
    environment: s.environment,
    step: s.step,
    state: s.state,
    awaiting: s.awaiting,
    updatedAt: s.updatedAt,
  };
}

export interface HaltInput extends Proven {
  by: string;
  reason: string;
  requestId?: string;
  notAfter?: string;
}

/** A decision sent as a Temporal signal by ops (Web UI, CLI): `decidedBy` is the name they give. */
export type GateDecisionSignal = Omit<GateDecisionInput, 'notAfter' | 'requestHash'>;
