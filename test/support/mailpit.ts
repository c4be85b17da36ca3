import type { MailConfig } from '../../activities/notify/smtp-mail';
import { mailpitBinaryPath, RunningMailpit, startMailpit } from '../../scripts/mailpit';
import { loadDevConfig } from '../../scripts/temporal-dev-config';
import { freePort } from './dev-server';

/** One message as Mailpit's API lists it. */
export interface MailSummary {
  ID: string;
  Subject: string;
  To: { Address: string }[];
  Created: string;
}

/** A Mailpit of the test's own (in memory, free loopback ports; built by `npm test`'s install step). */
export async function startTestMailpit(): Promise<
  RunningMailpit & { messages(): Promise<MailSummary[]>; text(id: string): Promise<string>; mailConfig(namespace: string): MailConfig }
> {
  const binary = mailpitBinaryPath(loadDevConfig().mailpit);
  const mailpit = await startMailpit(binary, { ip: '127.0.0.1', smtpPort: await freePort(), uiPort: await freePort(), dbFile: null });
  return {
    ...mailpit,
    async messages() {
      const res = await fetch(`${mailpit.httpUrl}/api/v1/messages?limit=500`);
      return ((await res.json()) as { messages: MailSummary[] }).messages;
    },
    async text(id: string) {
      const res = await fetch(`${mailpit.httpUrl}/api/v1/message/${id}`);
      return ((await res.json()) as { Text: string }).Text;
    },
    mailConfig: (namespace: string) => ({
      smtpUrl: mailpit.smtpUrl,
      from: 'Test Hub <onboarding@hub.test>',
      roleAddresses: { business: 'business@hub.test', legal: 'legal@hub.test', security: 'security@hub.test', ops: 'ops@hub.test' },
      escalationAddress: 'escalation@hub.test',
      apiUrl: 'https://hub.test/api',
      uiUrl: 'http://127.0.0.1:8233',
      namespace,
      timeoutMs: 5000,
    }),
  };
}
