/** The notify capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { log } from '@temporalio/activity';
import { throughEdge } from '../activity-edge';
import type { DeliveryReceipt, Notifier, WaitNotification, WaitOpenedNotification } from './notifier';

/** What the notify activities need, and nothing more. */
export interface NotifyDeps {
  notifier: Notifier;
}

export function createNotifyActivities(deps: NotifyDeps) {
  const notify = async (notification: WaitNotification): Promise<DeliveryReceipt> => {
    const receipt = await deps.notifier.notify(notification);
    log.info('wait notification', {
      instanceId: notification.instanceId,
      event: notification.event,
      to: notification.to,
      participantId: notification.participantId,
      firstDelivery: receipt.firstDelivery,
    });
    return receipt;
  };
  return throughEdge({
    /** Tells the awaited role that a gate or submission opened; once per instance (idempotency key). */
    async notifyWaitOpened(notification: WaitOpenedNotification & Partial<WaitNotification>): Promise<DeliveryReceipt> {
      return notify({ event: 'opened', to: notification.role, since: new Date().toISOString(), ...notification });
    },
    /** A reminder, escalation, expiry or renewal notice; once per key. */
    async notifyWait(notification: WaitNotification): Promise<DeliveryReceipt> {
      return notify(notification);
    },
  });
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
