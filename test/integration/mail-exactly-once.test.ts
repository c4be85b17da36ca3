/**
 * Exactly once, including mail, under a real process kill between send and record: a child process
 * sends a notification through a real Mailpit and is SIGKILLed the moment the SMTP server took it,
 * before the outbox records it. The retry (a new notifier on the same outbox, as the restarted worker's
 * activity attempt) sends the very same message — same Message-ID — and records it once; a receiver
 * that deduplicates on Message-ID (Mailpit with --ignore-duplicate-ids, as npm start runs it) shows it
 * once, and one that keeps every transmission shows the same Message-ID twice, never two different mails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WaitNotification } from '../../activities/notify/notifier';
import { OutboxNotifier } from '../../activities/notify/outbox-notifier';
import { messageIdOf, smtpDelivery } from '../../activities/notify/smtp-mail';
import { mailpitBinaryPath, startMailpit } from '../../scripts/mailpit';
import { loadDevConfig } from '../../scripts/temporal-dev-config';
import { freePort } from '../support/dev-server';

jest.setTimeout(120_000);

const root = path.join(__dirname, '..', '..');
const notification: WaitNotification = {
  idempotencyKey: 'opened:mail-1:application-review@sandbox#1',
  participantId: 'mail-1',
  kind: 'tpp',
  environment: 'sandbox',
  instanceId: 'application-review@sandbox#1',
  type: 'gate',
  name: 'application-review',
  round: 1,
  role: 'business',
  event: 'opened',
  to: 'business',
  since: '2026-12-03T10:00:00.000Z',
};

async function killedMidSend(ignoreDuplicateIds: boolean) {
  const mailpit = await startMailpit(mailpitBinaryPath(loadDevConfig().mailpit), {
    ip: '127.0.0.1',
    smtpPort: await freePort(),
    uiPort: await freePort(),
    dbFile: null,
    ignoreDuplicateIds,
  });
  const outbox = path.join(mkdtempSync(path.join(tmpdir(), 'mail-once-')), 'notifications.jsonl');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/mail/send-then-die.ts', outbox, mailpit.smtpUrl, JSON.stringify(notification)],
    {
      cwd: root,
      stdio: 'ignore',
    },
  );
  const signal = await new Promise((resolve) => child.once('exit', (_code, s) => resolve(s)));
  const before = readFileSync(outbox, 'utf8');
  const config = {
    smtpUrl: mailpit.smtpUrl,
    from: 'hub@hub.test',
    roleAddresses: { business: 'business@hub.test' },
    escalationAddress: null,
    apiUrl: 'https://hub.test/api',
    uiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    timeoutMs: 5000,
    digestWindowMs: 0,
  };
  // The restarted worker's attempt.
  const receipt = await new OutboxNotifier(outbox, smtpDelivery(config)).notify(notification);
  const again = await new OutboxNotifier(outbox, smtpDelivery(config)).notify(notification);
  const messages = ((await (await fetch(`${mailpit.httpUrl}/api/v1/messages`)).json()) as { messages: { MessageID: string }[] }).messages;
  const lines = readFileSync(outbox, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  await mailpit.stop();
  return { signal, before, receipt, again, messages, lines };
}

it('resends the same message after a kill between send and record; a Message-ID-deduplicating inbox shows it once', async () => {
  const run = await killedMidSend(true);
  expect(run.signal).toBe('SIGKILL');
  // The intent was written before the send; nothing recorded it delivered.
  expect(run.before).toContain(messageIdOf([notification]).slice(1, -1));
  expect(run.before).not.toContain('deliveredAt');
  expect(run.receipt.firstDelivery).toBe(true);
  expect(run.again.firstDelivery).toBe(false);
  expect(run.messages.map((m) => m.MessageID)).toEqual([messageIdOf([notification]).slice(1, -1)]);
  expect(run.lines.filter((l) => 'deliveredAt' in l)).toHaveLength(1);
});

it('never sends two different mails for one notification: an inbox that keeps every transmission sees one Message-ID', async () => {
  const run = await killedMidSend(false);
  expect(run.signal).toBe('SIGKILL');
  expect(new Set(run.messages.map((m) => m.MessageID))).toEqual(new Set([messageIdOf([notification]).slice(1, -1)]));
  expect(run.messages.length).toBeLessThanOrEqual(2);
});
