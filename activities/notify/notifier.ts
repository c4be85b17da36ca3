import type { Environment, GateName, OnboardingKind, Role, SubmissionName, WaitInstance } from '../../workflows/messages';

/** A message to the people who must act on an opened gate or submission. Ids and roles only: no personal data. */
export interface WaitOpenedNotification {
  /** Same key → delivered once, however often the activity is retried (built by `openedNotificationKey`). */
  idempotencyKey: string;
  participantId: string;
  kind: OnboardingKind;
  environment: Environment;
  /** The instance opened: `<name>@<environment>#<round>`. */
  instanceId: string;
  type: WaitInstance['type'];
  name: GateName | SubmissionName;
  round: number;
  role: Role;
}

export interface DeliveryReceipt {
  idempotencyKey: string;
  /** false when this key had already been delivered (a retry). */
  firstDelivery: boolean;
  deliveredAt: string;
}

/** Port: how the hub reaches approvers and participants (e-mail, chat, ticketing). */
export interface Notifier {
  notifyWaitOpened(notification: WaitOpenedNotification): Promise<DeliveryReceipt>;
}
