import { ActivityFailure, ApplicationFailure, condition, log, proxyActivities } from '@temporalio/workflow';
import type { OnboardingActivities } from '../../activities';
import { onboardingWorkflowId } from '../messages';
import type { GateName, GateRecord, Role, StepName } from '../messages';
import type { Journey } from '../journey';

const { notifyGateOpened } = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

export interface ApprovalGate {
  gate: GateName;
  role: Role;
  step: StepName;
}

/**
 * A human gate: opens it (state, search attributes and UI details move together), tells the
 * awaited role, and waits for the decision that arrives through the `decideGate` update.
 */
export async function awaitApproval(journey: Journey, spec: ApprovalGate): Promise<GateRecord> {
  journey.openGate(spec.gate, spec.role, spec.step);
  const { participantId, kind, environment } = journey.status;
  try {
    await notifyGateOpened({
      idempotencyKey: `${onboardingWorkflowId(participantId)}/${spec.gate}/opened`,
      participantId,
      kind,
      environment,
      gate: spec.gate,
      role: spec.role,
    });
  } catch (err) {
    // A notification that cannot be delivered must not block the gate: the wait stays visible in
    // the UI and the approver can still decide. The failure is recorded for ops.
    if (!(err instanceof ActivityFailure)) throw err;
    const type = err.cause instanceof ApplicationFailure ? err.cause.type : null;
    log.warn('gate notification failed', { gate: spec.gate, role: spec.role, type });
    journey.note(`${spec.gate}: notifying ${spec.role} failed (${type ?? 'unknown'})`);
  }
  await condition(() => journey.gate(spec.gate)?.status !== 'pending');
  const record = journey.gate(spec.gate);
  if (record === undefined) {
    throw ApplicationFailure.nonRetryable(`Gate ${spec.gate} vanished from state`, 'STATE_CORRUPT');
  }
  journey.transition({
    state: 'in-progress',
    awaiting: null,
    note: `${spec.gate}: ${record.status} by ${record.decidedBy ?? 'unknown'}`,
  });
  return record;
}
