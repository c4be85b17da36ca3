/**
 * The Notifier's e-mail channel: each notification becomes one plain-text message sent through an
 * SMTP server with nodemailer. What a message says: what is awaited, from whom, since when, and
 * where to act (the API resource and the Temporal UI page) — never secrets, keys or certificates.
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Role } from '../../workflows/vocabulary';
import { onboardingWorkflowId } from '../../workflows/vocabulary';
import { DomainError } from '../domain-error';
import type { Delivery } from './outbox-notifier';
import type { WaitNotification } from './notifier';

export interface MailConfig {
  /** smtp://host:port (no TLS, a local relay or Mailpit) or smtps://host:port. */
  smtpUrl: string;
  from: string;
  /** Each hub team's address; the participant is written to at its contact address. */
  roleAddresses: Partial<Record<Exclude<Role, 'participant'>, string>>;
  /** Who hears of a wait that is overdue past its escalation interval. */
  escalationAddress: string | null;
  /** The scheme's list of every participant's technical contact: key changes that concern peers. */
  peersAddress?: string | null;
  /** Where the links point: the API's public URL and the Temporal Web UI (with its namespace). */
  apiUrl: string;
  uiUrl: string;
  namespace: string;
  timeoutMs: number;
}

export interface RenderedMail {
  to: string[];
  subject: string;
  text: string;
}

const headline: Record<WaitNotification['event'], (n: WaitNotification) => string> = {
  opened: (n) => `${n.instanceId} is waiting for ${n.to === 'participant' ? 'you' : n.role}`,
  reminder: (n) => `Reminder ${n.n ?? ''}: ${n.instanceId} is still waiting for ${n.role}`.replace('  ', ' '),
  escalation: (n) => `Escalation: ${n.instanceId} has waited for ${n.role} since ${n.since}`,
  expired: (n) => `Expired: ${n.instanceId} was not answered; the onboarding is on hold`,
  'renewal-due': (n) => `Certificate renewal due: ${n.instanceId}`,
  'certificate-expired': (n) => `Certificate expired unrenewed: ${n.instanceId}`,
  rotated: (n) => `Key rotated: ${n.instanceId}; download your connection pack again`,
};

/** The recipients of a notification, or none (then nothing is sent and the outbox records it). */
export function recipientsOf(
  n: WaitNotification,
  config: Pick<MailConfig, 'roleAddresses' | 'escalationAddress' | 'peersAddress'>,
): string[] {
  if (n.to === 'escalation') return config.escalationAddress ? [config.escalationAddress] : [];
  if (n.to === 'peers') return config.peersAddress ? [config.peersAddress] : [];
  if (n.to === 'participant') return n.participantEmail ? [n.participantEmail] : [];
  const team = config.roleAddresses[n.to];
  return team ? [team] : [];
}

export function renderMail(n: WaitNotification, config: MailConfig): RenderedMail {
  const workflowId = onboardingWorkflowId(n.participantId);
  const api = `${config.apiUrl.replace(/\/$/, '')}/onboardings/${encodeURIComponent(n.participantId)}`;
  const ui = `${config.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  const subject = `[${n.participantId}] ${headline[n.event](n)}`;
  const lines = [
    subject.slice(n.participantId.length + 3),
    '',
    `Onboarding:   ${n.participantId} (${n.kind})`,
    `Environment:  ${n.environment}`,
    `Awaited:      ${n.type} ${n.name}, round ${n.round}`,
    `From:         ${n.role}`,
    `Waiting since ${n.since}`,
    ...(n.detail ? ['', n.detail] : []),
    '',
    `Status and actions: ${api}`,
    `Workflow in the Temporal UI: ${ui}`,
  ];
  return { to: recipientsOf(n, config), subject, text: `${lines.join('\n')}\n` };
}

/** Sends through SMTP; a notification with no recipient configured is recorded only. */
export function smtpDelivery(
  config: MailConfig,
  transport: Transporter = nodemailer.createTransport(config.smtpUrl, {
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  }),
): Delivery {
  return async (n) => {
    const mail = renderMail(n, config);
    if (mail.to.length === 0) return { channel: 'none (no address configured)' };
    try {
      const info = (await transport.sendMail({
        from: config.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        // The same notification always carries the same Message-ID: a resend after a crash is recognisable.
        messageId: `<${Buffer.from(n.idempotencyKey).toString('base64url')}@onboarding.hub>`,
        headers: { 'X-Onboarding-Key': n.idempotencyKey },
      })) as { messageId?: string };
      return { channel: 'smtp', ...(info.messageId ? { messageId: info.messageId } : {}) };
    } catch (err) {
      throw new DomainError('NOTIFIER_UNAVAILABLE', `The SMTP server did not take the message: ${(err as Error).message}`);
    }
  };
}
