import type { Environment, GateName, OnboardingKind, Role } from '../../workflows/messages';

/** A message to the people who must act on a gate. Ids and roles only: no personal data. */
export interface GateOpenedNotification {
  /** Same key → delivered once, however often the activity is retried. */
  idempotencyKey: string;
  participantId: string;
  kind: OnboardingKind;
  environment: Environment;
  gate: GateName;
  role: Role;
}

export interface DeliveryReceipt {
  idempotencyKey: string;
  /** false when this key had already been delivered (a retry). */
  firstDelivery: boolean;
  deliveredAt: string;
}

/** Port: how the hub reaches approvers (e-mail, chat, ticketing). */
export interface Notifier {
  notifyGateOpened(notification: GateOpenedNotification): Promise<DeliveryReceipt>;
}
