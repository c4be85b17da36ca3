import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeliveryReceipt, Notifier, WaitNotification } from './notifier';

/** A notification as the outbox keeps it: without the participant's contact address. */
type Recorded = Omit<WaitNotification, 'participantEmail'>;

interface DeliveredLine extends Recorded {
  deliveredAt: string;
  /** How it went out (`smtp`), when not only recorded here. */
  channel?: string;
  messageId?: string;
}

/** Written before a message goes out: its Message-ID and everything it carries (one line per key of a digest). */
interface IntentLine {
  idempotencyKey: string;
  sendingAt: string;
  messageId: string;
  batch: Recorded[];
}

interface Intent {
  messageId: string;
  batch: Recorded[];
}

export interface Sent {
  channel: string;
  messageId?: string;
}

/** Called by a channel right before the message for `batch` goes out under `messageId`. */
export type SendIntent = (batch: WaitNotification[], messageId: string) => Promise<void>;

/**
 * A real channel (e.g. SMTP). `send` may gather a notification into a digest with siblings; it calls
 * `intent` before the transaction. `resend` sends exactly a message an earlier attempt may already
 * have sent — the same notifications under the same Message-ID — so a receiver that saw it drops it.
 */
export interface Delivery {
  send(notification: WaitNotification, intent: SendIntent): Promise<Sent>;
  resend(batch: WaitNotification[], messageId: string): Promise<Sent>;
}

function recorded(n: WaitNotification): Recorded {
  const copy: Recorded & { participantEmail?: string } = { ...n };
  delete copy.participantEmail;
  return copy;
}

/**
 * The record of what was sent and the idempotency guard: each notification is one JSON line in an
 * outbox file. With a channel, an intent line (the Message-ID and the notifications the message
 * carries) is written before the message goes out and a delivered line after the channel took it:
 * a key delivered is never sent again, also across restarts; a key whose attempt died between the
 * two (a worker killed mid-send) is sent again as the very same message — same notifications, same
 * Message-ID — which receivers that deduplicate on Message-ID (Mailpit with --ignore-duplicate-ids,
 * mail clients, archives) show once; every key of that message is then recorded delivered. Without
 * a channel the outbox is the channel (an operator or a relay reads it). Contact addresses are not kept.
 */
export class OutboxNotifier implements Notifier {
  private state: Promise<{ delivered: Map<string, string>; intents: Map<string, Intent> }> | null = null;
  /** Deliveries under way, by key: a concurrent retry of one key waits for it instead of sending again. */
  private readonly inFlight = new Map<string, Promise<DeliveryReceipt>>();
  /** Resends under way, by Message-ID: the keys of one digest recovering together send it once. */
  private readonly resending = new Map<string, Promise<Map<string, DeliveryReceipt>>>();

  constructor(
    private readonly file: string,
    private readonly channel?: Delivery,
  ) {}

  notify(notification: WaitNotification): Promise<DeliveryReceipt> {
    // One delivery per key at a time; different keys go out concurrently (so a digest can gather them).
    const key = notification.idempotencyKey;
    const running = this.inFlight.get(key);
    if (running) return running.then((r) => ({ ...r, firstDelivery: false }));
    const run = this.deliver(notification).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private async deliver(notification: WaitNotification): Promise<DeliveryReceipt> {
    const { delivered, intents } = await this.load();
    const key = notification.idempotencyKey;
    const earlier = delivered.get(key);
    if (earlier !== undefined) return { idempotencyKey: key, firstDelivery: false, deliveredAt: earlier };
    const intent = intents.get(key);
    if (this.channel && intent) return this.recover(notification, intent);
    const sent = this.channel ? await this.channel.send(notification, (batch, messageId) => this.recordIntent(batch, messageId)) : null;
    return this.recordDelivered(recorded(notification), sent);
  }

  /** An earlier attempt wrote its intent and died: the same message again, then every key it carries recorded. */
  private async recover(notification: WaitNotification, intent: Intent): Promise<DeliveryReceipt> {
    const channel = this.channel as Delivery;
    let recovery = this.resending.get(intent.messageId);
    if (!recovery) {
      // The stored notifications lack the contact address; the digest's keys share one reader, this one's.
      const batch = intent.batch.map((n) =>
        n.to === 'participant' && notification.participantEmail ? { ...n, participantEmail: notification.participantEmail } : n,
      );
      recovery = (async () => {
        const sent = await channel.resend(batch, intent.messageId);
        const { delivered } = await this.load();
        const receipts = new Map<string, DeliveryReceipt>();
        for (const n of intent.batch) {
          const at = delivered.get(n.idempotencyKey);
          receipts.set(
            n.idempotencyKey,
            at === undefined
              ? await this.recordDelivered(n, sent)
              : { idempotencyKey: n.idempotencyKey, firstDelivery: false, deliveredAt: at },
          );
        }
        return receipts;
      })().finally(() => this.resending.delete(intent.messageId));
      this.resending.set(intent.messageId, recovery);
    }
    const own = (await recovery).get(notification.idempotencyKey);
    return own ?? this.deliver(notification);
  }

  private async recordIntent(batch: WaitNotification[], messageId: string): Promise<void> {
    const { intents } = await this.load();
    const kept = batch.map(recorded);
    const sendingAt = new Date().toISOString();
    const lines = kept.map((n) =>
      JSON.stringify({ idempotencyKey: n.idempotencyKey, sendingAt, messageId, batch: kept } satisfies IntentLine),
    );
    await appendFile(this.file, `${lines.join('\n')}\n`, { encoding: 'utf8', mode: 0o600 });
    for (const n of kept) intents.set(n.idempotencyKey, { messageId, batch: kept });
  }

  private async recordDelivered(n: Recorded, sent: Sent | null): Promise<DeliveryReceipt> {
    const { delivered, intents } = await this.load();
    const deliveredAt = new Date().toISOString();
    const line: DeliveredLine = {
      ...n,
      deliveredAt,
      ...(sent ? { channel: sent.channel, ...(sent.messageId ? { messageId: sent.messageId } : {}) } : {}),
    };
    await appendFile(this.file, `${JSON.stringify(line)}\n`, { encoding: 'utf8', mode: 0o600 });
    delivered.set(n.idempotencyKey, deliveredAt);
    intents.delete(n.idempotencyKey);
    return { idempotencyKey: n.idempotencyKey, firstDelivery: true, deliveredAt };
  }

  private load(): Promise<{ delivered: Map<string, string>; intents: Map<string, Intent> }> {
    this.state ??= this.read();
    return this.state;
  }

  private async read(): Promise<{ delivered: Map<string, string>; intents: Map<string, Intent> }> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const delivered = new Map<string, string>();
    const intents = new Map<string, Intent>();
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      try {
        const line = JSON.parse(raw) as Partial<DeliveredLine & IntentLine>;
        if (typeof line.idempotencyKey !== 'string') continue;
        if (typeof line.deliveredAt === 'string') {
          delivered.set(line.idempotencyKey, line.deliveredAt);
          intents.delete(line.idempotencyKey);
        } else if (typeof line.messageId === 'string' && Array.isArray(line.batch) && !delivered.has(line.idempotencyKey)) {
          intents.set(line.idempotencyKey, { messageId: line.messageId, batch: line.batch });
        }
      } catch {
        // A torn last line (crash mid-append) is skipped; the retried delivery rewrites it.
      }
    }
    return { delivered, intents };
  }
}
