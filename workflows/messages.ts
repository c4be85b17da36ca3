/**
 * Everything the API and the workflows share: ids, message definitions and the JSON shapes that
 * cross workflow history. Imported by workflow code, so it stays free of Node APIs and zod.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const onboardingKinds = ['dfsp', 'bank', 'tpp'] as const;
export type OnboardingKind = (typeof onboardingKinds)[number];

export const environments = ['sandbox', 'production'] as const;
export type Environment = (typeof environments)[number];

/** Who must act on a gate. Later: identity and N-of-M approvers come from authentication. */
export const roles = ['business', 'legal', 'security', 'ops', 'participant'] as const;
export type Role = (typeof roles)[number];

/**
 * Human approval gates of the journeys (seeds 000-004). A decision for a gate the onboarding is
 * not waiting on is refused with GATE_NOT_AWAITED (e.g. go-live while the application is in review).
 */
export const gateNames = ['application-review', 'certificate-review', 'uat-signoff', 'contract', 'go-live'] as const;
export type GateName = (typeof gateNames)[number];

/** Steps as shown in the `OnboardingStep` search attribute; `done` once the journey finished. */
export const stepNames = ['application-review', 'done'] as const;
export type StepName = (typeof stepNames)[number];

export const lifecycleStates = [
  'in-progress',
  'awaiting-approval',
  'awaiting-participant',
  'completed',
  'rejected',
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

/** Kinds whose journey is implemented; the others arrive with their roadmap issues. */
export const supportedKinds = ['tpp'] as const satisfies readonly OnboardingKind[];
export type SupportedKind = (typeof supportedKinds)[number];

/** The workflow type (exported from workflows/index.ts) that runs a kind's journey. */
export const workflowTypeByKind: Record<SupportedKind, string> = {
  tpp: 'tppOnboarding',
};

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

export interface OnboardingInput {
  participantId: string;
  kind: OnboardingKind;
  participant: ParticipantProfile;
  application: AccessRequest;
  /** sha256 of the canonical start request: a repeated start with another body is a conflict. */
  requestFingerprint: string;
}

export interface GateRecord {
  gate: GateName;
  role: Role;
  status: 'pending' | Decision;
  openedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  comment: string | null;
}

export interface HistoryEntry {
  at: string;
  step: StepName;
  state: LifecycleState;
  note: string;
}

export interface AwaitedInput {
  gate: GateName;
  role: Role;
  since: string;
}

/** The one state object of an onboarding: what `status` returns and what the UI sees. */
export interface OnboardingStatus {
  participantId: string;
  kind: OnboardingKind;
  environment: Environment;
  step: StepName;
  state: LifecycleState;
  awaiting: AwaitedInput | null;
  participant: ParticipantProfile;
  application: AccessRequest;
  gates: Partial<Record<GateName, GateRecord>>;
  requestFingerprint: string;
  startedAt: string;
  updatedAt: string;
  history: HistoryEntry[];
}

export interface GateDecisionInput {
  gate: GateName;
  decision: Decision;
  decidedBy: string;
  comment?: string;
}

export const statusQuery = defineQuery<OnboardingStatus>('status');
export const decideGate = defineUpdate<GateRecord, [GateDecisionInput]>('decideGate');

/**
 * Stable `type`s of the ApplicationFailures the workflows raise (refused updates, bad input).
 * The API maps each to a problem+json response.
 */
export const workflowFailureTypes = {
  gateNotAwaited: 'GATE_NOT_AWAITED',
  decisionInvalid: 'DECISION_INVALID',
  inputInvalid: 'INPUT_INVALID',
} as const;
export type WorkflowFailureType = (typeof workflowFailureTypes)[keyof typeof workflowFailureTypes];
