/**
 * The IP allowlist step on the real dev server and a real nginx: a participant whose CSR the hub
 * signed, allowlisted from 127.0.0.2, reaches the gateway from there only once its journey opens the
 * access; replacing the list moves access; a suspension closes it within seconds and a resume opens
 * it again; cancelling the onboarding closes it for good.
 */
import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import type { LocalHubCa } from '../../activities/pki/local-hub-ca';
import type { RegistryDb } from '../../activities/registry/database';
import { NetworkRegistry } from '../../activities/network/network-registry';
import { onboardingWorkflowId, OnboardingProgress, OnboardingStatus } from '../../workflows/messages';
import { openGateway } from '../../worker/onboarding-worker';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { callGateway } from '../support/gateway';
import { OpenSsl } from '../support/openssl';
import { hubSignedClient, startProbe, startStepStack, StepStack, stopProcess } from '../support/step-probes';
import { nginxBinary, type TestStack } from '../support/temporal-env';

let rig: StepStack;
let stack: TestStack;
let app: FastifyInstance;
let nginx: ChildProcess;
let db: RegistryDb;
let ca: LocalHubCa;
let client: { cert: string; key: string };
let other: { cert: string; key: string };
const keys = testKeys();
const participantId = 'net-1';

const port = (environment: 'sandbox' | 'production') => Number(stack.gateway.listen[environment].split(':')[1]);
const call = (from: string, creds: { cert?: string; key?: string } = client) =>
  callGateway({ port: port('sandbox'), from, ca: ca.chainPem(), ...creds });
const submitAllowlist = (entries: string[]) =>
  app.inject({
    method: 'POST',
    url: `/onboardings/${participantId}/submissions/ip-allowlist`,
    headers: keys.as(`${participantId}@participant`, `participant:${participantId}`),
    payload: { entries },
  });

beforeAll(async () => {
  rig = await startStepStack('network-access', keys, { gateway: { binary: nginxBinary } });
  ({ stack, app, db, ca } = rig);
  // The gateway folder the worker uses; nginx started as `npm start` does.
  const gateway = await openGateway({ dataDir: stack.dataDir, gateway: stack.gateway }, ca);
  await gateway.prepare(await new NetworkRegistry(db).desiredState(new Date()), 'start');
  nginx = gateway.start();
  await eventually(async () => ((await gateway.serving()) !== null ? true : undefined));

  // The participant's client certificate, signed by the hub CA from its CSR (the key stays with it).
  const ssl = new OpenSsl();
  const signed = await hubSignedClient(ssl, ca, db, participantId, 'Acme Pay Ltd');
  client = { cert: signed.cert, key: signed.key };
  const foreign = ssl.selfSigned('foreign-ca', 'rsa:2048', '/C=GB/O=Acme Pay Ltd/CN=net-1');
  other = { cert: foreign.cert, key: foreign.key };

  await startProbe(stack, 'allowlistProbe', participantId);
});

afterAll(async () => {
  await stopProcess(nginx, 'SIGQUIT');
  await rig?.close();
});

describe('IP allowlist step on a real nginx', () => {
  it('answers a refused list with findings and changes nothing on the gateway', async () => {
    await eventually(async () => ((await submitAllowlist(['10.0.0.0/8'])).statusCode === 422 ? true : undefined));
    const refused = await submitAllowlist(['10.0.0.0/8', '127.0.0.2/24']);
    expect(refused.statusCode).toBe(422);
    const codes = (refused.json().context.report.findings as { code: string; result: string }[])
      .filter((f) => f.result === 'fail')
      .map((f) => f.code);
    expect(codes).toEqual(['ALLOWLIST_PREFIX_BREADTH', 'ALLOWLIST_NO_HOST_BITS']);
    expect(await call('127.0.0.2')).toMatchObject({ status: 403 });
  });

  it('lets the participant in from 127.0.0.2 with its certificate, and refuses 127.0.0.3, no certificate and another CA', async () => {
    const accepted = await submitAllowlist(['127.0.0.2']);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().submission).toMatchObject({
      id: 'ip-allowlist@sandbox#1',
      status: 'accepted',
      artifact: { entries: ['127.0.0.2/32'], version: 1, live: true },
    });
    // Sandbox accepts loopback by policy, and says so.
    expect(
      (accepted.json().report.findings as { code: string; result: string }[]).filter((f) => f.result === 'warn').map((f) => f.code),
    ).toEqual(['ALLOWLIST_PUBLIC_RANGE']);

    // Admitted once the journey opens the environment's access (the probe does right after the list).
    const ok = await eventually(async () => {
      const answer = (await call('127.0.0.2')) as { status?: number; body?: string };
      return answer.status === 200 ? answer : undefined;
    });
    // The edge admits as soon as the gateway applied the change; the journey records it when the access activity returns.
    const status = await eventually(async () => {
      const s = await stack.client.workflow.getHandle(onboardingWorkflowId(participantId)).query<OnboardingStatus>('status');
      return s.access[0]?.edge === 'open' ? s : undefined;
    });
    expect(status.access).toEqual([
      expect.objectContaining({ environment: 'sandbox', grantedBy: 'ip-allowlist accepted', edge: 'open', revision: expect.any(Number) }),
    ]);
    expect(JSON.parse((ok as { body: string }).body)).toMatchObject({ participant: participantId, environment: 'sandbox' });
    expect(await call('127.0.0.3')).toMatchObject({ status: 403 });
    expect(await call('127.0.0.2', {})).toMatchObject({ status: 400 });
    // A self-signed CA certificate from elsewhere is no client certificate at all: refused in the handshake's checks.
    expect(await call('127.0.0.2', other)).toMatchObject({ status: 400 });
  });

  it('replaces the list with a full new one later, without a new onboarding or round', async () => {
    const replaced = await submitAllowlist(['127.0.0.3']);
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().submission).toMatchObject({
      id: 'ip-allowlist@sandbox#1',
      status: 'accepted',
      artifact: { entries: ['127.0.0.3/32'], version: 2 },
    });
    expect(replaced.json().submission.attempts).toHaveLength(4);
    expect(await call('127.0.0.3')).toMatchObject({ status: 200 });
    expect(await call('127.0.0.2')).toMatchObject({ status: 403 });
    // The answer carries where the onboarding stands, not the whole status.
    const progress = replaced.json().progress as OnboardingProgress;
    expect(progress).toMatchObject({ participantId, kind: 'tpp', environment: 'sandbox', state: 'awaiting-approval' });
    expect(progress.awaiting.map((a) => a.instanceId)).toEqual(['go-live@sandbox#1']);
    expect(replaced.json()).not.toHaveProperty('onboarding');
  });

  it('closes access at the edge within 5 s of a suspension, and opens it again on resume', async () => {
    const halt = (action: 'suspend' | 'resume') =>
      app.inject({
        method: 'POST',
        url: `/onboardings/${participantId}/${action}`,
        headers: keys.as('otto@hub', 'operator'),
        payload: { reason: `test of ${action}` },
      });
    expect(await call('127.0.0.3')).toMatchObject({ status: 200 });
    const suspendedAt = Date.now();
    expect((await halt('suspend')).statusCode).toBe(200);
    await eventually(async () => ((await call('127.0.0.3')) as { status?: number }).status === 403 || undefined);
    const seconds = (Date.now() - suspendedAt) / 1000;
    process.stdout.write(`edge refused ${seconds.toFixed(2)} s after the suspension\n`);
    expect(seconds).toBeLessThanOrEqual(5);
    expect((await halt('resume')).statusCode).toBe(200);
    await eventually(async () => ((await call('127.0.0.3')) as { status?: number }).status === 200 || undefined);
  });

  it('closes gateway access when the onboarding is cancelled', async () => {
    const cancelled = await app.inject({
      method: 'POST',
      url: `/onboardings/${participantId}/cancel`,
      headers: keys.as('otto@hub', 'operator'),
      payload: { reason: 'test of revocation' },
    });
    expect(cancelled.statusCode).toBe(202);
    await expect(stack.client.workflow.getHandle(onboardingWorkflowId(participantId)).result()).rejects.toThrow();
    expect(await call('127.0.0.3')).toMatchObject({ status: 403 });
    const status = await stack.client.workflow.getHandle(onboardingWorkflowId(participantId)).query<OnboardingStatus>('status');
    expect(status.state).toBe('cancelled');
    expect(status.access).toEqual([expect.objectContaining({ environment: 'sandbox', edge: 'closed' })]);
    expect(status.history.map((h) => h.note)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^access@sandbox: closed at the edge/)]),
    );
  });
});
