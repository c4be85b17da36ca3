import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Delivery, OutboxNotifier, Sent } from '../../activities/notify/outbox-notifier';
import type { WaitNotification } from '../../activities/notify/notifier';
import type { Transporter } from 'nodemailer';
import { messageIdOf, recipientsOf, renderMail, smtpDelivery } from '../../activities/notify/smtp-mail';

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

function allLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The delivered lines (the intent lines a channel's sends add are left out). */
function lines(file: string): unknown[] {
  return allLines(file).filter((l) => 'deliveredAt' in l);
}

/**
 * A channel into a mailbox that, like Mailpit with --ignore-duplicate-ids, keeps one message per
 * Message-ID; `dieAfterSend` makes the next send take the message and then never return (the worker
 * killed between the send and the outbox's record of it).
 */
function mailbox() {
  const kept = new Map<string, string[]>();
  const transmissions: string[] = [];
  let dieAfterSend = false;
  const transmit = async (batch: WaitNotification[], messageId: string): Promise<Sent> => {
    transmissions.push(messageId);
    if (!kept.has(messageId))
      kept.set(
        messageId,
        batch.map((n) => n.idempotencyKey),
      );
    if (dieAfterSend) return new Promise<Sent>(() => {});
    return { channel: 'smtp', messageId };
  };
  const channel: Delivery = {
    async send(n, intent) {
      const messageId = messageIdOf([n]);
      await intent([n], messageId);
      return transmit([n], messageId);
    },
    resend: transmit,
  };
  return { channel, kept, transmissions, die: () => (dieAfterSend = true), live: () => (dieAfterSend = false) };
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
    const notifier = new OutboxNotifier(f, {
      async send(n, intent) {
        if (failNext) {
          failNext = false;
          throw new Error('smtp down');
        }
        await intent([n], `<${n.idempotencyKey}@test>`);
        sent.push(n.idempotencyKey);
        return { channel: 'smtp', messageId: `<${n.idempotencyKey}@test>` };
      },
      resend: async () => {
        throw new Error('nothing to resend');
      },
    });
    await expect(notifier.notify(notification('k4'))).rejects.toThrow('smtp down');
    expect(sent).toEqual([]);
    expect((await notifier.notify(notification('k4'))).firstDelivery).toBe(true);
    expect((await notifier.notify(notification('k4'))).firstDelivery).toBe(false);
    expect(sent).toEqual(['k4']);
    expect(lines(f)).toEqual([expect.objectContaining({ idempotencyKey: 'k4', channel: 'smtp', messageId: '<k4@test>' })]);
  });

  it('writes the intent (Message-ID and what it carries) before the message goes out, and the delivery after', async () => {
    const f = file();
    const box = mailbox();
    await new OutboxNotifier(f, box.channel).notify(notification('k6'));
    expect(allLines(f)).toEqual([
      expect.objectContaining({ idempotencyKey: 'k6', messageId: messageIdOf([notification('k6')]), batch: [notification('k6')] }),
      expect.objectContaining({ idempotencyKey: 'k6', deliveredAt: expect.any(String), channel: 'smtp' }),
    ]);
  });

  it('after a death between send and record, sends the very same message again (same Message-ID) and records it once', async () => {
    const f = file();
    const box = mailbox();
    box.die();
    // The first worker: the message goes out, then the process is gone before the outbox records it.
    void new OutboxNotifier(f, box.channel).notify(notification('k7'));
    for (let i = 0; i < 100 && box.transmissions.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    box.live();
    // The restarted worker retries the activity: it finds the intent and resends exactly that message.
    const after = new OutboxNotifier(f, box.channel);
    const [a, b] = await Promise.all([after.notify(notification('k7')), after.notify(notification('k7'))]);
    expect(a.firstDelivery).toBe(true);
    expect(b.firstDelivery).toBe(false);
    expect(box.transmissions).toEqual([messageIdOf([notification('k7')]), messageIdOf([notification('k7')])]);
    expect([...box.kept.keys()]).toEqual([messageIdOf([notification('k7')])]);
    expect(lines(f)).toEqual([expect.objectContaining({ idempotencyKey: 'k7' })]);
    // Delivered now: a further retry, even from another process, sends nothing.
    expect((await new OutboxNotifier(f, box.channel).notify(notification('k7'))).firstDelivery).toBe(false);
    expect(box.transmissions).toHaveLength(2);
  });

  it('recovers a digest as one message: its keys retried together resend it once and are all recorded', async () => {
    const f = file();
    const sends: { messageId: string; keys: string[] }[] = [];
    const transport = {
      sendMail: async (m: { messageId: string; subject: string }) => {
        sends.push({ messageId: m.messageId, keys: [] });
        return { messageId: m.messageId };
      },
    };
    const config = {
      smtpUrl: 'smtp://127.0.0.1:1025',
      from: 'hub@hub.example',
      roleAddresses: { business: 'business@hub.example' },
      escalationAddress: null,
      apiUrl: 'https://hub.example/api',
      uiUrl: 'http://127.0.0.1:8233',
      namespace: 'default',
      timeoutMs: 1000,
      digestWindowMs: 50,
    };
    const waits = ['k8', 'k9', 'k10'].map((k, i) => ({ ...notification(k), instanceId: `w${i}@sandbox#1` }));
    // A first worker wrote the digest's intent and died before sending (or after: the same either way).
    const first = new OutboxNotifier(f, {
      async send(n, intent) {
        await intent(waits, messageIdOf(waits));
        return new Promise<Sent>(() => {});
      },
      resend: async () => ({ channel: 'unused' }),
    });
    void first.notify(waits[0] as WaitNotification);
    const written = () => existsSync(f) && readFileSync(f, 'utf8').includes('k10');
    for (let i = 0; i < 100 && !written(); i++) await new Promise((r) => setTimeout(r, 10));
    const after = new OutboxNotifier(f, smtpDelivery(config, transport as unknown as Transporter));
    const receipts = await Promise.all(waits.map((w) => after.notify(w)));
    expect(sends).toEqual([{ messageId: messageIdOf(waits), keys: [] }]);
    expect(receipts.map((r) => r.idempotencyKey)).toEqual(['k8', 'k9', 'k10']);
    expect(
      lines(f)
        .map((l) => (l as { idempotencyKey: string }).idempotencyKey)
        .sort(),
    ).toEqual(['k10', 'k8', 'k9']);
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

  it("tells staff where their team's list is in the Temporal UI (the query filled in) and links the workflow", () => {
    const mail = renderMail(notification('k'), config);
    expect(mail.text).toContain(
      `http://127.0.0.1:8233/namespaces/default/workflows?query=${encodeURIComponent('AwaitingRole = "business"')}`,
    );
  });

  const dfspWait = (key: string, name: string, environment = 'sandbox'): WaitNotification => ({
    ...notification(key),
    participantId: 'dfsp-x',
    kind: 'dfsp',
    environment: environment as 'sandbox',
    instanceId: `${name}@${environment}#1`,
    type: 'submission',
    name: name as 'client-csr',
    role: 'participant',
    to: 'participant',
    participantEmail: 'tech@dfsp-x.example',
  });

  it('tells a participant what to send — the kit command and the API route — and links nothing it cannot open', () => {
    const mail = renderMail(dfspWait('k', 'client-csr'), config);
    expect(mail.to).toEqual(['tech@dfsp-x.example']);
    expect(mail.subject).toBe('[dfsp-x] client-csr@sandbox#1 is waiting for you');
    expect(mail.text).toContain('Send the CSR of your TLS client key (O = your legal name, CN = your participant id)');
    expect(mail.text).toContain('With the kit:  npm run kit -- submit client-csr --environment sandbox');
    expect(mail.text).toContain('Or the API:    POST /onboardings/dfsp-x/submissions/client-csr  { environment: "sandbox", csrPem }');
    expect(mail.text).toContain('npm run kit -- next');
    // No Temporal UI (internal), and the API resource only as something to call with a key.
    expect(mail.text).not.toContain('8233');
    expect(mail.text).not.toMatch(/^Status and actions:/m);
  });

  it('sends waits that open together for the same reader as one digest; other events and other readers alone', async () => {
    const sent: { to: string[]; subject: string; text: string }[] = [];
    const transport = {
      sendMail: async (m: { to: string[]; subject: string; text: string }) => (sent.push(m), { messageId: `<${sent.length}>` }),
    };
    const channel = smtpDelivery({ ...config, digestWindowMs: 100 }, transport as unknown as Transporter);
    const deliver = (n: WaitNotification) => channel.send(n, async () => {});
    const waits = ['client-csr', 'server-certificate', 'jws-key', 'endpoints'].map((name, i) => dfspWait(`k${i}`, name));
    const receipts = await Promise.all([
      ...waits.map((w) => deliver(w)),
      deliver({ ...dfspWait('r1', 'ip-allowlist'), event: 'reminder', n: 1 }),
      deliver(notification('staff')),
    ]);
    expect(sent).toHaveLength(3);
    const digest = sent.find((m) => m.subject.includes('steps are waiting'));
    expect(digest?.subject).toBe('[dfsp-x] 4 steps are waiting for you in sandbox');
    expect(digest?.to).toEqual(['tech@dfsp-x.example']);
    for (const name of ['client-csr', 'server-certificate', 'jws-key', 'endpoints']) {
      expect(digest?.text).toContain(`- ${name}@sandbox#1 (submission ${name})`);
      expect(digest?.text).toContain(`npm run kit -- submit ${name}`);
    }
    expect(receipts.slice(0, 4).map((r) => r.channel)).toEqual(Array(4).fill('smtp (digest of 4)'));
    expect(sent.map((m) => m.subject)).toContain('[dfsp-x] Reminder 1: ip-allowlist@sandbox#1 is still waiting for you');
    expect(sent.map((m) => m.subject)).toContain('[acme] application-review@sandbox#1 is waiting for business');
  });

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
