import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { fingerprintRequest } from '../../api/fingerprint';
import { buildApp } from '../../api/app';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import type { OnboardingStatus } from '../../workflows/messages';
import { onboardingWorkflowId } from '../../workflows/messages';
import { onboardingSearchAttributeKeys, RefusedSubmissionsKey } from '../../workflows/frame/search-attributes';
import { bundleWorkflows, createTestStack, TestStack } from '../support/temporal-env';
import { startBody } from '../support/requests';
import { testKeys } from '../support/auth';
import { tppCalls } from '../support/tpp-journey';
import { eventually } from '../support/eventually';

let bundle: WorkflowBundleWithSourceMap;
let stack: TestStack;
let app: FastifyInstance;
let worker: { stop(): Promise<void> };
const keys = testKeys();

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of stack.client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

/** A decision by the approver named in `decidedBy` (an API key with every staff grant): the body never names the approver. */
const approve = (participantId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  tppCalls(app, keys).decide(participantId, body, headers);

beforeAll(async () => {
  bundle = await bundleWorkflows();
  stack = await createTestStack(bundle, `onboarding-api-${Date.now()}`);
  worker = await stack.startWorker();
  app = buildApp({
    gateway: new OnboardingGateway(stack.client, stack.taskQueue),
    authenticator: keys.authenticator,
    logger: pino({ level: 'silent' }),
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
});

describe('POST /onboardings', () => {
  it('starts an onboarding that waits for business review of the access request', async () => {
    const res = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('start-1') });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe('/onboardings/start-1');
    // One round trip (update-with-start): the first progress, and what the caller is asked next.
    const view = res.json() as { workflowId: string; progress: OnboardingStatus; next: { instanceId: string; route: string }[] };
    expect(view.workflowId).toBe('onboarding-start-1');
    expect(view).not.toHaveProperty('onboarding');
    expect(view.next).toEqual([
      expect.objectContaining({ instanceId: 'application-review@sandbox#1', route: 'POST /onboardings/start-1/approvals' }),
    ]);
    // The UI's summary and details of the workflow, set at its start: ids and the journey, no personal data.
    const described = await stack.client.workflow.getHandle('onboarding-start-1').describe();
    expect(await described.staticSummary()).toBe('open-banking TPP onboarding of start-1: sandbox, then production');
    const details = (await described.staticDetails()) ?? '';
    expect(details).toContain('Gates: `application-review` (business), `kickoff-call` (business), `uat-signoff` (ops)');
    expect(details).toContain('`GET /onboardings/start-1`');
    expect(details).not.toContain('Acme Pay Ltd');
    expect(details).not.toContain('it@acme.example');
    expect(view.progress).toMatchObject({
      participantId: 'start-1',
      kind: 'tpp',
      environment: 'sandbox',
      step: 'application-review',
      state: 'awaiting-approval',
      awaiting: [
        {
          instanceId: 'application-review@sandbox#1',
          type: 'gate',
          name: 'application-review',
          environment: 'sandbox',
          round: 1,
          role: 'business',
          since: expect.any(String),
        },
      ],
    });
  });

  it('returns the existing onboarding with 200 when the same request is repeated', async () => {
    const first = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('idem-1') });
    const again = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('idem-1') });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    const describe = await stack.client.workflow.getHandle(onboardingWorkflowId('idem-1')).describe();
    // The repeat answers with the same onboarding, not a new start.
    expect(again.json().progress.awaiting).toEqual(first.json().progress.awaiting);
    expect((await describe.memo)?.requestFingerprint).toBeDefined();
    // Exactly one run exists for the participant.
    const runs = await listIds(`WorkflowId = "${describe.workflowId}"`);
    expect(runs).toEqual([describe.workflowId]);
  });

  it('answers a retried start with an Idempotency-Key like the first, and refuses the key with other details', async () => {
    const headers = { ...keys.staff(), 'idempotency-key': 'start-key-1-0001' };
    const first = await app.inject({ headers, method: 'POST', url: '/onboardings', payload: startBody('idem-key-1') });
    const retry = await app.inject({ headers, method: 'POST', url: '/onboardings', payload: startBody('idem-key-1') });
    expect([first.statusCode, retry.statusCode]).toEqual([201, 200]);
    const other = startBody('idem-key-1');
    other.application.useCase = 'something else entirely';
    const reused = await app.inject({ headers, method: 'POST', url: '/onboardings', payload: other });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Without the key, other details are the usual conflict; the first onboarding is untouched.
    const conflict = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: other });
    expect(conflict.json().code).toBe('ONBOARDING_CONFLICT');
    const status = await stack.client.workflow.getHandle(onboardingWorkflowId('idem-key-1')).query<OnboardingStatus>('status');
    expect(status.requestFingerprint).toBe(fingerprintRequest(startBody('idem-key-1')));
    expect(first.json().progress.participantId).toBe('idem-key-1');
  });

  it('treats the same request with the APIs in another order as the same onboarding (a set)', async () => {
    const first = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('set-1') });
    const body = startBody('set-1');
    body.application.apis = [...body.application.apis].reverse();
    const again = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: body });
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
  });

  it('treats the same request with keys in another order as the same onboarding', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('order-1') });
    const body = startBody('order-1');
    const reordered = { application: body.application, participant: body.participant, kind: body.kind, participantId: body.participantId };
    const res = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: reordered });
    expect(res.statusCode).toBe(200);
  });

  it('refuses with 409 a second onboarding of the same participant with other details', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('conflict-1') });
    const other = startBody('conflict-1');
    other.application.expectedMonthlyVolume = 1;
    const res = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: other });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'ONBOARDING_CONFLICT', status: 409, workflowId: 'onboarding-conflict-1' });
  });

  it('answers 400 problem+json naming each invalid field of a malformed body', async () => {
    const body = startBody('Bad Id!') as Record<string, unknown>;
    (body.participant as Record<string, unknown>).contactEmail = 'not-an-email';
    const res = await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const names = (res.json()['invalid-params'] as { name: string }[]).map((p) => p.name).sort();
    expect(names).toEqual(['body.participant.contactEmail', 'body.participantId']);
  });
});

describe('GET /onboardings/:participantId', () => {
  it('returns the state from the status query', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('status-1') });
    const res = await app.inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/status-1' });
    expect(res.statusCode).toBe(200);
    const { onboarding } = res.json() as { onboarding: OnboardingStatus };
    const queried = await stack.client.workflow.getHandle('onboarding-status-1').query<OnboardingStatus>('status');
    expect(onboarding).toEqual(queried);
    expect(onboarding.history.map((h) => h.state)).toEqual(['in-progress', 'awaiting-approval']);
  });

  it('answers 404 problem+json for an unknown participant', async () => {
    const res = await app.inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/nobody-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('ONBOARDING_NOT_FOUND');
  });
});

describe('search attributes', () => {
  it('keeps OnboardingStep, OnboardingState, AwaitingRole and WaitingSince current so the UI list can filter', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('sa-1') });
    const waiting = `ParticipantId = "sa-1" AND OnboardingStep = "application-review" AND OnboardingState = "awaiting-approval" AND AwaitingRole = "business"`;
    expect(await eventually(async () => ((await listIds(waiting)).length ? listIds(waiting) : undefined))).toEqual(['onboarding-sa-1']);
    await approve('sa-1', { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' });
    const next = `ParticipantId = "sa-1" AND OnboardingStep = "certificate-bundle" AND OnboardingState = "awaiting-participant" AND AwaitingRole = "participant"`;
    expect(await eventually(async () => ((await listIds(next)).length ? listIds(next) : undefined))).toEqual(['onboarding-sa-1']);
    const description = await stack.client.workflow.getHandle('onboarding-sa-1').describe();
    const attributes = Object.fromEntries(
      onboardingSearchAttributeKeys.map((key) => [key.name, description.typedSearchAttributes.get(key)]),
    );
    const status = (await app.inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/sa-1' })).json()
      .onboarding as OnboardingStatus;
    expect(attributes).toEqual({
      OnboardingKind: 'tpp',
      ParticipantId: 'sa-1',
      Environment: 'sandbox',
      OnboardingStep: 'certificate-bundle',
      OnboardingState: 'awaiting-participant',
      AwaitingRole: ['participant'],
      OpenWaits: ['certificate-bundle@sandbox'],
      WaitingSince: new Date(status.awaiting[0]!.since),
    });
    // An empty list is no value: nothing refused, so RefusedSubmissions is unset (`IS NULL` to the UI's queries).
    expect(description.typedSearchAttributes.get(RefusedSubmissionsKey)).toBeUndefined();
    const since = `ParticipantId = "sa-1" AND WaitingSince >= "${status.awaiting[0]!.since}"`;
    expect(await listIds(since)).toEqual(['onboarding-sa-1']);
  });
});

describe('GET /onboardings (search) and /onboardings/stuck', () => {
  const ids = ['find-1', 'find-2', 'find-3'];
  const get = (url: string) => app.inject({ method: 'GET', url, headers: keys.as('vera', 'viewer') });

  beforeAll(async () => {
    for (const id of ids) await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody(id) });
    // Visibility follows the workflows' first task: wait until all three are listed as awaiting business.
    await eventually(async () => {
      const res = await get('/onboardings?kind=tpp&step=application-review&awaitingRole=business&pageSize=200');
      const found = (res.json().onboardings as { participantId: string }[]).filter((o) => ids.includes(o.participantId));
      return found.length === 3 ? found : undefined;
    });
  });

  it('finds an onboarding by participant id with its state from the search attributes', async () => {
    const res = await get('/onboardings?participantId=find-2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      onboardings: [
        {
          participantId: 'find-2',
          workflowId: 'onboarding-find-2',
          execution: 'RUNNING',
          kind: 'tpp',
          environment: 'sandbox',
          step: 'application-review',
          state: 'awaiting-approval',
          awaitingRoles: ['business'],
          openWaits: ['application-review@sandbox'],
          refusedSubmissions: [],
          waitingSince: expect.any(String),
          // Before go-live no certificate is watched: the attribute is unset.
          certificateState: null,
          startedAt: expect.any(String),
        },
      ],
      nextPageToken: null,
    });
  });

  it('pages with the visibility page token, one onboarding per page', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/onboardings?step=application-review&state=awaiting-approval&pageSize=1${token ? `&pageToken=${token}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { onboardings: { participantId: string }[]; nextPageToken: string | null };
      expect(page.onboardings.length).toBeLessThanOrEqual(1);
      seen.push(...page.onboardings.map((o) => o.participantId));
      token = page.nextPageToken;
      pages += 1;
    } while (token !== null && pages < 200);
    expect(ids.every((id) => seen.includes(id))).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by how long the oldest wait has lasted', async () => {
    const listed = async (query: string) =>
      ((await get(`/onboardings?${query}&pageSize=200`)).json().onboardings as { participantId: string }[]).map((o) => o.participantId);
    const recent = await listed('waitingLongerThan=PT0S&awaitingRole=business');
    expect(ids.filter((id) => recent.includes(id))).toEqual(ids);
    const old = await listed('waitingLongerThan=P1D');
    expect(ids.filter((id) => old.includes(id))).toEqual([]);
  });

  it('finds onboardings by an open wait', async () => {
    const res = await get('/onboardings?openWait=application-review@sandbox&pageSize=200');
    const found = (res.json().onboardings as { participantId: string }[]).map((o) => o.participantId);
    expect(ids.filter((id) => found.includes(id))).toEqual(ids);
    const none = await get('/onboardings?openWait=contract@sandbox&pageSize=200');
    expect((none.json().onboardings as { participantId: string }[]).filter((o) => ids.includes(o.participantId))).toEqual([]);
  });

  it('groups waiting onboardings by open wait, with the role that answers it', async () => {
    const res = await get('/onboardings/stuck?olderThan=PT0S');
    expect(res.statusCode).toBe(200);
    const group = (res.json().groups as { wait: string; awaitingRole: string; count: number; participantIds: string[] }[]).find(
      (g) => g.wait === 'application-review@sandbox',
    );
    expect(group?.awaitingRole).toBe('business');
    expect(ids.filter((id) => group?.participantIds.includes(id))).toEqual(ids);
    expect(group!.count).toBe(group!.participantIds.length);
    const none = await get('/onboardings/stuck?olderThan=P1D');
    expect(
      (none.json().groups as { participantIds: string[] }[]).flatMap((g) => g.participantIds).filter((id) => ids.includes(id)),
    ).toEqual([]);
  });

  it('answers 400 naming a filter outside the vocabulary', async () => {
    const res = await get('/onboardings?state=stalled&waitingLongerThan=3d');
    expect(res.statusCode).toBe(400);
    expect((res.json()['invalid-params'] as { name: string }[]).map((p) => p.name).sort()).toEqual([
      'querystring.state',
      'querystring.waitingLongerThan',
    ]);
  });
});

describe('POST /onboardings/:participantId/approvals', () => {
  it('accepts the awaited approval; the journey moves on to the certificate review, each role told once', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('approve-1') });
    const res = await approve('approve-1', {
      gate: 'application-review',
      decision: 'approved',
      decidedBy: 'alice@hub',
      comment: 'fits the scheme',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().decision).toMatchObject({
      id: 'application-review@sandbox#1',
      status: 'approved',
      decision: { decision: 'approved', decidedBy: 'alice@hub', comment: 'fits the scheme' },
    });
    const status = await eventually(async () => {
      const onboarding = (await app.inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/approve-1' })).json()
        .onboarding as OnboardingStatus;
      return onboarding.awaiting.length ? onboarding : undefined;
    });
    expect(status.awaiting.map((a) => a.instanceId)).toEqual(['certificate-bundle@sandbox#1']);
    const outbox = await eventually(async () => {
      const lines = readFileSync(path.join(stack.dataDir, 'outbox', 'notifications.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((n) => n.participantId === 'approve-1');
      return lines.length === 2 ? lines : undefined;
    });
    expect(outbox).toEqual([
      expect.objectContaining({
        instanceId: 'application-review@sandbox#1',
        role: 'business',
        idempotencyKey: 'onboarding-approve-1/application-review@sandbox#1/opened',
      }),
      expect.objectContaining({ instanceId: 'certificate-bundle@sandbox#1', role: 'participant' }),
    ]);
  });

  it('ends the onboarding as rejected when business rejects with a reason', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('reject-1') });
    const res = await approve('reject-1', {
      gate: 'application-review',
      decision: 'rejected',
      decidedBy: 'alice@hub',
      comment: 'no licence',
    });
    expect(res.statusCode).toBe(200);
    const result = await stack.client.workflow.getHandle('onboarding-reject-1').result();
    expect(result).toMatchObject({ state: 'rejected', step: 'application-review' });
  });

  it('refuses a rejection without a reason with 422 from the workflow validator', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('reject-2') });
    const res = await approve('reject-2', { gate: 'application-review', decision: 'rejected', decidedBy: 'alice@hub' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'DECISION_INVALID', type: '/problems/decision-invalid', context: { field: 'comment' } });
    const status = await app.inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/reject-2' });
    expect(status.json().onboarding.state).toBe('awaiting-approval');
  });

  it('refuses with 409 a decision for a gate the onboarding is not waiting for', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('early-1') });
    const res = await approve('early-1', { gate: 'go-live', decision: 'approved', decidedBy: 'carol@hub' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'GATE_NOT_AWAITED', context: { open: ['application-review@sandbox#1'] } });
    const status = await app.inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/early-1' });
    expect((status.json().onboarding as OnboardingStatus).instances.map((i) => i.id)).toEqual(['application-review@sandbox#1']);
  });

  it('refuses with 409 a decision once the onboarding has ended', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('closed-1') });
    await approve('closed-1', { gate: 'application-review', decision: 'rejected', decidedBy: 'alice@hub', comment: 'no licence' });
    await stack.client.workflow.getHandle('onboarding-closed-1').result();
    const res = await approve('closed-1', { gate: 'application-review', decision: 'approved', decidedBy: 'alice@hub' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('ONBOARDING_CLOSED');
  });

  it('applies a retried request with the same Idempotency-Key once', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('retry-1') });
    const headers = { 'idempotency-key': 'decision-retry-1-0001' };
    const body = { gate: 'application-review', decision: 'rejected', decidedBy: 'alice@hub', comment: 'incomplete' };
    const [a, b] = await Promise.all([approve('retry-1', body, headers), approve('retry-1', body, headers)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(b.json().decision.decision.at).toBe(a.json().decision.decision.at);
    const history = await stack.client.workflow.getHandle('onboarding-retry-1').fetchHistory();
    const accepted =
      history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'decideGate') ?? [];
    expect(accepted).toHaveLength(1);
  });

  it('refuses with 422 the same Idempotency-Key for a different decision, and tells nobody the first outcome', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('reuse-1') });
    const headers = { 'idempotency-key': 'decision-reuse-1-0001' };
    const first = await approve('reuse-1', { gate: 'application-review', decision: 'approved', decidedBy: 'alice@hub' }, headers);
    expect(first.statusCode).toBe(200);
    const second = await approve(
      'reuse-1',
      { gate: 'application-review', decision: 'rejected', decidedBy: 'alice@hub', comment: 'changed my mind' },
      headers,
    );
    expect(second.statusCode).toBe(422);
    expect(second.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    const byOther = await approve('reuse-1', { gate: 'application-review', decision: 'approved', decidedBy: 'mallory@hub' }, headers);
    expect(byOther.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    const again = await approve('reuse-1', { gate: 'application-review', decision: 'approved', decidedBy: 'alice@hub' }, headers);
    expect(again.statusCode).toBe(200);
    expect(again.json().decision).toEqual(first.json().decision);
  });

  it('answers a retry with the same Idempotency-Key after that decision closed the onboarding with the same decision', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('retry-2') });
    const headers = { 'idempotency-key': 'decision-retry-2-0001' };
    const body = { gate: 'application-review', decision: 'rejected', decidedBy: 'alice@hub', comment: 'incomplete' };
    const first = await approve('retry-2', body, headers);
    expect(first.statusCode).toBe(200);
    await stack.client.workflow.getHandle('onboarding-retry-2').result();
    const retry = await approve('retry-2', body, headers);
    expect(retry.statusCode).toBe(200);
    // The same answer as the first, from the history (decision and progress as the decision left it); nothing is open.
    expect(retry.json().decision).toEqual(first.json().decision);
    expect(retry.json().progress).toEqual(first.json().progress);
    expect(retry.json().progress.awaiting).toEqual([]);
    const closed = (await stack.client.workflow.getHandle('onboarding-retry-2').query<OnboardingStatus>('status')).state;
    expect(closed).toBe('rejected');
    // Another key is another decision: the onboarding is over.
    const other = await approve('retry-2', body, { 'idempotency-key': 'decision-retry-2-0002' });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('ONBOARDING_CLOSED');
  });

  it('answers 404 for an unknown participant and 400 for a malformed decision', async () => {
    const unknown = await approve('nobody-here', { gate: 'application-review', decision: 'approved', decidedBy: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('ONBOARDING_NOT_FOUND');
    const bad = await approve('nobody-here', { gate: 'lunch', decision: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect((bad.json()['invalid-params'] as { name: string }[]).map((p) => p.name).sort()).toEqual(['body.decision', 'body.gate']);
  });
});

describe('POST /onboardings/:participantId/cancel', () => {
  it('cancels a running onboarding for good, recording who asked and why', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('cancel-1') });
    const res = await app.inject({
      method: 'POST',
      url: '/onboardings/cancel-1/cancel',
      payload: { reason: 'duplicate application' },
      headers: keys.as('otto@hub', 'operator'),
    });
    expect(res.statusCode).toBe(202);
    const handle = stack.client.workflow.getHandle('onboarding-cancel-1');
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const history = await handle.fetchHistory();
    const requested = history.events?.find(
      (e) => e.workflowExecutionCancelRequestedEventAttributes,
    )?.workflowExecutionCancelRequestedEventAttributes;
    expect(requested).toMatchObject({ identity: 'otto@hub', cause: 'duplicate application' });
    // The onboarding's own state says so too, for the status query and the UI list.
    const status = await handle.query<OnboardingStatus>('status');
    expect(status).toMatchObject({ state: 'cancelled', awaiting: [] });
    expect(status.instances.map((i) => `${i.id}=${i.status}`)).toEqual(['application-review@sandbox#1=withdrawn']);
    const listed = await eventually(async () => {
      const ids = await listIds('ParticipantId = "cancel-1" AND OnboardingState = "cancelled"');
      return ids.length ? ids : undefined;
    });
    expect(listed).toEqual(['onboarding-cancel-1']);
    const again = await app.inject({
      method: 'POST',
      url: '/onboardings/cancel-1/cancel',
      payload: { reason: 'again' },
      headers: keys.as('otto@hub', 'operator'),
    });
    expect(again.json().code).toBe('ONBOARDING_CLOSED');
  });

  it('answers a retried cancel with an Idempotency-Key like the first, after the onboarding closed', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('cancel-2') });
    const headers = { ...keys.as('otto@hub', 'operator'), 'idempotency-key': 'cancel-2-key-0001' };
    const cancel = (reason: string, h: Record<string, string> = headers) =>
      app.inject({ method: 'POST', url: '/onboardings/cancel-2/cancel', payload: { reason }, headers: h });
    expect((await cancel('duplicate application')).statusCode).toBe(202);
    const handle = stack.client.workflow.getHandle('onboarding-cancel-2');
    await expect(handle.result()).rejects.toThrow();
    expect((await cancel('duplicate application')).statusCode).toBe(202);
    // Another request (other reason, or another operator) is told the onboarding is closed.
    expect((await cancel('another reason')).json().code).toBe('ONBOARDING_CLOSED');
    expect(
      (await cancel('duplicate application', { ...keys.as('olga@hub', 'operator'), 'idempotency-key': 'cancel-2-key-0001' })).json().code,
    ).toBe('ONBOARDING_CLOSED');
    const history = await handle.fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionCancelRequestedEventAttributes)).toHaveLength(1);
  });
});

describe('worker restart', () => {
  it('continues a waiting onboarding on a new worker after the old one stopped mid-wait', async () => {
    await app.inject({ headers: keys.staff(), method: 'POST', url: '/onboardings', payload: startBody('restart-1') });
    // Mid-wait: the gate is open and its notification delivered (no activity in flight).
    await eventually(async () => {
      const outbox = readFileSync(path.join(stack.dataDir, 'outbox', 'notifications.jsonl'), 'utf8');
      return outbox.includes('"participantId":"restart-1"') ? true : undefined;
    });
    await worker.stop();
    worker = await stack.startWorker(); // empty cache: the wait is rebuilt by replaying history
    const res = await approve('restart-1', { gate: 'application-review', decision: 'approved', decidedBy: 'alice@hub' });
    expect(res.statusCode).toBe(200);
    const status = await eventually(async () => {
      const onboarding = (await app.inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/restart-1' })).json()
        .onboarding as OnboardingStatus;
      return onboarding.step === 'certificate-bundle' ? onboarding : undefined;
    });
    expect(status.history.map((h) => h.note)).toEqual([
      'onboarding started',
      'application-review@sandbox#1: waiting for business',
      'application-review@sandbox#1: approved by alice@hub',
      "certificate-bundle@sandbox#1: waiting for the participant's submission",
    ]);
  });
});
