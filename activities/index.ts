import { log } from '@temporalio/activity';
import type { DeliveryReceipt, GateOpenedNotification, Notifier } from './notify/notifier';

export interface ActivityDeps {
  notifier: Notifier;
}

/** The only place ports are wired to activities; tests pass fakes here. */
export function createActivities(deps: ActivityDeps) {
  return {
    async notifyGateOpened(notification: GateOpenedNotification): Promise<DeliveryReceipt> {
      const receipt = await deps.notifier.notifyGateOpened(notification);
      log.info('gate notification', {
        gate: notification.gate,
        role: notification.role,
        participantId: notification.participantId,
        firstDelivery: receipt.firstDelivery,
      });
      return receipt;
    },
  };
}

export type OnboardingActivities = ReturnType<typeof createActivities>;
