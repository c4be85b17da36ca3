/**
 * Faults found by trying the API without a worker and without Temporal: every call answers within
 * its deadline with 503 + retry-after (never a 500 after 30 s) — except a status read, which the
 * read model answers without a worker once the first task has run —, a start still creates the
 * onboarding (202, state unknown), and a decision whose caller gave up is refused when a worker
 * finally delivers it, instead of being applied minutes later.
 */
import { testDataConverter } from '../support/codec';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import type { OnboardingStatus } from '../../workflows/messages';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { startBody } from '../support/requests';
import { bundleWorkflows, createTestStack, TestStack } from '../support/temporal-env';

const keys = testKeys();
const timeouts = { callMs: 1500, updateMs: 2000 };
let bundle: WorkflowBundleWithSourceMap;

/** The API over `client`, its calls with this file's short deadlines. */
const appFor = (client: Client, taskQueue: string) =>
  buildApp({
    gateway: new OnboardingGateway(client, taskQueue, timeouts),
    authenticator: keys.authenticator,
    logger: pino({ level: 'silent' }),
  });
let stack: TestStack;

beforeAll(async () => {
  bundle = await bundleWorkflows();
  stack = await createTestStack(bundle, `no-worker-${Date.now()}`);
});
afterAll(async () => stack?.close());

describe('with no worker polling the task queue', () => {
  it('starts with 202 (state unknown), answers a decision with 503 in time, and refuses that decision when a worker returns', async () => {
    const app = appFor(stack.client, stack.taskQueue);
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().detail).toContain(stack.taskQueue);

    const started = await app.inject({ method: 'POST', url: '/onboardings', payload: startBody('lonely-1'), headers: keys.staff() });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toEqual({ workflowId: 'onboarding-lonely-1', progress: null, next: [] });

    const t0 = Date.now();
    const decided = await app.inject({
      method: 'POST',
      url: '/onboardings/lonely-1/approvals',
      payload: { gate: 'application-review', decision: 'approved' },
      headers: keys.staff('bob@hub'),
    });
    expect(decided.statusCode).toBe(503);
    expect(decided.json().code).toBe('TEMPORAL_UNAVAILABLE');
    expect(decided.headers['retry-after']).toBe('5');
    expect(Date.now() - t0).toBeLessThan(10_000);

    // A worker comes back after the caller's deadline: the late decision is refused, the gate stays open.
    await new Promise((r) => setTimeout(r, timeouts.updateMs + 500));
    await stack.startWorker();
    const status = await eventually(async () => {
      const res = await app.inject({ method: 'GET', url: '/onboardings/lonely-1', headers: keys.staff() });
      const onboarding = res.statusCode === 200 ? (res.json().onboarding as OnboardingStatus) : null;
      return onboarding?.awaiting.length ? onboarding : undefined;
    });
    expect(status.instances).toEqual([expect.objectContaining({ id: 'application-review@sandbox#1', status: 'open', decision: null })]);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    await app.close();
  });
});

describe('with the worker stopped after the onboarding started', () => {
  it('answers a status read from the read model (the state the worker left), a write with 503, within the call deadline', async () => {
    // A task queue of its own: the first test's worker still polls the shared one.
    const own = await createTestStack(bundle, `no-worker-stopped-${Date.now()}`);
    const worker = await own.startWorker();
    const app = appFor(own.client, own.taskQueue);
    expect(
      (await app.inject({ method: 'POST', url: '/onboardings', payload: startBody('orphan-1'), headers: keys.staff() })).statusCode,
    ).toBe(201);
    const before = (await app.inject({ method: 'GET', url: '/onboardings/orphan-1', headers: keys.staff() })).json().onboarding;
    await worker.stop();
    const t0 = Date.now();
    const res = await app.inject({ method: 'GET', url: '/onboardings/orphan-1', headers: keys.staff() });
    expect(res.statusCode).toBe(200);
    expect(res.json().onboarding).toEqual(before);
    expect((res.json().onboarding as OnboardingStatus).awaiting.map((a) => a.instanceId)).toEqual(['application-review@sandbox#1']);
    expect(Date.now() - t0).toBeLessThan(1_000);
    const decided = await app.inject({
      method: 'POST',
      url: '/onboardings/orphan-1/approvals',
      payload: { gate: 'application-review', decision: 'approved' },
      headers: keys.staff('bob@hub'),
    });
    expect([decided.statusCode, decided.json().code, decided.headers['retry-after']]).toEqual([503, 'TEMPORAL_UNAVAILABLE', '5']);
    await app.close();
    await own.close();
  });

  it('answers a status read of an onboarding whose first task never ran (no state recorded yet) with 503 TEMPORAL_UNAVAILABLE and retry-after', async () => {
    const own = await createTestStack(bundle, `no-worker-never-${Date.now()}`);
    const app = appFor(own.client, own.taskQueue);
    expect(
      (await app.inject({ method: 'POST', url: '/onboardings', payload: startBody('unseen-1'), headers: keys.staff() })).statusCode,
    ).toBe(202);
    const t0 = Date.now();
    const res = await app.inject({ method: 'GET', url: '/onboardings/unseen-1', headers: keys.staff() });
    expect([res.statusCode, res.json().code, res.headers['retry-after']]).toEqual([503, 'TEMPORAL_UNAVAILABLE', '5']);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await app.close();
    await own.close();
  });
});

describe('with Temporal unreachable', () => {
  it('answers reads and writes with 503 problem+json and retry-after, within the call deadline', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter() });
    const app = appFor(client, 'nowhere');
    for (const request of [
      { method: 'GET' as const, url: '/onboardings/acme' },
      { method: 'POST' as const, url: '/onboardings', payload: startBody('acme') },
      { method: 'GET' as const, url: '/onboardings?kind=tpp' },
    ]) {
      const t0 = Date.now();
      const res = await app.inject({ ...request, headers: keys.staff() });
      expect([request.url, res.statusCode, res.json().code, res.headers['retry-after']]).toEqual([
        request.url,
        503,
        'TEMPORAL_UNAVAILABLE',
        '5',
      ]);
      expect(Date.now() - t0).toBeLessThan(8_000);
    }
    expect((await app.inject('/readyz')).statusCode).toBe(503);
    await app.close();
    await connection.close();
  });
});
