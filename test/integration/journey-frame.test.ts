/**
 * The journey frame against the real dev server: a TPP onboarding from start to go-live through
 * the API with openssl-made certificate bundles, parallel waits, gate rounds, deadlines and
 * continue-as-new.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import { defaultGatePolicy, GateInstance, onboardingWorkflowId, OnboardingStatus, SubmissionInput, SubmissionInstance, submit, TppOnboardingInput } from '../../workflows/messages';
import { AwaitingRoleKey, CertificateStateKey, WaitingSinceKey } from '../../workflows/search-attributes';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { capturedLogs, createTestStack, TestStack } from '../support/temporal-env';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { startBody } from '../support/requests';
import { TppPki, tppCalls } from '../support/tpp-journey';

let stack: TestStack;
let app: FastifyInstance;
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
  return stack.client.workflow.start(workflowType, { workflowId: onboardingWorkflowId(participantId), taskQueue: stack.taskQueue, args: [input] });
}

beforeAll(async () => {
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/workflows/frame-probes'), logger: new DefaultLogger('WARN') });
  stack = await createTestStack(bundle, `journey-frame-${Date.now()}`);
  await stack.startWorker();
  app = buildApp({ gateway: new OnboardingGateway(stack.client, stack.taskQueue), authenticator: keys.authenticator, logger: pino({ level: 'silent' }) });
  await app.ready();
  api = tppCalls(app, keys);
  pki = new TppPki();
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
});

describe('a TPP onboarding through the API', () => {
  it('goes from access request to go-live: bundles refused with findings and accepted repaired, sandbox then production, contract beside the production bundle', async () => {
    const id = 'tpp-full-1';
    const bundles = pki.bundlesFor(id);
    expect((await api.start(id)).statusCode).toBe(201);

    // Too early: the certificate review is not open yet.
    const early = await api.submitBundle(id, bundles.good);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'SUBMISSION_NOT_AWAITED', context: { open: ['application-review@sandbox#1'] } });

    await awaitingExactly(id, ['application-review@sandbox#1']);
    expect((await api.decide(id, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' })).statusCode).toBe(200);
    await awaitingExactly(id, ['certificate-bundle@sandbox#1']);

    // A 1024-bit key: refused with the findings, the review stays open for another try.
    const weak = await api.submitBundle(id, bundles.weak);
    expect(weak.statusCode).toBe(422);
    const refusal = weak.json();
    expect(refusal).toMatchObject({ code: 'SUBMISSION_REFUSED', context: { instanceId: 'certificate-bundle@sandbox#1', attempt: 1 } });
    expect(refusal.context.report.findings).toContainEqual(expect.objectContaining({ code: 'KEY_SIZE_MIN', result: 'fail' }));

    // Reversed, with text and a duplicate: accepted, and the hub keeps the normalised chain.
    const accepted = await api.submitBundle(id, bundles.messy, undefined, 'req-bundle-tpp-full-1');
    // The API's request id reaches the workflow's and the activity's log lines.
    const tagged = capturedLogs().filter((e) => e.meta?.requestId === 'req-bundle-tpp-full-1').map((e) => e.message);
    expect(tagged).toEqual(expect.arrayContaining(['certificate bundle checked', 'submission checked']));
    expect(accepted.statusCode).toBe(200);
    const sandboxBundle = accepted.json().submission as SubmissionInstance;
    expect(sandboxBundle).toMatchObject({ id: 'certificate-bundle@sandbox#1', status: 'accepted', artifact: { chainPem: bundles.leaf.cert + bundles.intermediate.cert } });
    expect(sandboxBundle.attempts.map((a) => a.accepted)).toEqual([false, true]);
    // Who submitted is the authenticated participant, never a body field.
    expect(sandboxBundle.attempts.map((a) => a.submittedBy)).toEqual([`it@${id}`, `it@${id}`]);
    expect(sandboxBundle.attempts[1]!.findings.map((f) => f.code).sort()).toEqual(['CHAIN_NO_DUPLICATES', 'CHAIN_ORDER', 'PEM_NO_JUNK']);

    // Production: the bundle and the contract are awaited at once.
    const parallel = await awaitingExactly(id, ['certificate-bundle@production#1', 'contract@production#1']);
    expect(parallel).toMatchObject({ environment: 'production', state: 'awaiting-approval' });
    const handle = stack.client.workflow.getHandle(onboardingWorkflowId(id));
    const attributes = await eventually(async () => {
      const d = await handle.describe();
      const roles = d.typedSearchAttributes.get(AwaitingRoleKey);
      return roles?.length === 2 ? d.typedSearchAttributes : undefined;
    });
    expect(attributes.get(AwaitingRoleKey)).toEqual(['legal', 'participant']);
    const oldest = parallel.awaiting.map((a) => a.since).sort()[0]!;
    expect(attributes.get(WaitingSinceKey)).toEqual(new Date(oldest));

    // Production refuses a warning that means a risk but repairs packaging: the messy bundle passes.
    expect((await api.decide(id, { gate: 'contract', decision: 'approved', decidedBy: 'lena@hub', comment: 'signed v3' })).statusCode).toBe(200);
    expect((await api.submitBundle(id, bundles.messy, 'production')).statusCode).toBe(200);

    await awaitingExactly(id, ['go-live@production#1']);
    // Go-live takes two distinct approvers (the default policy); then the TPP is live, its certificates watched.
    expect((await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'omar@hub' })).statusCode).toBe(200);
    expect((await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'pia@hub' })).statusCode).toBe(200);
    const result = await eventually(async () => {
      const s = await statusOf(id);
      return s.state === 'live' ? s : undefined;
    });
    expect(result).toMatchObject({ state: 'live', step: 'done', environment: 'production', awaiting: [], liveSince: expect.any(String) });
    expect(result.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual(['certificate-bundle@sandbox#1=valid', 'certificate-bundle@production#1=valid']);
    expect(result.instances.map((i) => `${i.id}=${i.status}`)).toEqual([
      'application-review@sandbox#1=approved',
      'certificate-bundle@sandbox#1=accepted',
      'certificate-bundle@production#1=accepted',
      'contract@production#1=approved',
      'go-live@production#1=approved',
    ]);
    // Parallel openings notify concurrently: one line per instance, in any order.
    expect(notificationsOf(id).map((n) => n.instanceId).sort()).toEqual(result.instances.map((i) => i.id).sort());
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
  });

  it('keeps the production bundle awaited while a rejected contract is revised (round 2), and a cancellation withdraws what is open', async () => {
    const id = 'tpp-order-1';
    const bundles = pki.bundlesFor(id);
    await api.start(id);
    await awaitingExactly(id, ['application-review@sandbox#1']);
    await api.decide(id, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' });
    await awaitingExactly(id, ['certificate-bundle@sandbox#1']);
    expect((await api.submitBundle(id, bundles.good)).statusCode).toBe(200);
    await awaitingExactly(id, ['certificate-bundle@production#1', 'contract@production#1']);
    const rejected = await api.decide(id, { gate: 'contract', decision: 'rejected', decidedBy: 'lena@hub', comment: 'liability clause refused' });
    expect(rejected.statusCode).toBe(200);
    // The rejection sends the TPP back for a new contract version; the bundle stays awaited beside it.
    await awaitingExactly(id, ['certificate-bundle@production#1', 'contract-revision@production#1']);
    const revision = await app.inject({
      method: 'POST',
      url: `/onboardings/${id}/submissions/contract-revision`,
      headers: keys.as(`it@${id}`, `participant:${id}`),
      payload: { summary: 'liability clause signed', document: { label: 'contract v2', url: 'https://docs.acme.example/contract-v2.pdf' } },
    });
    expect(revision.statusCode).toBe(200);
    await awaitingExactly(id, ['certificate-bundle@production#1', 'contract@production#2']);

    const cancelled = await app.inject({ method: 'POST', url: `/onboardings/${id}/cancel`, headers: keys.as('olga@hub', 'operator'), payload: { reason: 'applicant withdrew' } });
    expect(cancelled.statusCode).toBe(202);
    await expect(stack.client.workflow.getHandle(onboardingWorkflowId(id)).result()).rejects.toThrow();
    const result = await statusOf(id);
    expect(result.state).toBe('cancelled');
    expect(result.instances.map((i) => `${i.id}=${i.status}`)).toEqual([
      'application-review@sandbox#1=approved',
      'certificate-bundle@sandbox#1=accepted',
      'certificate-bundle@production#1=withdrawn',
      'contract@production#1=rejected',
      'contract-revision@production#1=accepted',
      'contract@production#2=withdrawn',
    ]);
  });
});

describe('the frame', () => {
  it('runs two gates in parallel and takes their decisions in either order', async () => {
    for (const [id, order] of [['parallel-1', ['go-live', 'contract']], ['parallel-2', ['contract', 'go-live']]] as const) {
      const handle = await startDirect('parallelGatesProbe', id);
      await awaitingExactly(id, ['contract@sandbox#1', 'go-live@sandbox#1']);
      // go-live takes two distinct approvers (the default policy): the first one leaves it open.
      for (const gate of order) expect((await api.decide(id, { gate, decision: 'approved', decidedBy: `${gate}@hub` })).statusCode).toBe(200);
      expect((await api.decide(id, { gate: 'go-live', decision: 'approved', decidedBy: 'second@hub' })).statusCode).toBe(200);
      const decided = (await handle.result()) as GateInstance[];
      expect(decided.map((g) => `${g.id}=${g.status}`)).toEqual(['contract@sandbox#1=approved', 'go-live@sandbox#1=approved']);
    }
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
      expect.objectContaining({ id: 'contract@sandbox#1', round: 1, status: 'rejected', decision: expect.objectContaining({ comment: 'clause 7 missing' }) }),
      expect.objectContaining({ id: 'contract@sandbox#2', round: 2, status: 'approved' }),
    ]);
    expect(notificationsOf(id).map((n) => n.idempotencyKey)).toEqual([
      'onboarding-rounds-1/contract@sandbox#1/opened',
      'onboarding-rounds-1/contract@sandbox#2/opened',
    ]);
  });

  it("watches a live participant's certificates: a renewal round opens before the end, an unrenewed one is flagged expired, the renewal is put in force", async () => {
    const id = 'watch-1';
    const quiet = { remindEveryMs: null, escalateAfterMs: null, expireAfterMs: null };
    const input: TppOnboardingInput = { ...startBody(id), requestFingerprint: `direct-${id}`, policy: { ...defaultGatePolicy, timers: quiet, renewalLeadMs: 3000 } };
    const handle = await stack.client.workflow.start('certificateWatchProbe', { workflowId: onboardingWorkflowId(id), taskQueue: stack.taskQueue, args: [input] });
    const send = (serialHex: string, notAfter: number) =>
      // The probe's submission is the certificate's identity itself (no PEM).
      handle.executeUpdate(submit, { args: [{ name: 'certificate-bundle', environment: 'sandbox', submittedBy: `it@${id}`, payload: { serialHex, notAfter: new Date(notAfter).toISOString() } as unknown as SubmissionInput['payload'] }] });
    const certificateState = async () => (await handle.describe()).typedSearchAttributes.get(CertificateStateKey);
    await awaitingExactly(id, ['certificate-bundle@sandbox#1']);
    const notAfter = Date.now() + 7000;
    await send('01', notAfter);

    // Live at once; 3 s (the lead) before its end the renewal opens as round 2 of the same submission, and it stays live.
    const due = await awaitingExactly(id, ['certificate-bundle@sandbox#2']);
    expect(due).toMatchObject({ state: 'live', step: 'certificate-bundle', awaiting: [expect.objectContaining({ role: 'participant' })] });
    expect(due.certificates).toEqual([expect.objectContaining({ id: 'certificate-bundle@sandbox#1', serialHex: '01', state: 'renewal-due', renewal: 'certificate-bundle@sandbox#2' })]);
    expect(Date.parse(due.certificates![0]!.renewalOpenedAt!)).toBeGreaterThanOrEqual(notAfter - 3000 - 100);
    expect(due.interventions).toEqual([expect.objectContaining({ action: 'renewal-opened', by: 'timer', via: 'timer', instanceId: 'certificate-bundle@sandbox#2' })]);
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
    expect(renewed.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual(['certificate-bundle@sandbox#1=replaced', 'certificate-bundle@sandbox#2=valid']);
    expect(renewed).toMatchObject({ state: 'live', step: 'done', awaiting: [] });
    expect(await eventually(async () => ((await certificateState()) === 'valid' ? true : undefined))).toBe(true);
    // The participant and ops heard of the renewal and of the expiry, once each.
    expect(notificationsOf(id).map((n) => n.idempotencyKey).filter((k) => !k.endsWith('/opened'))).toEqual([
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
    await awaitingExactly(id, ['application-review@sandbox#1']);
    await api.decide(id, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' });
    await awaitingExactly(id, ['certificate-bundle@sandbox#1']);
    expect((await api.submitBundle(id, bundles.good)).statusCode).toBe(200);
    await awaitingExactly(id, ['certificate-bundle@production#1', 'contract@production#1']);
    await api.decide(id, { gate: 'contract', decision: 'approved', decidedBy: 'lena@hub' });
    expect((await api.submitBundle(id, bundles.good, 'production')).statusCode).toBe(200);
    await awaitingExactly(id, ['go-live@production#1']);
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
      'certificate-bundle@production#1',
      'contract@production#1',
      'go-live@production#1',
    ]);
    // The first run ended by continuing as new; the state came along.
    const firstRun = await stack.client.workflow.getHandle(onboardingWorkflowId(id), first.firstExecutionRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    expect(result.history[0]!.note).toBe('onboarding started');
    // Parallel openings notify concurrently: one line per instance, in any order.
    expect(notificationsOf(id).map((n) => n.instanceId).sort()).toEqual(result.instances.map((i) => i.id).sort());
  });
});
