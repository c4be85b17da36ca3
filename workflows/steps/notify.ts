import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { NotifyActivities } from '../../activities';
import type { Journey } from '../journey';
import { openedNotificationKey, WaitInstance } from '../messages';

const { notifyWaitOpened } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Tells the awaited role that an instance opened; keyed by the instance, so every round and every
 * environment notifies once. A notification that cannot be delivered does not block the wait: it
 * stays visible in the UI and can still be answered; the failure is recorded for ops.
 */
export async function notifyOpened(journey: Journey, instance: WaitInstance): Promise<void> {
  const { participantId, kind } = journey.status;
  try {
    await notifyWaitOpened({
      idempotencyKey: openedNotificationKey(participantId, instance),
      participantId,
      kind,
      environment: instance.environment,
      instanceId: instance.id,
      type: instance.type,
      name: instance.name,
      round: instance.round,
      role: instance.role,
    });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const type = err.cause instanceof ApplicationFailure ? err.cause.type : null;
    log.warn('wait notification failed', { instanceId: instance.id, role: instance.role, type });
    journey.transition({ note: `${instance.id}: notifying ${instance.role} failed (${type ?? 'unknown'})` });
  }
}
