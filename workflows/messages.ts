/**
 * Everything the API and the workflows share: ids, message definitions and the JSON shapes that
 * cross workflow history. Imported by workflow code, so it stays free of Node APIs and zod.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CheckResult } from '../activities/pki/findings';
import type { bankOnboarding } from './bank';
import type { dfspOnboarding } from './dfsp';
import type { tppOnboarding } from './tpp';

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
export const taskNames = ['hub-client-csr', 'hub-ledger', 'hub-jwt-key', 'processing-center'] as const;
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

export interface ParticipantProfile {
  legalName: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  contactEmail: string;
}

/** What a TPP / API client asks for (seed 000: use case, expected volume, APIs wanted). */
export interface AccessRequest {
  useCase: string;
  expectedMonthlyVolume: number;
  /** The API products wanted: the scopes of its OAuth clients. */
  apis: string[];
  /** The client asked for a kickoff call with the hub (a business gate after the certificate review). */
  kickoffCall?: boolean;
  /** Production identity: a CSR the hub CA signs (default), or a certificate from the client's own CA. */
  productionCertificate?: 'hub-signed' | 'ca-signed';
}

/** APIs whose use needs operations on the bank's side before go-live (a bank-coordination gate runs beside production). */
export const apisNeedingBankOperations: readonly string[] = ['payments', 'iban-verification'];

/**
 * How a wait is chased, in ms from its opening (null: never). Reminders repeat every
 * `remindEveryMs` to the awaited role; the escalation contact is told once after
 * `escalateAfterMs`; after `expireAfterMs` the onboarding becomes `expired` until an operator
 * resumes it. Time spent suspended does not count.
 */
export interface WaitTimers {
  remindEveryMs: number | null;
  escalateAfterMs: number | null;
  expireAfterMs: number | null;
}

/**
 * The hub's rules for human gates, fixed per onboarding when it starts (the API takes them from its
 * configuration), so a configuration change never alters a running onboarding's history.
 */
export interface GatePolicy {
  /** Distinct approvers each gate needs (absent: 1). */
  approvals: Partial<Record<GateName, number>>;
  /** The chase of every gate and submission, unless `timersFor` names it. */
  timers: WaitTimers;
  timersFor?: Partial<Record<GateName | SubmissionName, Partial<WaitTimers>>>;
  /** After go-live: how long before a certificate's notAfter its renewal opens. */
  renewalLeadMs: number;
}

const day = 86_400_000;

/** The policy of an onboarding started without one (the API's configuration defaults are the same). */
export const defaultGatePolicy: GatePolicy = {
  approvals: { 'go-live': 2 },
  timers: { remindEveryMs: 2 * day, escalateAfterMs: 5 * day, expireAfterMs: 30 * day },
  renewalLeadMs: 30 * day,
};

/** The timers for one wait under a policy. */
export function timersFor(policy: GatePolicy, name: GateName | SubmissionName): WaitTimers {
  return { ...policy.timers, ...(policy.timersFor?.[name] ?? {}) };
}

/** What a rejected gate sends the participant back to (a new round follows); gates not named end the onboarding. */
export const reworkFor: Partial<Record<GateName, SubmissionName>> = {
  'uat-signoff': 'uat-retest',
  contract: 'contract-revision',
  'go-live': 'go-live-readiness',
  /** The bank says what it fixed in its integration test scenario; ops confirm it again. */
  'integration-test': 'uat-retest',
  'jwt-trust-check': 'uat-retest',
};

/** Operational limits a journey runs under; absent fields take the defaults in journey.ts. */
export interface JourneyLimits {
  /** Continue-as-new once the history holds this many events (Temporal's own suggestion also counts). */
  maxHistoryEvents?: number;
  /**
   * How long each human wait may stay open, in ms; absent: no deadline. Onboardings started before
   * gate policies only: a later one expires by `GatePolicy.timers`.
   */
  waitDeadlineMs?: number;
}

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
}

export interface TppOnboardingInput extends CommonInput {
  kind: 'tpp';
  application: AccessRequest;
}

export interface Contact {
  name: string;
  email: string;
}

/** A currency the DFSP transacts in (ISO 4217) and its Net Debit Cap, the most it may owe the scheme. */
export interface DfspCurrency {
  currency: string;
  netDebitCap: number;
}

/** Seed 004's registration: what the hub ledger needs besides certificates and endpoints. */
export interface DfspRegistration {
  currencies: DfspCurrency[];
  contacts: { business: Contact; technical: Contact };
  /** The three notification e-mails central-ledger sends to. */
  notificationEmails: {
    netDebitCapAdjustment: string;
    settlementPositionChange: string;
    netDebitCapThresholdBreach: string;
  };
  /** The host names / IPs of the DFSP's callback servers per environment: its server certificate must name them. */
  callbackHosts: Record<Environment, string[]>;
  /** The OAuth scopes of the DFSP's gateway clients; absent: the hub's FSPIOP scopes. */
  scopes?: string[];
}

export interface DfspOnboardingInput extends CommonInput {
  kind: 'dfsp';
  registration: DfspRegistration;
}

/**
 * A bank counterparty of a digital-currency processing centre (seed 001). Its alias names its hosts
 * (`api-<alias>-<environment>`, `backoffice-<alias>-<environment>`), so it is a DNS label.
 */
export interface BankRegistration {
  alias: string;
  /** ISO 4217, e.g. UAH: the asset the counterparty is registered with. */
  assetCode: string;
  /** The first employee of the counterparty in the processing centre. */
  firstEmployeeEmail: string;
  /** Where the bank's authorization service answers, per environment (https). */
  authorizationUrls: Record<Environment, string>;
}

/** A DNS label short enough for `backoffice-<alias>-production` (63 characters). */
export const bankAliasPattern = /^[a-z0-9](?:[a-z0-9-]{0,39}[a-z0-9])?$/;

/** The hosts the hub runs for a bank in an environment (seed 001: api-{alias}-…, backoffice-{alias}-…). */
export function bankHosts(alias: string, environment: Environment): { api: string; backoffice: string } {
  return { api: `api-${alias}-${environment}`, backoffice: `backoffice-${alias}-${environment}` };
}

export interface BankOnboardingInput extends CommonInput {
  kind: 'bank';
  registration: BankRegistration;
}

/** The start input, one shape per kind. */
export type OnboardingInput = DfspOnboardingInput | TppOnboardingInput | BankOnboardingInput;

/** The kind-specific part of the state. */
export type KindData =
  | { kind: 'tpp'; application: AccessRequest }
  | { kind: 'dfsp'; registration: DfspRegistration }
  | { kind: 'bank'; registration: BankRegistration };

/** The workflow that runs each kind, so `client.workflow.start` checks its arguments. */
export interface WorkflowByKind {
  dfsp: typeof dfspOnboarding;
  tpp: typeof tppOnboarding;
  bank: typeof bankOnboarding;
}
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

export interface GateDecisionRecord {
  decision: Decision;
  decidedBy: string;
  /** Absent on decisions recorded before signals were taken: `api`. */
  via?: DecisionChannel;
  comment: string | null;
  /** Absent on decisions recorded before evidence existed. */
  evidence?: EvidenceLink[];
  at: string;
  /** The API's fingerprint of the request that made it: a reused Idempotency-Key with another body is told apart. */
  requestHash: string | null;
}

export interface FindingSummary {
  code: string;
  result: CheckResult;
  message: string;
}

export interface SubmissionAttempt {
  at: string;
  submittedBy: string;
  accepted: boolean;
  /** Findings that are not a plain pass (the full report went back to the caller). */
  findings: FindingSummary[];
}

/** A reminder, the escalation, or the expiry of a wait: when, to whom. */
export interface ChaseEvent {
  at: string;
  type: 'reminder' | 'escalation' | 'expiry';
  /** The reminder's number (1, 2, …), counted from the wait's last (re)start. */
  n?: number;
  to: Role | 'escalation';
}

/** How a wait is being chased: the timers run from `since` (moved on by time spent suspended). */
export interface WaitChase {
  timers: WaitTimers;
  since: string;
  reminders: number;
  escalated: boolean;
  events: ChaseEvent[];
}

interface InstanceBase extends InstanceKey {
  id: string;
  role: Role;
  openedAt: string;
  /** When the wait expires (ISO), or null without deadline (onboardings started before gate policies). */
  deadlineAt: string | null;
  closedAt: string | null;
  /** Reminders, escalation and expiry (absent on onboardings started before gate policies). */
  chase?: WaitChase;
}

export interface GateInstance extends InstanceBase {
  type: 'gate';
  name: GateName;
  /** `withdrawn`: still open when the journey ended on another path. */
  status: 'open' | Decision | 'expired' | 'withdrawn';
  /** The decision that closed the round (the last approval, or the rejection). */
  decision: GateDecisionRecord | null;
  /** Distinct approvers this round needs (absent: 1). */
  required?: number;
  /** Every decision taken in this round, in order: the approvals so far, then possibly a rejection. */
  decisions?: GateDecisionRecord[];
}

export interface SubmissionInstance extends InstanceBase {
  type: 'submission';
  name: SubmissionName;
  status: 'open' | 'accepted' | 'expired' | 'withdrawn';
  attempts: SubmissionAttempt[];
  /** What the hub hands the participant for this submission (a challenge to sign); public, never secret. */
  provided?: Record<string, unknown>;
  /** What the accepted submission produced: fingerprints, subjects, the normalised chain; never secrets. */
  artifact: Record<string, unknown> | null;
}

export type WaitInstance = GateInstance | SubmissionInstance;

/** One run of a hub task in one environment: when, how it ended, what it produced (never secrets). */
export interface TaskRecord {
  id: string;
  name: TaskName;
  environment: Environment;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  result: Record<string, unknown> | null;
  error: { type: string | null; message: string } | null;
}

/** One open wait, as `awaiting` lists them. */
export interface AwaitedInput {
  instanceId: string;
  type: WaitInstance['type'];
  name: GateName | SubmissionName;
  environment: Environment;
  round: number;
  role: Role;
  since: string;
  /** A gate needing several approvers: who approved so far, of how many. */
  approvals?: { have: string[]; need: number };
}

/** An operator's or the clock's intervention, and signals the onboarding refused: for the audit. */
export interface Intervention {
  at: string;
  action: 'suspended' | 'resumed' | 'expired' | 'signal-refused' | 'renewal-opened' | 'certificate-expired';
  by: string;
  via: DecisionChannel | 'timer';
  reason: string;
  /** The refusal code of a refused signal. */
  code?: string;
  instanceId?: string;
}

/** Why the onboarding stands still: an operator suspended it, or a wait expired. */
export interface Halt {
  state: 'suspended' | 'expired';
  since: string;
  by: string;
  reason: string;
  /** The wait that expired. */
  instanceId?: string;
}

/** The states of a watched certificate: in force, renewal opened, expired unrenewed, superseded by its renewal. */
export const watchedCertificateStates = ['valid', 'renewal-due', 'expired', 'replaced'] as const;
export type WatchedCertificateState = (typeof watchedCertificateStates)[number];

/** A certificate the hub issued or accepted for a live participant, watched for renewal. */
export interface WatchedCertificate {
  /** The submission instance that brought it: `client-csr@production#1` (hub-issued client certificate), `server-certificate@…`, `hub-client-certificate@…`. */
  id: string;
  submission: SubmissionName;
  environment: Environment;
  serialHex: string;
  sha256: string;
  notAfter: string;
  /** `renewal-due` once the renewal opened, `expired` if it expired unrenewed, `replaced` once its renewal was accepted. */
  state: WatchedCertificateState;
  /** The renewal's submission instance, once opened (`client-csr@production#2`). */
  renewal?: string;
  /** When the renewal opened, when it expired unrenewed, when its renewal was accepted. */
  renewalOpenedAt?: string;
  expiredAt?: string;
  replacedAt?: string;
}

export interface HistoryEntry {
  at: string;
  step: StepName;
  environment: Environment;
  state: LifecycleState;
  note: string;
}

/** The one state object of an onboarding: what `status` returns and what the UI sees. */
export interface OnboardingStatus {
  participantId: string;
  kind: OnboardingKind;
  environment: Environment;
  step: StepName;
  state: LifecycleState;
  /** Every open wait (several at once when the journey waits in parallel), oldest first. */
  awaiting: AwaitedInput[];
  /** Every gate and submission instance ever opened, all rounds, in opening order. */
  instances: WaitInstance[];
  /** The hub's own steps (ledger set-up…), one per task and environment. */
  tasks: TaskRecord[];
  participant: ParticipantProfile;
  data: KindData;
  requestFingerprint: string;
  startedAt: string;
  updatedAt: string;
  /** How many times the journey continued as new (history kept short; state carried). */
  continuedAsNew: number;
  history: HistoryEntry[];
  /** Fixed at start (absent on onboardings started before gate policies). */
  policy?: GatePolicy;
  /** Set while suspended or expired. */
  halt?: Halt | null;
  interventions?: Intervention[];
  /** After go-live: the certificates watched for renewal. */
  certificates?: WatchedCertificate[];
  /** When the onboarding went live (go-live approved); from then the state is `live`. */
  liveSince?: string;
}

export interface GateDecisionInput {
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
  authMethod: 'client_secret_basic' | 'tls_client_auth';
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
] as const;
export type CallbackType = (typeof callbackTypes)[number];

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

export interface SubmissionInput<N extends SubmissionName = SubmissionName> {
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

export interface SubmissionOutcome {
  /** The fingerprint of the request this outcome answers (see SubmissionInput.requestHash). */
  requestHash: string | null;
  instance: SubmissionInstance;
  /** The full report of the check (findings with details), for the caller to act on. */
  report: Record<string, unknown>;
  /** Where the onboarding stood once this submission was recorded (absent from workers before it existed). */
  progress?: OnboardingProgress;
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

export interface HaltInput {
  by: string;
  reason: string;
  requestId?: string;
  notAfter?: string;
}

/** A decision sent as a Temporal signal by ops (Web UI, CLI): `decidedBy` is the name they give. */
export type GateDecisionSignal = Omit<GateDecisionInput, 'notAfter' | 'requestHash'>;

export const statusQuery = defineQuery<OnboardingStatus>('status');
export const decideGate = defineUpdate<GateInstance, [GateDecisionInput]>('decideGate');
/** The same decision as a signal (same name, same validation; a refused one is recorded, nothing changes). */
export const decideGateSignal = defineSignal<[GateDecisionSignal]>('decideGate');
export const suspendOnboarding = defineUpdate<OnboardingStatus, [HaltInput]>('suspend');
export const resumeOnboarding = defineUpdate<OnboardingStatus, [HaltInput]>('resume');
export const submit = defineUpdate<SubmissionOutcome, [SubmissionInput]>('submit');
