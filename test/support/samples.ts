/** Well-formed workflow answers for API tests with a fake gateway (the response schemas check them). */
import {
  defaultGatePolicy,
  progressOf,
  type GateInstance,
  type OnboardingStatus,
  type SubmissionOutcome,
  type WaitChase,
} from '../../workflows/messages';
import { startBody } from './requests';

const at = '2026-11-23T10:00:00.000Z';
const chase: WaitChase = { timers: defaultGatePolicy.timers, since: at, reminders: 0, escalated: false, events: [] };

export function sampleStatus(participantId: string): OnboardingStatus {
  const body = startBody(participantId);
  return {
    participantId,
    kind: 'tpp',
    environment: 'sandbox',
    step: 'application-review',
    state: 'awaiting-approval',
    awaiting: [
      {
        instanceId: 'application-review@sandbox#1',
        type: 'gate',
        name: 'application-review',
        environment: 'sandbox',
        round: 1,
        role: 'business',
        since: at,
      },
    ],
    tasks: [],
    instances: [sampleGate('application-review', 'open')],
    participant: body.participant,
    data: { kind: 'tpp', application: body.application },
    requestFingerprint: 'f'.repeat(64),
    startedAt: at,
    updatedAt: at,
    continuedAsNew: 0,
    history: [
      {
        at,
        step: 'application-review',
        environment: 'sandbox',
        state: 'awaiting-approval',
        note: 'application-review@sandbox#1: waiting for business',
      },
    ],
    policy: defaultGatePolicy,
    halt: null,
    interventions: [],
    access: [],
  };
}

export function sampleGate(name: GateInstance['name'], status: GateInstance['status'] = 'approved', decidedBy = 'bea'): GateInstance {
  return {
    id: `${name}@sandbox#1`,
    type: 'gate',
    name,
    environment: 'sandbox',
    round: 1,
    role: 'business',
    status,
    openedAt: at,
    deadlineAt: null,
    closedAt: status === 'open' ? null : at,
    chase,
    decision:
      status === 'open'
        ? null
        : {
            decision: status === 'rejected' ? 'rejected' : 'approved',
            decidedBy,
            via: 'api',
            comment: null,
            evidence: [],
            at,
            requestHash: null,
          },
    required: 1,
    decisions: [],
  };
}

/** A submission's outcome as the workflow answers it; `progress: false` for a worker from before progress existed. */
/** A decision's answer as the gateway gives it: the gate, and the sample onboarding's progress. */
export function sampleDecision(
  name: GateInstance['name'],
  status: GateInstance['status'] = 'approved',
  decidedBy = 'bea',
  participantId = 'acme',
) {
  return { decision: sampleGate(name, status, decidedBy), progress: progressOf(sampleStatus(participantId)) };
}

export function sampleSubmissionOutcome(
  submittedBy: string,
  options: { participantId?: string; progress?: boolean } = {},
): SubmissionOutcome {
  return {
    requestHash: null,
    instance: {
      id: 'certificate-bundle@sandbox#1',
      type: 'submission',
      name: 'certificate-bundle',
      environment: 'sandbox',
      round: 1,
      role: 'participant',
      status: 'accepted',
      openedAt: at,
      deadlineAt: null,
      closedAt: at,
      chase,
      attempts: [{ at, submittedBy, accepted: true, findings: [] }],
      artifact: {},
    },
    report: { verdict: 'pass', blocking: false, findings: [] },
    ...(options.progress === false ? {} : { progress: progressOf(sampleStatus(options.participantId ?? 'a')) }),
  };
}
