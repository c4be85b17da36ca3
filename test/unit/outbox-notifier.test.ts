import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OutboxNotifier } from '../../activities/notify/outbox-notifier';
import type { WaitNotification } from '../../activities/notify/notifier';
import { recipientsOf, renderMail } from '../../activities/notify/smtp-mail';

const notification = (key: string): WaitNotification => ({
  idempotencyKey: key,
  participantId: 'acme',
  kind: 'tpp',
  environment: 'sandbox',
  instanceId: 'application-review@sandbox#1',
  type: 'gate',
  name: 'application-review',
  round: 1,
  role: 'business',
  event: 'opened',
  to: 'business',
  since: '2026-11-20T10:00:00.000Z',
});

function lines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('OutboxNotifier', () => {
  const file = () => path.join(mkdtempSync(path.join(tmpdir(), 'outbox-')), 'nested', 'notifications.jsonl');

  it('writes one line per notification and reports first delivery', async () => {
    const f = file();
    const receipt = await new OutboxNotifier(f).notify(notification('k1'));
    expect(receipt.firstDelivery).toBe(true);
    expect(lines(f)).toEqual([
      expect.objectContaining({ idempotencyKey: 'k1', instanceId: 'application-review@sandbox#1', role: 'business' }),
    ]);
  });

  it('delivers a retried key once, also when retried concurrently', async () => {
    const f = file();
    const notifier = new OutboxNotifier(f);
    const receipts = await Promise.all([1, 2, 3].map(() => notifier.notify(notification('k2'))));
    expect(receipts.map((r) => r.firstDelivery).sort()).toEqual([false, false, true]);
    expect(lines(f)).toHaveLength(1);
  });

  it('remembers delivered keys across a restart (a new instance on the same file)', async () => {
    const f = file();
    const first = await new OutboxNotifier(f).notify(notification('k3'));
    const again = await new OutboxNotifier(f).notify(notification('k3'));
    expect(again).toEqual({ idempotencyKey: 'k3', firstDelivery: false, deliveredAt: first.deliveredAt });
    expect(lines(f)).toHaveLength(1);
  });

  it('records after the channel took the message: a send that fails records nothing and the retry sends; a delivered key is never sent again', async () => {
    const f = file();
    const sent: string[] = [];
    let failNext = true;
    const notifier = new OutboxNotifier(f, async (n) => {
      if (failNext) {
        failNext = false;
        throw new Error('smtp down');
      }
      sent.push(n.idempotencyKey);
      return { channel: 'smtp', messageId: `<${n.idempotencyKey}@test>` };
    });
    await expect(notifier.notify(notification('k4'))).rejects.toThrow('smtp down');
    expect(sent).toEqual([]);
    expect((await notifier.notify(notification('k4'))).firstDelivery).toBe(true);
    expect((await notifier.notify(notification('k4'))).firstDelivery).toBe(false);
    expect(sent).toEqual(['k4']);
    expect(lines(f)).toEqual([expect.objectContaining({ idempotencyKey: 'k4', channel: 'smtp', messageId: '<k4@test>' })]);
  });

  it("never writes the participant's contact address into the outbox", async () => {
    const f = file();
    await new OutboxNotifier(f).notify({
      ...notification('k5'),
      role: 'participant',
      to: 'participant',
      participantEmail: 'it@acme.example',
    });
    expect(readFileSync(f, 'utf8')).not.toContain('it@acme.example');
  });
});

describe('e-mail rendering', () => {
  const config = {
    smtpUrl: 'smtp://127.0.0.1:1025',
    from: 'hub@hub.example',
    roleAddresses: { business: 'business@hub.example', ops: 'ops@hub.example' },
    escalationAddress: 'lead@hub.example',
    apiUrl: 'https://hub.example/api/',
    uiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    timeoutMs: 1000,
  };

  it('says what is awaited, from whom, since when, and links to the API resource and the workflow in the UI', () => {
    const mail = renderMail({ ...notification('k'), event: 'reminder', n: 2 }, config);
    expect(mail.to).toEqual(['business@hub.example']);
    expect(mail.subject).toBe('[acme] Reminder 2: application-review@sandbox#1 is still waiting for business');
    expect(mail.text).toContain('Waiting since 2026-11-20T10:00:00.000Z');
    expect(mail.text).toContain('Awaited:      gate application-review, round 1');
    expect(mail.text).toContain('https://hub.example/api/onboardings/acme');
    expect(mail.text).toContain('http://127.0.0.1:8233/namespaces/default/workflows/onboarding-acme');
  });

  it('addresses the escalation contact, the participant at its contact address, and nobody for an unconfigured team', () => {
    expect(recipientsOf({ ...notification('k'), event: 'escalation', to: 'escalation' }, config)).toEqual(['lead@hub.example']);
    expect(
      recipientsOf({ ...notification('k'), role: 'participant', to: 'participant', participantEmail: 'it@acme.example' }, config),
    ).toEqual(['it@acme.example']);
    expect(recipientsOf({ ...notification('k'), role: 'legal', to: 'legal' }, config)).toEqual([]);
  });
});
