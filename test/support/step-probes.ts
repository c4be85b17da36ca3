/** What the step proof tests share: a probe workflow started for a participant, a hub-signed client certificate, stopping a child process. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CsrSigningService, IssuedCertificate } from '../../activities/pki/csr-signing';
import type { CaSigner } from '../../activities/pki/local-hub-ca';
import type { RegistryDb } from '../../activities/registry/database';
import { SqliteIssuedCertificateRegistry } from '../../activities/registry/issued-certificates';
import { onboardingWorkflowId, TppOnboardingInput } from '../../workflows/messages';
import { OpenSsl } from './openssl';
import { startBody } from './requests';
import type { TestStack } from './temporal-env';

export function startProbe(stack: TestStack, workflowType: string, participantId: string) {
  const input: TppOnboardingInput = { ...startBody(participantId), requestFingerprint: `direct-${participantId}` };
  return stack.client.workflow.start(workflowType, { workflowId: onboardingWorkflowId(participantId), taskQueue: stack.taskQueue, args: [input] });
}

/** The participant's sandbox client certificate, signed by the hub CA from an openssl CSR (recorded in the registry as the worker would). */
export async function hubSignedClient(ssl: OpenSsl, ca: CaSigner, db: RegistryDb, participantId: string, legalName: string): Promise<{ cert: string; key: string; issued: IssuedCertificate }> {
  const keyFile = ssl.key(`${participantId}.key`, 'rsa:2048');
  const signing = new CsrSigningService(ca, new SqliteIssuedCertificateRegistry(db), { validityDays: { sandbox: 90, production: 365 } });
  const issued = await signing.sign({
    csrPem: ssl.csr(`${participantId}.csr`, keyFile, `/C=GB/O=${legalName}/CN=${participantId}`),
    participant: { participantId, legalName, country: 'GB', hosts: [] },
    kind: 'tpp',
    environment: 'sandbox',
    role: 'tls-client',
  });
  return { cert: issued.certificatePem, key: readFileSync(keyFile, 'utf8'), issued };
}

export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
