import type { WaitInstance } from '../../workflows/messages';
import type { Environment, GateName, OnboardingKind, Role, SubmissionName } from '../../workflows/vocabulary';

/** What happened to a wait: it opened, it is overdue (reminder), it is escalated, it expired; after go-live, a certificate's renewal. */
export const notificationEvents = ['opened', 'reminder', 'escalation', 'expired', 'renewal-due', 'certificate-expired', 'rotated'] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

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

/**
 * Any notification about a wait. `to` is whom it is for: the awaited role, or the escalation
 * contact. The participant's contact address travels only when the participant is addressed.
 */
export interface WaitNotification extends WaitOpenedNotification {
  event: NotificationEvent;
  /** A role, the escalation contact, or the scheme's peers (every DFSP's technical contacts, one list). */
  to: Role | 'escalation' | 'peers';
  /** Since when the wait has been open (ISO). */
  since: string;
  /** The reminder's number. */
  n?: number;
  /** One line on what is due (e.g. the certificate that nears expiry). */
  detail?: string;
  participantEmail?: string;
}

export interface DeliveryReceipt {
  idempotencyKey: string;
  /** false when this key had already been delivered (a retry). */
  firstDelivery: boolean;
  deliveredAt: string;
}

/** Port: how the hub reaches approvers and participants (e-mail, chat, ticketing). */
export interface Notifier {
  notify(notification: WaitNotification): Promise<DeliveryReceipt>;
}
