/**
 * The Notifier's e-mail channel: each notification becomes one plain-text message sent through an
 * SMTP server with nodemailer. What a message says: what is awaited, from whom, since when, what
 * to send and where to act (for participants the kit command and the API route; for staff the
 * Temporal UI list and page) — never secrets, keys or certificates.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Role } from '../../workflows/vocabulary';
import { nextStepOf, onboardingWorkflowId } from '../../workflows/messages';
import { DomainError } from '../domain-error';
import type { Delivery, SendIntent, Sent } from './outbox-notifier';
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
  /** How long an `opened` notice waits for siblings to go out as one digest (0: each alone); default 500 ms. */
  digestWindowMs?: number;
}

export interface RenderedMail {
  to: string[];
  subject: string;
  text: string;
}

const headline: Record<WaitNotification['event'], (n: WaitNotification) => string> = {
  opened: (n) => `${n.instanceId} is waiting for ${n.to === 'participant' ? 'you' : n.role}`,
  reminder: (n) =>
    `Reminder ${n.n ?? ''}: ${n.instanceId} is still waiting for ${n.to === 'participant' ? 'you' : n.role}`.replace('  ', ' '),
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

/** What a participant is asked to send for a wait, from the one wait guide (the API's `next` says the same). */
function participantAsk(n: WaitNotification): string[] {
  const step = nextStepOf(n.participantId, {
    instanceId: n.instanceId,
    type: n.type,
    name: n.name,
    environment: n.environment,
    round: n.round,
    role: n.role,
    since: n.since,
  });
  return [`  ${step.what}.`, ...(step.kit ? [`  With the kit:  ${step.kit}`] : []), `  Or the API:    ${step.route}  ${step.body}`];
}

/** The Temporal UI's list of onboardings awaiting a team (the search attribute filled in): staff start from it. */
function uiList(config: MailConfig, role: string): string {
  const query = `AwaitingRole = "${role}"`;
  return `${config.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

/**
 * One mail. A participant's says what to send — the kit command and the API route — and links only
 * what it can open with its own key (no Temporal UI, no browser link to an authenticated API);
 * staff mails link the UI's pre-filtered list of what awaits their team and the workflow itself.
 */
export function renderMail(n: WaitNotification, config: MailConfig): RenderedMail {
  const subject = `[${n.participantId}] ${headline[n.event](n)}`;
  const forParticipant = n.to === 'participant';
  const lines = [
    subject.slice(n.participantId.length + 3),
    '',
    `Onboarding:   ${n.participantId} (${n.kind})`,
    `Environment:  ${n.environment}`,
    `Awaited:      ${n.type} ${n.name}, round ${n.round}`,
    `From:         ${forParticipant ? 'you' : n.role}`,
    `Waiting since ${n.since}`,
    ...(n.detail ? ['', n.detail] : []),
    '',
    ...(forParticipant && n.type === 'submission' && ['opened', 'reminder', 'escalation', 'expired'].includes(n.event)
      ? ['What to send:', ...participantAsk(n), '']
      : []),
    ...whereToAct(n, config),
  ];
  return { to: recipientsOf(n, config), subject, text: `${lines.join('\n')}\n` };
}

/** The links a mail ends with: only what its reader can open (the participant with its key, staff in the UI). */
function whereToAct(n: WaitNotification, config: MailConfig): string[] {
  const api = `${config.apiUrl.replace(/\/$/, '')}/onboardings/${encodeURIComponent(n.participantId)}`;
  if (n.to === 'participant') {
    return [
      `Where you stand and what is next:  npm run kit -- next   (or GET ${api} with your API key)`,
      `API reference: ${config.apiUrl.replace(/\/$/, '')}/docs`,
    ];
  }
  const workflowId = onboardingWorkflowId(n.participantId);
  const ui = `${config.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return [
    `Everything awaiting ${n.role} (Temporal UI): ${uiList(config, n.role)}`,
    `This workflow in the Temporal UI: ${ui}`,
    `Status and actions: ${api}`,
  ];
}

/** Several waits opened together for the same reader, as one mail listing each with what to send. */
export function renderDigest(batch: WaitNotification[], config: MailConfig): RenderedMail {
  const first = batch[0] as WaitNotification;
  if (batch.length === 1) return renderMail(first, config);
  const forParticipant = first.to === 'participant';
  const environments = [...new Set(batch.map((n) => n.environment))].join(', ');
  const subject = `[${first.participantId}] ${batch.length} steps are waiting for ${forParticipant ? 'you' : first.role} in ${environments}`;
  const lines = [subject.slice(first.participantId.length + 3), '', `Onboarding:   ${first.participantId} (${first.kind})`, ''];
  for (const n of batch) {
    lines.push(`- ${n.instanceId} (${n.type} ${n.name}), waiting since ${n.since}`);
    if (forParticipant && n.type === 'submission') lines.push(...participantAsk(n));
    if (n.detail) lines.push(`  ${n.detail}`);
  }
  return { to: recipientsOf(first, config), subject, text: `${[...lines, '', ...whereToAct(first, config)].join('\n')}\n` };
}

/** One Message-ID per message, from the keys it carries: the same notification always has the same one. */
export function messageIdOf(batch: WaitNotification[]): string {
  const key = batch.map((n) => n.idempotencyKey).join('|');
  return `<${batch.length === 1 ? Buffer.from(key).toString('base64url') : createHash('sha256').update(key).digest('base64url')}@onboarding.hub>`;
}

/**
 * Sends through SMTP; a notification with no recipient configured is recorded only. Waits that open
 * together for the same reader (a DFSP's seven sandbox submissions) arrive as one digest: an
 * `opened` notice waits `digestWindowMs` for its siblings, then one mail lists them all. The intent
 * (batch and Message-ID) is handed to the outbox before the SMTP transaction starts.
 */
export function smtpDelivery(
  config: MailConfig,
  transport: Transporter = nodemailer.createTransport(config.smtpUrl, {
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
  }),
): Delivery {
  const windowMs = config.digestWindowMs ?? 500;
  const transmit = async (batch: WaitNotification[], messageId: string): Promise<Sent> => {
    const mail = renderDigest(batch, config);
    try {
      const info = (await transport.sendMail({
        from: config.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        // The same notification always carries the same Message-ID: a resend after a crash is recognisable.
        messageId,
        headers: { 'X-Onboarding-Key': batch.length === 1 ? (batch[0] as WaitNotification).idempotencyKey : `digest of ${batch.length}` },
      })) as { messageId?: string };
      return {
        channel: batch.length === 1 ? 'smtp' : `smtp (digest of ${batch.length})`,
        ...(info.messageId ? { messageId: info.messageId } : {}),
      };
    } catch (err) {
      throw new DomainError('NOTIFIER_UNAVAILABLE', `The SMTP server did not take the message: ${(err as Error).message}`);
    }
  };
  const send = async (batch: WaitNotification[], intent: SendIntent): Promise<Sent> => {
    const messageId = messageIdOf(batch);
    await intent(batch, messageId);
    return transmit(batch, messageId);
  };
  const groups = new Map<string, { batch: WaitNotification[]; done: Promise<Sent> }>();
  return {
    async send(n, intent) {
      const to = recipientsOf(n, config);
      if (to.length === 0) return { channel: 'none (no address configured)' };
      if (n.event !== 'opened' || windowMs === 0) return send([n], intent);
      const groupKey = `${n.participantId}|${n.to}|${to.join(',')}`;
      const open = groups.get(groupKey);
      if (open) {
        open.batch.push(n);
        return open.done;
      }
      const batch = [n];
      const done = new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(() => {
        groups.delete(groupKey);
        return send(batch, intent);
      });
      groups.set(groupKey, { batch, done });
      return done;
    },
    resend: (batch, messageId) =>
      recipientsOf(batch[0] as WaitNotification, config).length === 0
        ? Promise.resolve({ channel: 'none (no address configured)' })
        : transmit(batch, messageId),
  };
}
