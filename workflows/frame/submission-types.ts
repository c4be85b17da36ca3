/** The shapes a step hands the frame: what it waits for, and how a submission is checked — typed by name. */
import type { SubmissionArtifacts } from '../artifacts';
import type { SubmissionInput } from '../inputs';
import type { WaitTimers } from '../policy';
import type { FindingSummary, GateRun, SubmissionInstance } from '../state';
import type { Environment, GateName, SubmissionName } from '../vocabulary';

export interface WaitSpec<N> {
  name: N;
  /** Defaults to the journey's current environment. */
  environment?: Environment;
  /** Defaults to 1; a rework loop passes its round. */
  round?: number;
  /** Overrides the policy's chase for this wait (a certificate renewal never expires the onboarding). */
  timers?: Partial<WaitTimers>;
}

/** A gate awaits the team `gateRoles` names for it; `run`: what the hub ran for the round before it opened. */
export type GateSpec = WaitSpec<GateName> & { run?: GateRun };

/** What a submission's check says: accepted or not, the findings to record, the report to return. */
export interface SubmissionVerdict<N extends SubmissionName = SubmissionName> {
  accepted: boolean;
  findings: FindingSummary[];
  /** A check's report (a JSON object: findings and what the check found). */
  report: object;
  /** Recorded on the instance when accepted. */
  artifact?: SubmissionArtifacts[N];
}

export interface SubmissionOptions {
  /** Once accepted, a full replacement may be submitted at any time (PUT semantics). */
  replaceable?: boolean;
  /** What the hub hands the participant with this submission (e.g. a challenge), computed once when the instance opens. */
  provide?: (instanceId: string) => Record<string, unknown>;
}

export type SubmissionHandler<N extends SubmissionName = SubmissionName> = (
  input: SubmissionInput<N>,
  instance: SubmissionInstance<N>,
) => Promise<SubmissionVerdict<N>>;
