import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeliveryReceipt, WaitOpenedNotification, Notifier } from './notifier';

interface OutboxLine extends WaitOpenedNotification {
  deliveredAt: string;
}

/**
 * Embedded notifier: appends each notification as one JSON line to an outbox file that an
 * operator (or a mail relay) reads. Delivery is idempotent by key, also across restarts.
 */
export class OutboxNotifier implements Notifier {
  private delivered: Map<string, string> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  notifyWaitOpened(notification: WaitOpenedNotification): Promise<DeliveryReceipt> {
    // Serialised so two concurrent deliveries of one key cannot both append.
    const run = this.queue.then(() => this.deliver(notification));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async deliver(notification: WaitOpenedNotification): Promise<DeliveryReceipt> {
    const delivered = await this.load();
    const earlier = delivered.get(notification.idempotencyKey);
    if (earlier !== undefined) {
      return { idempotencyKey: notification.idempotencyKey, firstDelivery: false, deliveredAt: earlier };
    }
    const deliveredAt = new Date().toISOString();
    const line: OutboxLine = { ...notification, deliveredAt };
    await appendFile(this.file, `${JSON.stringify(line)}\n`, { encoding: 'utf8', mode: 0o600 });
    delivered.set(notification.idempotencyKey, deliveredAt);
    return { idempotencyKey: notification.idempotencyKey, firstDelivery: true, deliveredAt };
  }

  private async load(): Promise<Map<string, string>> {
    if (this.delivered !== null) return this.delivered;
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
    this.delivered = delivered;
    return delivered;
  }
}
