/** The hub's rules for human gates and the limits a journey runs under, fixed per onboarding at its start. */
import type { GateName, SubmissionName } from './vocabulary';

/** The participant's answers to a rejected gate. */
export type ReworkName = Extract<SubmissionName, 'uat-retest' | 'contract-revision' | 'go-live-readiness'>;

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
  /** A rotated JWS key stays valid beside its successor this long (the scheme's overlap); absent: defaultJwsKeyOverlapMs. */
  jwsKeyOverlapMs?: number;
}

const day = 86_400_000;

/** The scheme's JWS key overlap when a policy names none: a rotated key stays valid this long beside its successor. */
export const defaultJwsKeyOverlapMs = 7 * day;

/** The policy of an onboarding started without one (the API's configuration defaults are the same). */
export const defaultGatePolicy: GatePolicy = {
  approvals: { 'go-live': 2 },
  timers: { remindEveryMs: 2 * day, escalateAfterMs: 5 * day, expireAfterMs: 30 * day },
  renewalLeadMs: 30 * day,
  jwsKeyOverlapMs: defaultJwsKeyOverlapMs,
};

/** The timers for one wait under a policy. */
export function timersFor(policy: GatePolicy, name: GateName | SubmissionName): WaitTimers {
  return { ...policy.timers, ...(policy.timersFor?.[name] ?? {}) };
}

/** What a rejected gate sends the participant back to (a new round follows); gates not named end the onboarding. */
export const reworkFor: Partial<Record<GateName, ReworkName>> = {
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
  /** How long a replaced client certificate stays admitted beside its renewal, in ms; absent: a day. */
  replacedCertificateGraceMs?: number;
}
