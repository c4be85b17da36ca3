/**
 * The one state object of an onboarding (what `status` returns and the UI sees) and its parts.
 * JSON only: it crosses history in queries, updates and continue-as-new.
 */
import type { SubmissionArtifacts, TaskResults } from './artifacts';
import type { GatePolicy, WaitTimers } from './policy';
import type { KindData, ParticipantProfile } from './registration';
import type {
  CheckResult,
  Decision,
  DecisionChannel,
  Environment,
  EvidenceLink,
  GateName,
  InstanceKey,
  LifecycleState,
  OnboardingKind,
  Role,
  StepName,
  SubmissionName,
  TaskName,
  WatchedCertificateState,
} from './vocabulary';

export interface GateDecisionRecord {
  decision: Decision;
  decidedBy: string;
  via: DecisionChannel;
  comment: string | null;
  evidence: EvidenceLink[];
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
  /** Part of the API's instance view; always null: the chase (`chase.timers.expireAfterMs`) decides expiry. */
  deadlineAt: null;
  closedAt: string | null;
  /** Reminders, escalation and expiry. */
  chase: WaitChase;
}

/**
 * What the hub ran for a gate round before it opened (the automated UAT run): evidence for the
 * approvers, shown with the gate; they still decide. `error`: the hub could not run it.
 */
export interface GateRun {
  /** The hub task that made it: `uat-run@sandbox#1`. */
  task: string;
  outcome: 'passed' | 'failed' | 'skipped' | 'error';
  /** One line: the counts and the first failure, or why it did not run. */
  summary: string;
  assertions?: { passed: number; total: number };
  /** The run's evidence (GET /onboardings/:id/uat-runs/:runId). */
  runId?: string;
}

export interface GateInstance extends InstanceBase {
  type: 'gate';
  name: GateName;
  /** What the hub ran for this round before it opened (the UAT run), when it runs one. */
  run?: GateRun;
  /** `withdrawn`: still open when the journey ended on another path. */
  status: 'open' | Decision | 'expired' | 'withdrawn';
  /** The decision that closed the round (the last approval, or the rejection). */
  decision: GateDecisionRecord | null;
  /** Distinct approvers this round needs. */
  required: number;
  /** Every decision taken in this round, in order: the approvals so far, then possibly a rejection. */
  decisions: GateDecisionRecord[];
}

/** One submission instance; `SubmissionInstance<'client-csr'>` carries that submission's artifact type. */
export type SubmissionInstance<N extends SubmissionName = SubmissionName> = SubmissionInstanceOf<N>;

export interface SubmissionInstanceOf<N extends SubmissionName> extends InstanceBase {
  type: 'submission';
  name: N;
  status: 'open' | 'accepted' | 'expired' | 'withdrawn';
  attempts: SubmissionAttempt[];
  /** What the hub hands the participant for this submission (a challenge to sign); public, never secret. */
  provided?: Record<string, unknown>;
  /** What the accepted submission produced: fingerprints, subjects, the normalised chain; never secrets. */
  artifact: SubmissionArtifacts[N] | null;
}

export type WaitInstance = GateInstance | SubmissionInstance;

/** One run of a hub task in one environment: when, how it ended, what it produced (never secrets). */
export type TaskRecord<T extends TaskName = TaskName> = TaskRecordOf<T>;

export interface TaskRecordOf<T extends TaskName> {
  id: string;
  name: T;
  environment: Environment;
  status: 'running' | 'done' | 'failed';
  /** A task run once per gate round (the UAT run): that round. */
  round?: number;
  startedAt: string;
  finishedAt: string | null;
  result: TaskResults[T] | null;
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
  /** A gate the hub ran something for (the UAT run): its outcome. */
  run?: GateRun;
  /** A submission whose latest attempt was refused: that attempt, kept until the next attempt of this instance. */
  lastRefusal?: { at: string; attempt: number; findings: FindingSummary[] };
}

/** What an intervention records (the audit lists each as its own type). */
export const interventionActions = [
  'suspended',
  'resumed',
  'expired',
  'signal-refused',
  'request-refused',
  'cancel-requested',
  'renewal-opened',
  'certificate-expired',
  'round-opened',
] as const;

/** An operator's or the clock's intervention, and requests the onboarding refused: for the audit. */
export interface Intervention {
  at: string;
  action: (typeof interventionActions)[number];
  by: string;
  /** `temporal`: sent straight to Temporal (UI, CLI), its sender unverified. */
  via: DecisionChannel | 'timer' | 'temporal';
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
  /** When the edge stopped admitting a replaced client certificate (its grace after the renewal ended). */
  retiredAt?: string;
}

/** One environment's access at the edge, as the journey decides it (workflows/frame/access.ts). */
export interface AccessGrant {
  environment: Environment;
  /** What earned it (the accepted access steps, the approved go-live); null until the journey grants it. */
  grantedBy: string | null;
  grantedAt: string | null;
  /** What the edge does now: `open` admits the participant, `closed` refuses it (not granted yet, halted, ended). */
  edge: 'open' | 'closed';
  /** Since when the edge is so, and the gateway revision that made it so. */
  since: string;
  revision: number | null;
  /** Changes applied so far: the next one's write key counts on from here. */
  changes: number;
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
  /** Fixed at start. */
  policy: GatePolicy;
  /** Set while suspended or expired. */
  halt: Halt | null;
  interventions: Intervention[];
  /** After go-live: the certificates watched for renewal. */
  certificates?: WatchedCertificate[];
  /** What the edge admits per environment: opened by the journey at its gates, closed while halted and once ended. */
  access: AccessGrant[];
  /** When the onboarding went live (go-live approved); from then the state is `live`. */
  liveSince?: string;
}
