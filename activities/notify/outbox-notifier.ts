import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeliveryReceipt, Notifier, WaitNotification } from './notifier';

interface OutboxLine extends Omit<WaitNotification, 'participantEmail'> {
  deliveredAt: string;
  /** How it went out (`smtp`), when not only recorded here. */
  channel?: string;
  messageId?: string;
}

/** Sends one notification on a real channel; what it returns is recorded in the outbox line. */
export type Delivery = (notification: WaitNotification) => Promise<{ channel: string; messageId?: string }>;

/**
 * The record of what was sent and the idempotency guard: each notification is one JSON line in an
 * outbox file, written after the channel (`send`, e.g. SMTP) took it; a key already in the outbox
 * is not sent again, also across restarts — a retried activity never sends twice. Without `send`
 * the outbox is the channel (an operator or a mail relay reads it). Contact addresses are not kept.
 */
export class OutboxNotifier implements Notifier {
  private delivered: Promise<Map<string, string>> | null = null;
  /** Deliveries under way, by key: a concurrent retry of one key waits for it instead of sending again. */
  private readonly inFlight = new Map<string, Promise<DeliveryReceipt>>();

  constructor(
    private readonly file: string,
    private readonly send?: Delivery,
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
    const delivered = await this.load();
    const earlier = delivered.get(notification.idempotencyKey);
    if (earlier !== undefined) {
      return { idempotencyKey: notification.idempotencyKey, firstDelivery: false, deliveredAt: earlier };
    }
    const sent = this.send ? await this.send(notification) : null;
    const deliveredAt = new Date().toISOString();
    const recorded: Omit<WaitNotification, 'participantEmail'> & { participantEmail?: string } = { ...notification };
    delete recorded.participantEmail;
    const line: OutboxLine = {
      ...recorded,
      deliveredAt,
      ...(sent ? { channel: sent.channel, ...(sent.messageId ? { messageId: sent.messageId } : {}) } : {}),
    };
    await appendFile(this.file, `${JSON.stringify(line)}\n`, { encoding: 'utf8', mode: 0o600 });
    delivered.set(notification.idempotencyKey, deliveredAt);
    return { idempotencyKey: notification.idempotencyKey, firstDelivery: true, deliveredAt };
  }

  private load(): Promise<Map<string, string>> {
    this.delivered ??= this.read();
    return this.delivered;
  }

  private async read(): Promise<Map<string, string>> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const delivered = new Map<string, string>();
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue;
      try {
        const line = JSON.parse(raw) as Partial<OutboxLine>;
        if (typeof line.idempotencyKey === 'string' && typeof line.deliveredAt === 'string') {
          delivered.set(line.idempotencyKey, line.deliveredAt);
        }
      } catch {
        // A torn last line (crash mid-append) is skipped; the retried delivery rewrites it.
      }
    }
    return delivered;
  }
}
