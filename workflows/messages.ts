/**
 * Everything the API and the workflows share: ids, message definitions and the JSON shapes that
 * cross workflow history. Imported by workflow code, so it stays free of Node APIs and zod.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CheckResult } from '../activities/pki/findings';
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
export const gateNames = ['application-review', 'certificate-review', 'uat-signoff', 'contract', 'go-live'] as const;
export type GateName = (typeof gateNames)[number];

/** The team each gate awaits: the workflow opens it for them, the API lets only them decide it. */
export const gateRoles: Record<GateName, ApproverRole> = {
  'application-review': 'business',
  'certificate-review': 'security',
  'uat-signoff': 'ops',
  contract: 'legal',
  'go-live': 'ops',
};

/** What participants submit: each is one shared step (workflows/steps/), answered with findings. */
export const submissionNames = ['certificate-bundle', 'ip-allowlist', 'oauth-client'] as const;
export type SubmissionName = (typeof submissionNames)[number];

/** Steps as shown in the `OnboardingStep` search attribute: a gate, a submission, or the end. */
export type StepName = GateName | SubmissionName | 'registration' | 'done';

export const lifecycleStates = [
  'in-progress',
  'awaiting-approval',
  'awaiting-participant',
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
export const supportedKinds = ['tpp'] as const satisfies readonly OnboardingKind[];
export type SupportedKind = (typeof supportedKinds)[number];

/** What a kind's journey is made of: the gates and submissions it opens (for docs, API and checks). */
export interface JourneyDeclaration {
  gates: readonly GateName[];
  submissions: readonly SubmissionName[];
}

export const journeys = {
  tpp: { gates: ['application-review', 'contract', 'go-live'], submissions: ['certificate-bundle'] },
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
  apis: string[];
}

/** Operational limits a journey runs under; absent fields take the defaults in journey.ts. */
export interface JourneyLimits {
  /** Continue-as-new once the history holds this many events (Temporal's own suggestion also counts). */
  maxHistoryEvents?: number;
  /** How long each human wait may stay open, in ms; absent: no deadline. */
  waitDeadlineMs?: number;
}

interface CommonInput {
  participantId: string;
  participant: ParticipantProfile;
  /** sha256 of the canonical start request: a repeated start with another body is a conflict. */
  requestFingerprint: string;
  limits?: JourneyLimits;
  /** The API request that started it (x-request-id), for the logs. */
  requestId?: string;
  /** Set only by the journey itself when it continues as new: the state it carries on from. */
  resume?: OnboardingStatus;
}

export interface TppOnboardingInput extends CommonInput {
  kind: 'tpp';
  application: AccessRequest;
}

/** The start input, one shape per kind. */
export type OnboardingInput = TppOnboardingInput;

/** The kind-specific part of the state. */
export type KindData = { kind: 'tpp'; application: AccessRequest };

/** The workflow that runs each kind, so `client.workflow.start` checks its arguments. */
export interface WorkflowByKind {
  tpp: typeof tppOnboarding;
}
export const workflowTypeByKind = { tpp: 'tppOnboarding' } as const satisfies Record<SupportedKind, string>;

export interface GateDecisionRecord {
  decision: Decision;
  decidedBy: string;
  comment: string | null;
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

interface InstanceBase extends InstanceKey {
  id: string;
  role: Role;
  openedAt: string;
  /** When the wait expires (ISO), or null without deadline. */
  deadlineAt: string | null;
  closedAt: string | null;
}

export interface GateInstance extends InstanceBase {
  type: 'gate';
  name: GateName;
  /** `withdrawn`: still open when the journey ended on another path. */
  status: 'open' | Decision | 'expired' | 'withdrawn';
  decision: GateDecisionRecord | null;
}

export interface SubmissionInstance extends InstanceBase {
  type: 'submission';
  name: SubmissionName;
  status: 'open' | 'accepted' | 'expired' | 'withdrawn';
  attempts: SubmissionAttempt[];
  /** What the accepted submission produced: fingerprints, subjects, the normalised chain; never secrets. */
  artifact: Record<string, unknown> | null;
}

export type WaitInstance = GateInstance | SubmissionInstance;

/** One open wait, as `awaiting` lists them. */
export interface AwaitedInput {
  instanceId: string;
  type: WaitInstance['type'];
  name: GateName | SubmissionName;
  environment: Environment;
  round: number;
  role: Role;
  since: string;
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
  participant: ParticipantProfile;
  data: KindData;
  requestFingerprint: string;
  startedAt: string;
  updatedAt: string;
  /** How many times the journey continued as new (history kept short; state carried). */
  continuedAsNew: number;
  history: HistoryEntry[];
}

export interface GateDecisionInput {
  gate: GateName;
  /** Which environment's instance; may be left out when only one instance of the gate is open. */
  environment?: Environment;
  decision: Decision;
  decidedBy: string;
  comment?: string;
  /** ISO time after which the caller has given up: a later delivery is refused (REQUEST_EXPIRED). */
  notAfter?: string;
  /** The API's fingerprint of the request, recorded and returned with the outcome. */
  requestHash?: string;
  /** The API request (x-request-id), logged by the workflow and the activities it runs. */
  requestId?: string;
}

export interface CertificateBundlePayload {
  pem: string;
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

/** What a participant submits, by submission name. */
export interface SubmissionPayloads {
  'certificate-bundle': CertificateBundlePayload;
  'ip-allowlist': IpAllowlistPayload;
  'oauth-client': OauthClientPayload;
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
}

export const statusQuery = defineQuery<OnboardingStatus>('status');
export const decideGate = defineUpdate<GateInstance, [GateDecisionInput]>('decideGate');
export const submit = defineUpdate<SubmissionOutcome, [SubmissionInput]>('submit');
