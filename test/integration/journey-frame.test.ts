/**
 * The journey frame against the real dev server: a TPP onboarding from start to go-live through
 * the API with openssl-made certificate bundles, parallel waits, gate rounds, deadlines and
 * continue-as-new.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { openSecretPickups } from '../../activities/credentials/secret-pickup';
import { NetworkRegistry, pinOf } from '../../activities/network/network-registry';
import { openRegistry, registryFile, type RegistryDb } from '../../activities/registry/database';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import {
  defaultGatePolicy,
  GateInstance,
  onboardingWorkflowId,
  OnboardingStatus,
  SubmissionInput,
  SubmissionInstance,
  submit,
  TppOnboardingInput,
} from '../../workflows/messages';
import {
  AwaitingRoleKey,
  CertificateStateKey,
  onboardingSearchAttributeKeys,
  onboardingSearchAttributes,
  WaitingSinceKey,
} from '../../workflows/frame/search-attributes';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { capturedLogs, createTestStack, TestStack } from '../support/temporal-env';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { readModelAndQuery } from '../support/read-model';
import { startBody } from '../support/requests';
import {
  redirectUris,
  submitEvaluation,
  TppPki,
  tppCalls,
  tppThroughProduction,
  tppThroughSandbox,
  uatEvidence,
} from '../support/tpp-journey';

let stack: TestStack;
let app: FastifyInstance;
let db: RegistryDb;
let api: ReturnType<typeof tppCalls>;
let pki: TppPki;
const keys = testKeys();

async function statusOf(participantId: string): Promise<OnboardingStatus> {
  return (await api.status(participantId)).json().onboarding as OnboardingStatus;
}

/** Waits until exactly these instances are open. */
function awaitingExactly(participantId: string, ids: string[]): Promise<OnboardingStatus> {
  return eventually(async () => {
    const s = await statusOf(participantId);
    return JSON.stringify(s.awaiting.map((a) => a.instanceId).sort()) === JSON.stringify([...ids].sort()) ? s : undefined;
  });
}

function notificationsOf(participantId: string): { instanceId: string; role: string; idempotencyKey: string }[] {
  return readFileSync(path.join(stack.dataDir, 'outbox', 'notifications.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((n) => n.participantId === participantId);
}

function startDirect(workflowType: string, participantId: string, limits: TppOnboardingInput['limits'] = {}) {
  const input: TppOnboardingInput = { ...startBody(participantId), requestFingerprint: `direct-${participantId}`, limits };
  return stack.client.workflow.start(workflowType, {
    workflowId: onboardingWorkflowId(participantId),
    taskQueue: stack.taskQueue,
    args: [input],
  });
}

beforeAll(async () => {
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../fixtures/workflows/frame-probes'),
    logger: new DefaultLogger('WARN'),
  });
  stack = await createTestStack(bundle, `journey-frame-${Date.now()}`);
  pki = new TppPki();
  // The hub trusts the TPPs' CA for their own production certificates (TPP_TRUST_ANCHORS_FILE).
  await stack.startWorker({ tppTrustAnchorsFile: pki.ssl.write('tpp-trust-anchors.pem', pki.root.cert) });
  // After the worker: it migrated the registry. Secrets a step makes reach the one response through their pickups.
  db = await openRegistry(registryFile(stack.dataDir));
  app = buildApp({
    gateway: new OnboardingGateway(stack.client, stack.taskQueue),
    authenticator: keys.authenticator,
    logger: pino({ level: 'silent' }),
    secretPickups: openSecretPickups(db, stack.dataDir),
  });
  await app.ready();
  api = tppCalls(app, keys);
});

afterAll(async () => {
  await db?.destroy();
  await app?.close();
  await stack?.close();
});

/** The search attributes of a run are those of its status (unset: nothing awaited, no time). */
function expectSearchAttributesOf(description: WorkflowExecutionDescription, status: OnboardingStatus): void {
  const set = onboardingSearchAttributes(status).filter(
    (pair) => pair.value !== null && !(Array.isArray(pair.value) && pair.value.length === 0),
  );
  expect(Object.fromEntries(onboardingSearchAttributeKeys.map((key) => [key.name, description.typedSearchAttributes.get(key)]))).toEqual(
    Object.fromEntries(set.map((pair) => [pair.key.name, pair.value])),
  );
}
describe('a TPP onboarding through the API', () => {
  it('goes from access request to live: the evaluation refused with findings and accepted repaired, sandbox credentials and URLs, UAT beside the contract, production CSR, allowlist and client', async () => {
    const id = 'tpp-full-1';
    const bundles = pki.bundlesFor(id);
    expect((await api.start(id)).statusCode).toBe(201);

    // Too early: the certificate review is not open yet.
    const early = await api.submitBundle(id, bundles.good);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'SUBMISSION_NOT_AWAITED', context: { open: ['application-review@sandbox#1'] } });

    await awaitingExactly(id, ['application-review@sandbox#1']);
    expect((await api.decide(id, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' })).statusCode).toBe(200);
    const evaluation = await awaitingExactly(id, ['certificate-bundle@sandbox#1']);
    expect((evaluation.instances.find((i) => i.id === 'certificate-bundle@sandbox#1') as SubmissionInstance).provided).toMatchObject({
      challenge: expect.stringContaining(`${id}:certificate-bundle@sandbox#1:`),
    });

    // The technical evaluation: a weak key refused; the messy bundle without the signed challenge refused;
    // with a CSR of another key refused (the client's usual mismatch); with its own CSR and the signature, accepted repaired.
    const weak = await api.submitBundle(id, bundles.weak, undefined, 'req-bundle-tpp-full-1');
    expect(weak.statusCode).toBe(422);
    // The API's request id reaches the workflow's and the activity's log lines.
    const tagged = capturedLogs()
      .filter((e) => e.meta?.requestId === 'req-bundle-tpp-full-1')
      .map((e) => e.message);
    expect(tagged).toEqual(expect.arrayContaining(['client certificate evaluated', 'submission checked']));
    expect(
      weak
        .json()
        .context.report.findings.filter((f: { result: string }) => f.result === 'fail')
        .map((f: { code: string }) => f.code),
    ).toContain('KEY_SIZE_MIN');
    const unsigned = await api.submitBundle(id, bundles.messy);
    expect(unsigned.json().context.report.findings.find((f: { code: string }) => f.code === 'KEY_POSSESSION_PROVEN')).toMatchObject({
      result: 'fail',
    });
    const otherKey = pki.ssl.key(`other-${id}.key`, 'rsa:2048');
    const mismatched = await submitEvaluation(api, pki.ssl, id, bundles.messy, bundles.leaf.keyFile, 'sandbox', {
      csrPem: pki.ssl.csr(`other-${id}.csr`, otherKey, `/C=GB/O=Acme Pay Ltd/CN=${id}`),
    });
    expect(mismatched.statusCode).toBe(422);
    expect(mismatched.json().context.report.findings.find((f: { code: string }) => f.code === 'CSR_CERT_SAME_PUBLIC_KEY')).toMatchObject({
      result: 'fail',
    });
    const wrongKey = await submitEvaluation(api, pki.ssl, id, bundles.messy, otherKey);
    expect(wrongKey.json().context.report.findings.find((f: { code: string }) => f.code === 'KEY_POSSESSION_PROVEN')).toMatchObject({
      result: 'fail',
    });
    const accepted = await submitEvaluation(api, pki.ssl, id, bundles.messy, bundles.leaf.keyFile);
    expect(accepted.statusCode).toBe(200);
    const sandboxBundle = accepted.json().submission as SubmissionInstance;
    expect(sandboxBundle).toMatchObject({
      id: 'certificate-bundle@sandbox#1',
      status: 'accepted',
      artifact: { chainPem: bundles.leaf.cert + bundles.intermediate.cert },
    });
    expect(sandboxBundle.attempts.map((a) => a.accepted)).toEqual([false, false, false, false, true]);
    // Who submitted is the authenticated participant, never a body field.
    expect(new Set(sandboxBundle.attempts.map((a) => a.submittedBy))).toEqual(new Set([`it@${id}`]));
    expect(sandboxBundle.attempts[4]!.findings.map((f) => f.code).sort()).toEqual(['CHAIN_NO_DUPLICATES', 'CHAIN_ORDER', 'PEM_NO_JUNK']);

    // Sandbox credentials and URLs, in parallel: a wildcard redirect refused, an exact one accepted.
    await awaitingExactly(id, ['oauth-client@sandbox#1', 'redirect-urls@sandbox#1']);
    const client = await api.submit(id, 'oauth-client', { environment: 'sandbox' });
    expect(client.statusCode).toBe(200);
    expect(client.json()).toMatchObject({
      submission: { artifact: { scopes: ['accounts', 'transactions'] } },
      secret: { shownOnce: true },
    });
    const wildcard = await api.submit(id, 'redirect-urls', { environment: 'sandbox', redirectUris: ['https://*.acme.example/cb'] });
    expect(wildcard.json().context.report.findings.find((f: { code: string }) => f.code === 'REDIRECT_URI_VALID')).toMatchObject({
      result: 'fail',
    });
    expect(
      (await api.submit(id, 'redirect-urls', { environment: 'sandbox', redirectUris, callbackUrls: ['https://api.acme.example/events'] }))
        .statusCode,
    ).toBe(200);
    // Replaceable later with one call, without a new onboarding.
    expect(
      (await api.submit(id, 'redirect-urls', { environment: 'sandbox', redirectUris: ['https://app.acme.example/v2/callback'] }))
        .statusCode,
    ).toBe(200);

    // UAT and the contract are awaited at once.
    const parallel = await awaitingExactly(id, ['uat-signoff@sandbox#1', 'contract@production#1']);
    expect(parallel.state).toBe('awaiting-approval');
    const handle = stack.client.workflow.getHandle(onboardingWorkflowId(id));
    const attributes = await eventually(async () => {
      const d = await handle.describe();
      const roles = d.typedSearchAttributes.get(AwaitingRoleKey);
      return roles?.length === 2 ? d.typedSearchAttributes : undefined;
    });
    expect(attributes.get(AwaitingRoleKey)).toEqual(['legal', 'ops']);
    const oldest = parallel.awaiting.map((a) => a.since).sort()[0]!;
    expect(attributes.get(WaitingSinceKey)).toEqual(new Date(oldest));

    const production = await tppThroughProduction(api, pki, id);
    expect(production.clientId).not.toBe(client.json().submission.artifact.clientId);
    // Go-live takes two distinct approvers (the default policy); then the TPP is live, its certificates watched.
    expect((await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'omar@hub' })).statusCode).toBe(200);
    expect((await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'pia@hub' })).statusCode).toBe(200);
    const result = await eventually(async () => {
      const s = await statusOf(id);
      return s.state === 'live' ? s : undefined;
    });
    expect(result).toMatchObject({ state: 'live', step: 'done', environment: 'production', awaiting: [], liveSince: expect.any(String) });
    expect(result.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual([
      'certificate-bundle@sandbox#1=valid',
      'client-csr@production#1=valid',
    ]);
    expect(result.instances.map((i) => `${i.id}=${i.status}`)).toEqual([
      'application-review@sandbox#1=approved',
      'certificate-bundle@sandbox#1=accepted',
      'oauth-client@sandbox#1=accepted',
      'redirect-urls@sandbox#1=accepted',
      'uat-signoff@sandbox#1=approved',
      'contract@production#1=approved',
      'client-csr@production#1=accepted',
      'ip-allowlist@production#1=accepted',
      'oauth-client@production#1=accepted',
      'redirect-urls@production#1=accepted',
      'go-live@production#1=approved',
    ]);
    // Parallel openings notify concurrently: one line per instance, in any order.
    expect(
      notificationsOf(id)
        .map((n) => n.instanceId)
        .sort(),
    ).toEqual(result.instances.map((i) => i.id).sort());
    const done = await handle.describe();
    // The worker's Prometheus exporter shows how long each wait lasted, by gate and role, and the SDK's own metrics.
    const metrics = await (await fetch(process.env.TEST_RUNTIME_METRICS_URL as string)).text();
    expect(metrics).toMatch(/onboarding_wait_seconds_count\{[^}]*name="contract"[^}]*outcome="approved"[^}]*role="legal"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/onboarding_wait_seconds_count\{[^}]*name="certificate-bundle"[^}]*role="participant"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/onboarding_wait_seconds_bucket\{[^}]*le="86400"\} [1-9]/); // buckets sized for human waits (a day)
    expect(metrics).toMatch(/temporal_workflow_task_execution_latency_seconds_count\{/);
    // Nothing awaited: an empty keyword list and an unset time, so neither matches a filter.
    expect(done.typedSearchAttributes.get(AwaitingRoleKey)).toBeUndefined();
    expect(done.typedSearchAttributes.get(WaitingSinceKey)).toBeUndefined();
    expect(done.typedSearchAttributes.get(CertificateStateKey)).toBe('valid');
    // Search attributes are pushed when they change, not on every transition: fewer upsert events
    // than transitions, and what the UI filters on still says what the status says.
    const events = (await handle.fetchHistory()).events ?? [];
    const upserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    expect(upserts).toBeGreaterThan(0);
    expect(upserts).toBeLessThan(result.history.length);
    expectSearchAttributesOf(done, result);
  });

  it("takes a certificate from the TPP's own CA in production when it chose ca-signed, evaluated like the sandbox one", async () => {
    const id = 'tpp-ca-1';
    const bundles = pki.bundlesFor(id);
    const body = { ...startBody(id), application: { ...startBody(id).application, productionCertificate: 'ca-signed' } };
    expect(
      (await app.inject({ method: 'POST', url: '/onboardings', payload: body, headers: keys.as('tool@hub', 'operator') })).statusCode,
    ).toBe(201);
    await tppThroughSandbox(api, pki, id, bundles);
    await awaitingExactly(id, ['uat-signoff@sandbox#1', 'contract@production#1']);
    expect(
      (await api.decide(id, { gate: 'uat-signoff', decision: 'approved', decidedBy: 'omar@hub', evidence: uatEvidence })).statusCode,
    ).toBe(200);
    expect((await api.decide(id, { gate: 'contract', decision: 'approved', decidedBy: 'lena@hub' })).statusCode).toBe(200);
    // No CSR for the hub CA here: the production certificate is a bundle with its key proven (no bank coordination for these APIs).
    const production = await awaitingExactly(id, [
      'certificate-bundle@production#1',
      'ip-allowlist@production#1',
      'oauth-client@production#1',
      'redirect-urls@production#1',
    ]);
    expect((production.instances.find((i) => i.id === 'certificate-bundle@production#1') as SubmissionInstance).provided).toMatchObject({
      challenge: expect.any(String),
    });
    const early = await api.submit(id, 'client-csr', { environment: 'production', csrPem: 'x' });
    expect([early.statusCode, early.json().code]).toEqual([409, 'SUBMISSION_NOT_AWAITED']);
    // A certificate from a CA the hub does not trust: production refuses it at submission, naming why.
    const elsewhere = new TppPki();
    const foreign = elsewhere.bundlesFor(id);
    const untrusted = await submitEvaluation(api, elsewhere.ssl, id, foreign.good, foreign.leaf.keyFile, 'production');
    expect(untrusted.statusCode).toBe(422);
    expect(
      (untrusted.json().context.report.findings as { code: string; result: string }[])
        .filter((f) => f.result === 'fail')
        .map((f) => f.code),
    ).toEqual(['CHAIN_TRUSTED_ANCHOR']);
    expect((await submitEvaluation(api, pki.ssl, id, bundles.good, bundles.leaf.keyFile, 'production')).statusCode).toBe(200);
    // The accepted certificate itself is what the gateway will admit for the TPP in production (pinned, not its CA).
    expect((await new NetworkRegistry(db).liveClientCertificates(id, 'production', new Date())).map((c) => c.sha256)).toEqual([
      pinOf(bundles.leaf.cert).sha256,
    ]);
    await api.submit(id, 'ip-allowlist', { environment: 'production', entries: ['93.184.216.34'] });
    await api.submit(id, 'oauth-client', { environment: 'production' });
    expect((await api.submit(id, 'redirect-urls', { environment: 'production', redirectUris })).statusCode).toBe(200);
    await awaitingExactly(id, ['go-live@production#1']);
  });

  it('keeps UAT awaited while a rejected contract is revised (round 2), and a cancellation withdraws what is open', async () => {
    const id = 'tpp-order-1';
    const bundles = pki.bundlesFor(id);
    await api.start(id);
    await tppThroughSandbox(api, pki, id, bundles);
    await awaitingExactly(id, ['uat-signoff@sandbox#1', 'contract@production#1']);
    const rejected = await api.decide(id, {
      gate: 'contract',
      decision: 'rejected',
      decidedBy: 'lena@hub',
      comment: 'liability clause refused',
    });
    expect(rejected.statusCode).toBe(200);
    // The rejection sends the TPP back for a new contract version; UAT stays awaited beside it.
    await awaitingExactly(id, ['uat-signoff@sandbox#1', 'contract-revision@production#1']);
    const revision = await api.submit(id, 'contract-revision', {
      summary: 'liability clause signed',
      document: { label: 'contract v2', url: 'https://docs.acme.example/contract-v2.pdf' },
    });
    expect(revision.statusCode).toBe(200);
    await awaitingExactly(id, ['uat-signoff@sandbox#1', 'contract@production#2']);

    const cancelled = await app.inject({
      method: 'POST',
      url: `/onboardings/${id}/cancel`,
      headers: keys.as('olga@hub', 'operator'),
      payload: { reason: 'applicant withdrew' },
    });
    expect(cancelled.statusCode).toBe(202);
    await expect(stack.client.workflow.getHandle(onboardingWorkflowId(id)).result()).rejects.toThrow();
    const result = await statusOf(id);
    expect(result.state).toBe('cancelled');
    expect(
      result.instances
        .filter((i) => !['application-review', 'certificate-bundle', 'oauth-client', 'redirect-urls'].includes(i.name))
        .map((i) => `${i.id}=${i.status}`),
    ).toEqual([
      'uat-signoff@sandbox#1=withdrawn',
      'contract@production#1=rejected',
      'contract-revision@production#1=accepted',
      'contract@production#2=withdrawn',
    ]);
    // The sandbox client was revoked with the cancellation.
    expect(result.history.some((h) => h.note.startsWith('cancelled: OAuth client'))).toBe(true);
  });
});

describe('the frame', () => {
  it('runs two gates in parallel and takes their decisions in either order', async () => {
    for (const [id, order] of [
      ['parallel-1', ['go-live', 'contract']],
      ['parallel-2', ['contract', 'go-live']],
    ] as const) {
      const handle = await startDirect('parallelGatesProbe', id);
      await awaitingExactly(id, ['contract@sandbox#1', 'go-live@sandbox#1']);
      // go-live takes two distinct approvers (the default policy): the first one leaves it open.
      for (const gate of order)
        expect((await api.decide(id, { gate, decision: 'approved', decidedBy: `${gate}@hub` })).statusCode).toBe(200);
      expect((await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'second@hub' })).statusCode).toBe(200);
      const decided = (await handle.result()) as GateInstance[];
      expect(decided.map((g) => `${g.id}=${g.status}`)).toEqual(['contract@sandbox#1=approved', 'go-live@sandbox#1=approved']);
    }
  });

  it('ends the onboarding failed when a hub task fails with no ops gate for it, naming the task and its error, and withdraws what is open', async () => {
    const id = 'failed-task-1';
    const handle = await startDirect('failedTaskProbe', id);
    const result = (await handle.result()) as OnboardingStatus;
    expect(result.state).toBe('failed');
    expect(result.tasks).toEqual([
      expect.objectContaining({
        id: 'processing-center@sandbox',
        status: 'failed',
        error: { type: 'PROCESSING_REFUSED', message: 'the processing centre refused the alias' },
      }),
    ]);
    expect(result.history[result.history.length - 1]?.note).toBe(
      'processing-center@sandbox failed (PROCESSING_REFUSED): the processing centre refused the alias',
    );
    expect(result.instances.map((i) => `${i.id}=${i.status}`)).toEqual(['application-review@sandbox#1=withdrawn']);
  });

  it('keeps both rounds of a gate opened twice, and notifies each round', async () => {
    const id = 'rounds-1';
    const handle = await startDirect('twoRoundsProbe', id);
    await awaitingExactly(id, ['contract@sandbox#1']);
    await api.decide(id, { gate: 'contract', decision: 'rejected', decidedBy: 'lena@hub', comment: 'clause 7 missing' });
    await awaitingExactly(id, ['contract@sandbox#2']);
    await api.decide(id, { gate: 'contract', decision: 'approved', decidedBy: 'lena@hub' });
    const result = (await handle.result()) as OnboardingStatus;
    expect(result.instances).toEqual([
      expect.objectContaining({
        id: 'contract@sandbox#1',
        round: 1,
        status: 'rejected',
        decision: expect.objectContaining({ comment: 'clause 7 missing' }),
      }),
      expect.objectContaining({ id: 'contract@sandbox#2', round: 2, status: 'approved' }),
    ]);
    // Each round told once (the mails go out beside the journey: in either order).
    expect(
      notificationsOf(id)
        .map((n) => n.idempotencyKey)
        .sort(),
    ).toEqual(['onboarding-rounds-1/contract@sandbox#1/opened', 'onboarding-rounds-1/contract@sandbox#2/opened']);
  });

  it("watches a live participant's certificates: a renewal round opens before the end, an unrenewed one is flagged expired, the renewal is put in force", async () => {
    const id = 'watch-1';
    const quiet = { remindEveryMs: null, escalateAfterMs: null, expireAfterMs: null };
    const input: TppOnboardingInput = {
      ...startBody(id),
      requestFingerprint: `direct-${id}`,
      policy: { ...defaultGatePolicy, timers: quiet, renewalLeadMs: 3000 },
    };
    const handle = await stack.client.workflow.start('certificateWatchProbe', {
      workflowId: onboardingWorkflowId(id),
      taskQueue: stack.taskQueue,
      args: [input],
    });
    const send = (serialHex: string, notAfter: number) =>
      // The probe's submission is the certificate's identity itself (no PEM).
      handle.executeUpdate(submit, {
        args: [
          {
            name: 'certificate-bundle',
            environment: 'sandbox',
            submittedBy: `it@${id}`,
            payload: { serialHex, notAfter: new Date(notAfter).toISOString() } as unknown as SubmissionInput['payload'],
          },
        ],
      });
    const certificateState = async () => (await handle.describe()).typedSearchAttributes.get(CertificateStateKey);
    await awaitingExactly(id, ['certificate-bundle@sandbox#1']);
    const notAfter = Date.now() + 7000;
    await send('01', notAfter);

    // Live at once; 3 s (the lead) before its end the renewal opens as round 2 of the same submission, and it stays live.
    const due = await awaitingExactly(id, ['certificate-bundle@sandbox#2']);
    expect(due).toMatchObject({ state: 'live', step: 'certificate-bundle', awaiting: [expect.objectContaining({ role: 'participant' })] });
    expect(due.certificates).toEqual([
      expect.objectContaining({
        id: 'certificate-bundle@sandbox#1',
        serialHex: '01',
        state: 'renewal-due',
        renewal: 'certificate-bundle@sandbox#2',
      }),
    ]);
    expect(Date.parse(due.certificates![0]!.renewalOpenedAt!)).toBeGreaterThanOrEqual(notAfter - 3000 - 100);
    expect(due.interventions).toEqual([
      expect.objectContaining({ action: 'renewal-opened', by: 'timer', via: 'timer', instanceId: 'certificate-bundle@sandbox#2' }),
    ]);
    expect(await eventually(async () => ((await certificateState()) === 'renewal-due' ? true : undefined))).toBe(true);

    // Not renewed by its end: flagged in the state and the search attribute; the renewal stays open, the participant live.
    const expired = await eventually(async () => {
      const s = await statusOf(id);
      return s.certificates?.[0]?.state === 'expired' ? s : undefined;
    }, 20_000);
    expect(Date.parse(expired.certificates![0]!.expiredAt!)).toBeGreaterThanOrEqual(notAfter);
    expect(expired).toMatchObject({ state: 'live', awaiting: [expect.objectContaining({ instanceId: 'certificate-bundle@sandbox#2' })] });
    expect(expired.interventions?.map((i) => i.action)).toEqual(['renewal-opened', 'certificate-expired']);
    expect(await eventually(async () => ((await certificateState()) === 'expired' ? true : undefined))).toBe(true);

    // The renewal arrives: the new certificate is in force, the old one replaced, nothing awaited.
    await send('02', Date.now() + 3_600_000);
    const renewed = await eventually(async () => {
      const s = await statusOf(id);
      return s.certificates?.length === 2 ? s : undefined;
    });
    expect(renewed.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual([
      'certificate-bundle@sandbox#1=replaced',
      'certificate-bundle@sandbox#2=valid',
    ]);
    expect(renewed).toMatchObject({ state: 'live', step: 'done', awaiting: [] });
    // The replaced one had already ended, so its grace is over at once: retired, the renewal alone in force.
    const retired = await eventually(async () => {
      const s = await statusOf(id);
      return s.certificates?.[0]?.retiredAt !== undefined ? s : undefined;
    });
    expect(retired.certificates?.[0]).toMatchObject({
      id: 'certificate-bundle@sandbox#1',
      state: 'replaced',
      retiredAt: expect.any(String),
    });
    expect(retired.history.map((h) => h.note)).toContain('certificate-bundle@sandbox#1: retired (replaced, its grace over)');
    expect(await eventually(async () => ((await certificateState()) === 'valid' ? true : undefined))).toBe(true);
    // The participant and ops heard of the renewal and of the expiry, once each.
    expect(
      notificationsOf(id)
        .map((n) => n.idempotencyKey)
        .filter((k) => !k.endsWith('/opened')),
    ).toEqual([
      'onboarding-watch-1/certificate-bundle@sandbox#2/renewal-due/participant',
      'onboarding-watch-1/certificate-bundle@sandbox#2/renewal-due/ops',
      'onboarding-watch-1/certificate-bundle@sandbox#2/certificate-expired/participant',
      'onboarding-watch-1/certificate-bundle@sandbox#2/certificate-expired/ops',
    ]);
    // Offboarding ends the watch.
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect(await eventually(async () => ((await statusOf(id)).state === 'cancelled' ? true : undefined))).toBe(true);
  });

  it('expires an unanswered wait under the policy: the onboarding stands still (expired) and refuses decisions until resumed', async () => {
    const id = 'deadline-1';
    const timers = { remindEveryMs: null, escalateAfterMs: null, expireAfterMs: 1500 };
    const input: TppOnboardingInput = { ...startBody(id), requestFingerprint: `direct-${id}`, policy: { ...defaultGatePolicy, timers } };
    await stack.client.workflow.start('tppOnboarding', { workflowId: onboardingWorkflowId(id), taskQueue: stack.taskQueue, args: [input] });
    const expired = await eventually(async () => {
      const s = await statusOf(id);
      return s?.state === 'expired' ? s : undefined;
    });
    expect(expired.halt).toMatchObject({ state: 'expired', by: 'timer', instanceId: 'application-review@sandbox#1' });
    expect(expired.awaiting.map((a) => a.instanceId)).toEqual(['application-review@sandbox#1']);
    const late = await api.decide(id, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' });
    expect([late.statusCode, late.json().code]).toEqual([409, 'ONBOARDING_HALTED']);
  });

  it('continues as new mid-journey when the history grows long, and the onboarding carries on', async () => {
    const id = 'can-1';
    const bundles = pki.bundlesFor(id);
    const first = await startDirect('tppOnboarding', id, { maxHistoryEvents: 20 });
    await tppThroughSandbox(api, pki, id, bundles);
    await tppThroughProduction(api, pki, id);
    await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'omar@hub' });
    await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'pia@hub' });

    const result = await eventually(async () => {
      const s = await statusOf(id);
      return s.state === 'live' ? s : undefined;
    });
    expect(result.continuedAsNew).toBeGreaterThanOrEqual(1);
    expect(result.instances.map((i) => i.id)).toEqual([
      'application-review@sandbox#1',
      'certificate-bundle@sandbox#1',
      'oauth-client@sandbox#1',
      'redirect-urls@sandbox#1',
      'uat-signoff@sandbox#1',
      'contract@production#1',
      'client-csr@production#1',
      'ip-allowlist@production#1',
      'oauth-client@production#1',
      'redirect-urls@production#1',
      'go-live@production#1',
    ]);
    // The first run ended by continuing as new; the state came along.
    const firstRun = await stack.client.workflow.getHandle(onboardingWorkflowId(id), first.firstExecutionRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    // The run that carried on pushes only what changed, and its search attributes say what its status says.
    expectSearchAttributesOf(await stack.client.workflow.getHandle(onboardingWorkflowId(id)).describe(), result);
    // The read model the status read answers from: written again in full by the run that carried on, the query's very answer.
    const { memo, query } = await readModelAndQuery(stack.client, id);
    expect(memo).toEqual(query);
    expect(result.history[0]!.note).toBe('onboarding started');
    // Parallel openings notify concurrently: one line per instance, in any order.
    expect(
      notificationsOf(id)
        .map((n) => n.instanceId)
        .sort(),
    ).toEqual(result.instances.map((i) => i.id).sort());
  });
});
