import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OutboxNotifier } from '../../activities/notify/outbox-notifier';
import type { WaitOpenedNotification } from '../../activities/notify/notifier';

const notification = (key: string): WaitOpenedNotification => ({
  idempotencyKey: key,
  participantId: 'acme',
  kind: 'tpp',
  environment: 'sandbox',
  instanceId: 'application-review@sandbox#1',
  type: 'gate',
  name: 'application-review',
  round: 1,
  role: 'business',
});

function lines(file: string): unknown[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

describe('OutboxNotifier', () => {
  const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'outbox-')), 'nested', 'notifications.jsonl');

  it('writes one line per notification and reports first delivery', async () => {
    const f = file();
    const receipt = await new OutboxNotifier(f).notifyWaitOpened(notification('k1'));
    expect(receipt.firstDelivery).toBe(true);
    expect(lines(f)).toEqual([expect.objectContaining({ idempotencyKey: 'k1', instanceId: 'application-review@sandbox#1', role: 'business' })]);
  });

  it('delivers a retried key once, also when retried concurrently', async () => {
    const f = file();
    const notifier = new OutboxNotifier(f);
    const receipts = await Promise.all([1, 2, 3].map(() => notifier.notifyWaitOpened(notification('k2'))));
    expect(receipts.map((r) => r.firstDelivery).sort()).toEqual([false, false, true]);
    expect(lines(f)).toHaveLength(1);
  });

  it('remembers delivered keys across a restart (a new instance on the same file)', async () => {
    const f = file();
    const first = await new OutboxNotifier(f).notifyWaitOpened(notification('k3'));
    const again = await new OutboxNotifier(f).notifyWaitOpened(notification('k3'));
    expect(again).toEqual({ idempotencyKey: 'k3', firstDelivery: false, deliveredAt: first.deliveredAt });
    expect(lines(f)).toHaveLength(1);
  });
});
