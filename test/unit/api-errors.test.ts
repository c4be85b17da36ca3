import { QueryNotRegisteredError, ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import pino from 'pino';
import { testKeys } from '../support/auth';
import { sampleStatus, sampleSubmissionOutcome } from '../support/samples';
import { errorCatalogue } from '../../workflows/vocabulary';
import { buildApp } from '../../api/app';
import { loadApiConfig } from '../../api/config';
import type { OnboardingPort } from '../../api/onboarding-gateway';
import { loadWorkerConfig } from '../../worker/config';
import { startBody } from '../support/requests';

const keys = testKeys();

/** A gateway whose every call fails as told: these tests are about the HTTP edge only. */
function fakeGateway(overrides: Partial<OnboardingPort> = {}): OnboardingPort {
  const fail = async () => {
    throw new Error('secret internal detail: db password is hunter2');
  };
  return {
    start: fail,
    status: fail,
    decide: fail,
    submit: fail,
    search: fail,
    stuck: fail,
    cancel: fail,
    halt: fail,
    openRound: fail,
    ping: async () => undefined,
    ...overrides,
  };
}

function appWith(gateway: OnboardingPort, bodyLimitBytes?: number) {
  return buildApp({
    gateway,
    authenticator: keys.authenticator,
    logger: pino({ level: 'silent' }),
    ...(bodyLimitBytes ? { bodyLimitBytes } : {}),
  });
}

describe('API error edge', () => {
  it('answers 400 malformed-json for a body that is not JSON', async () => {
    const res = await appWith(fakeGateway()).inject({
      method: 'POST',
      url: '/onboardings',
      headers: { ...keys.staff(), 'content-type': 'application/json' },
      payload: '{"participantId":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ type: '/problems/malformed-json', code: 'MALFORMED_JSON', status: 400 });
  });

  it('answers 415 for a body that is not JSON by content type', async () => {
    const res = await appWith(fakeGateway()).inject({
      method: 'POST',
      url: '/onboardings',
      headers: { ...keys.staff(), 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await appWith(fakeGateway(), 2048).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings',
      payload: { ...startBody('big-1'), padding: 'x'.repeat(4096) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 400 naming an unknown field (bodies are strict)', async () => {
    const res = await appWith(fakeGateway()).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings',
      payload: { ...startBody('strict-1'), extra: true },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()['invalid-params']).toEqual([{ name: 'body.extra', reason: 'unknown field' }]);
  });

  it('answers 400 for a kind there is no journey for, saying which kinds there are', async () => {
    const res = await appWith(fakeGateway()).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings',
      payload: { ...startBody('kind-1'), kind: 'insurer' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()['invalid-params']).toEqual([{ name: 'body.kind', reason: expect.stringContaining('dfsp, tpp, bank') }]);
  });

  it("answers 400 for a bank start with a TPP's application instead of its registration, naming the fields", async () => {
    const res = await appWith(fakeGateway()).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings',
      payload: { ...startBody('kind-2'), kind: 'bank' },
    });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        ['invalid-params'].map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['body.application', 'body.registration']);
  });

  it('answers 400 for a bank alias that is not a DNS label and an authorization URL over http', async () => {
    const registration = {
      alias: 'Bank_A',
      assetCode: 'UAH',
      firstEmployeeEmail: 'first@bank.example',
      authorizationUrls: { sandbox: 'http://auth.bank.example/check', production: 'https://auth.bank.example/check' },
    };
    const res = await appWith(fakeGateway()).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings',
      payload: { participantId: 'bank-a', kind: 'bank', participant: startBody('x').participant, registration },
    });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        ['invalid-params'].map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['body.registration.alias', 'body.registration.authorizationUrls.sandbox']);
  });

  it('answers 400 for a country ISO 3166-1 does not assign (XX), saying what a country code is', async () => {
    const body = startBody('xx-pay');
    const res = await appWith(fakeGateway()).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings',
      payload: { ...body, participant: { ...body.participant, country: 'XX' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()['invalid-params']).toEqual([
      expect.objectContaining({ name: 'body.participant.country', reason: expect.stringContaining('not an ISO 3166-1 alpha-2 country') }),
    ]);
    const fine = await appWith(
      fakeGateway({ start: async () => ({ workflowId: 'onboarding-ke-pay', progress: null, created: true }) }),
    ).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings',
      payload: { ...body, participantId: 'ke-pay', participant: { ...body.participant, country: 'KE' } },
    });
    expect(fine.statusCode).not.toBe(400);
  });

  it("answers 400 at registration for a bank authorization URL on a loopback or private address (the hub's own, which egress refuses)", async () => {
    const registration = (production: string) => ({
      alias: 'bank-b',
      assetCode: 'UAH',
      firstEmployeeEmail: 'first@bank.example',
      authorizationUrls: { sandbox: 'https://auth.bank.example/check', production },
    });
    for (const production of ['https://127.0.0.1:8443/check', 'https://10.1.2.3/check', 'https://[::1]/check', 'https://localhost/check']) {
      const res = await appWith(fakeGateway()).inject({
        headers: keys.staff(),
        method: 'POST',
        url: '/onboardings',
        payload: { participantId: 'bank-b', kind: 'bank', participant: startBody('x').participant, registration: registration(production) },
      });
      expect([production, res.statusCode]).toEqual([production, 400]);
      expect(res.json()['invalid-params']).toEqual([
        expect.objectContaining({
          name: 'body.registration.authorizationUrls.production',
          reason: expect.stringContaining('public name or address'),
        }),
      ]);
    }
  });

  it('answers 400 for an http evidence link saying it must be https', async () => {
    const res = await appWith(fakeGateway()).inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/onboardings/acme/approvals',
      payload: { gate: 'application-review', decision: 'approved', evidence: [{ label: 'report', url: 'http://docs.example/r.pdf' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()['invalid-params']).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'body.evidence.0.url', reason: expect.stringContaining('https') })]),
    );
  });

  it('answers 400 for a malformed participant id in the path', async () => {
    const res = await appWith(fakeGateway()).inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/NOT_VALID' });
    expect(res.statusCode).toBe(400);
    expect(res.json()['invalid-params']).toEqual([expect.objectContaining({ name: 'params.participantId' })]);
  });

  it('answers 404 route-not-found as problem+json for an unknown route (to an authenticated caller)', async () => {
    const res = await appWith(fakeGateway()).inject({ headers: keys.staff(), method: 'GET', url: '/nowhere' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers 500 internal-error without leaking the cause', async () => {
    const res = await appWith(fakeGateway()).inject({ headers: keys.staff(), method: 'GET', url: '/onboardings/acme' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      type: '/problems/internal-error',
      title: 'Internal error',
      status: 500,
      code: 'INTERNAL_ERROR',
      instance: '/onboardings/acme',
    });
    expect(res.body).not.toContain('hunter2');
  });
});

describe('what the HTTP layer refuses is problem+json too', () => {
  const app = () => appWith(fakeGateway());

  it('answers 405 with Allow for a known path and another method', async () => {
    const del = await app().inject({ method: 'DELETE', url: '/onboardings/acme', headers: keys.staff() });
    expect([del.statusCode, del.headers.allow, del.json().code]).toEqual([405, 'GET', 'METHOD_NOT_ALLOWED']);
    const put = await app().inject({ method: 'PUT', url: '/onboardings?kind=tpp', headers: keys.staff(), payload: {} });
    expect([put.statusCode, put.headers.allow]).toEqual([405, 'GET, POST']);
  });

  it('answers 415 for text/plain, a non-UTF-8 charset and a compressed body', async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      app().inject({ method: 'POST', url: '/onboardings', headers: { ...keys.staff(), ...headers }, payload });
    const json = JSON.stringify(startBody('enc-1'));
    for (const [headers, payload] of [
      [{ 'content-type': 'text/plain' }, json],
      [{ 'content-type': 'application/json; charset=latin1' }, json],
      [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, json],
    ] as const) {
      const res = await post(headers, payload);
      expect([JSON.stringify(headers), res.statusCode, res.headers['content-type']]).toEqual([
        JSON.stringify(headers),
        415,
        'application/problem+json; charset=utf-8',
      ]);
    }
    // UTF-8 stated explicitly is fine (it reaches the gateway, which fails here on purpose).
    expect((await post({ 'content-type': 'application/json; charset=UTF-8' }, json)).statusCode).toBe(500);
  });

  it('answers 400 problem+json for a URL the router cannot decode', async () => {
    const res = await app().inject({ method: 'GET', url: '/onboardings/%E0%A4%A', headers: keys.staff() });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});

describe('limits and hygiene', () => {
  it('sends security headers', async () => {
    const res = await appWith(fakeGateway()).inject('/healthz');
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.any(String),
    });
  });

  it('limits requests per principal with 429 problem+json and retry-after; other principals are unaffected', async () => {
    const app = buildApp({
      gateway: fakeGateway({ status: async () => ({ workflowId: 'onboarding-a', onboarding: null }) }),
      authenticator: keys.authenticator,
      logger: pino({ level: 'silent' }),
      rateLimitPerMinute: 3,
    });
    const get = (name: string) => app.inject({ method: 'GET', url: '/onboardings/a', headers: keys.as(name, 'viewer') });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await get('busy-tool')).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await get('busy-tool');
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get('quiet-tool')).statusCode).toBe(200);
  });

  it('takes large PEM submissions but not large decisions', async () => {
    const app = appWith(
      fakeGateway({ submit: async () => sampleSubmissionOutcome('it@a'), status: async () => ({ workflowId: 'w', onboarding: null }) }),
    );
    const big = 'x'.repeat(200 * 1024);
    const decision = await app.inject({
      method: 'POST',
      url: '/onboardings/a/approvals',
      headers: keys.staff(),
      payload: { gate: 'contract', decision: 'rejected', comment: big },
    });
    expect([decision.statusCode, decision.json().code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const bundle = await app.inject({
      method: 'POST',
      url: '/onboardings/a/submissions/certificate-bundle',
      headers: keys.as('it@a', 'participant:a'),
      payload: { pem: big },
    });
    expect(bundle.statusCode).toBe(200);
  });

  it('answers a submission with its progress from the update alone, and reads it from the status when an older worker answered without it', async () => {
    const statusCalls: string[] = [];
    const submitTo = (progress: boolean, onboarding: 'known' | 'silent') =>
      appWith(
        fakeGateway({
          submit: async () => sampleSubmissionOutcome('it@a', { progress }),
          status: async (id) => {
            statusCalls.push(id);
            return {
              workflowId: `onboarding-${id}`,
              onboarding: onboarding === 'known' ? { ...sampleStatus(id), step: 'contract', updatedAt: '2026-11-24T08:00:00.000Z' } : null,
            };
          },
        }),
      ).inject({
        method: 'POST',
        url: '/onboardings/a/submissions/certificate-bundle',
        headers: keys.as('it@a', 'participant:a'),
        payload: { pem: 'x' },
      });

    const fresh = await submitTo(true, 'known');
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json()).toMatchObject({
      workflowId: 'onboarding-a',
      progress: { participantId: 'a', step: 'application-review', state: 'awaiting-approval', updatedAt: '2026-11-23T10:00:00.000Z' },
    });
    expect(fresh.json()).not.toHaveProperty('onboarding');
    expect(statusCalls).toEqual([]);

    const older = await submitTo(false, 'known');
    expect(older.statusCode).toBe(200);
    expect(older.json().progress).toEqual({
      participantId: 'a',
      kind: 'tpp',
      environment: 'sandbox',
      step: 'contract',
      state: 'awaiting-approval',
      awaiting: sampleStatus('a').awaiting,
      updatedAt: '2026-11-24T08:00:00.000Z',
    });
    expect(statusCalls).toEqual(['a']);

    const silent = await submitTo(false, 'silent');
    expect([silent.statusCode, silent.json().code]).toEqual([503, 'TEMPORAL_UNAVAILABLE']);
  });
});

describe('request ids', () => {
  it('keeps a short caller x-request-id and replaces a long or odd one with its own', async () => {
    const app = appWith(fakeGateway());
    const kept = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'tool-42.run:7' } });
    expect(kept.headers['x-request-id']).toBe('tool-42.run:7');
    for (const bad of ['x'.repeat(8192), 'a b', 'id\u0000']) {
      const replaced = await app.inject({ url: '/healthz', headers: { 'x-request-id': bad } });
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('one error vocabulary from workflow to HTTP', () => {
  const refusedWith = (type: string, details: Record<string, unknown> = {}) =>
    fakeGateway({
      submit: async () => {
        throw new WorkflowUpdateFailedError(
          'update failed',
          ApplicationFailure.create({ type, message: `refused: ${type}`, nonRetryable: true, details: [details] }),
        );
      },
    });
  const submitBundle = (gateway: OnboardingPort) =>
    appWith(gateway).inject({
      method: 'POST',
      url: '/onboardings/acme/submissions/certificate-bundle',
      payload: { pem: 'x' },
      headers: keys.as('it@acme', 'participant:acme'),
    });

  it('answers a refused submission with 422 and its findings, never 500', async () => {
    const report = { verdict: 'fail', findings: [{ code: 'KEY_SIZE_MIN', result: 'fail' }] };
    const res = await submitBundle(refusedWith('SUBMISSION_REFUSED', { instanceId: 'certificate-bundle@sandbox#1', report }));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'SUBMISSION_REFUSED', type: '/problems/submission-refused', context: { report } });
  });

  it('maps every code of the catalogue to its status, activity codes included (CSR_REJECTED is 422)', async () => {
    for (const [code, spec] of Object.entries(errorCatalogue)) {
      const res = await submitBundle(refusedWith(code));
      expect([code, res.statusCode, res.json().code]).toEqual([code, spec.status, code]);
    }
    expect(errorCatalogue.CSR_REJECTED.status).toBe(422);
  });

  it('answers 503 (retry) when the workflow task carrying the update failed, as when a worker dies mid-task', async () => {
    // What Temporal answers then: FAILED_PRECONDITION (WorkflowNotReady), wrapped by the client in a ServiceError.
    const grpcError = Object.assign(
      new Error('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to unexpected workflow task failure.'),
      {
        code: 9,
        details: 'Unable to perform workflow execution update due to unexpected workflow task failure.',
        metadata: {},
      },
    );
    const res = await submitBundle(
      fakeGateway({ submit: async () => Promise.reject(new ServiceError('Workflow Update failed', { cause: grpcError })) }),
    );
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('TEMPORAL_UNAVAILABLE');
    expect(res.headers['retry-after']).toBeDefined();
    // Other precondition failures (e.g. too many distinct updates) are not transient: 500.
    const other = Object.assign(new Error('9 FAILED_PRECONDITION: limit reached'), {
      code: 9,
      details: 'The limit on the total number of distinct updates has been reached',
      metadata: {},
    });
    expect(
      (await submitBundle(fakeGateway({ submit: async () => Promise.reject(new ServiceError('x', { cause: other })) }))).statusCode,
    ).toBe(500);
  });

  it("answers a status read with 503 (retry) while the onboarding's last workflow task failed, as when its worker stopped mid-task", async () => {
    // What Temporal answers a query then: FAILED_PRECONDITION, wrapped by the client in a ServiceError.
    const grpcError = Object.assign(new Error('9 FAILED_PRECONDITION: Cannot query workflow due to Workflow Task in failed state.'), {
      code: 9,
      details: 'Cannot query workflow due to Workflow Task in failed state.',
      metadata: {},
    });
    const res = await appWith(
      fakeGateway({ status: async () => Promise.reject(new ServiceError('Failed to query Workflow', { cause: grpcError })) }),
    ).inject({ method: 'GET', url: '/onboardings/orphan-1', headers: keys.as('viewer@hub', 'viewer') });
    expect([res.statusCode, res.json().code, res.headers['retry-after']]).toEqual([503, 'TEMPORAL_UNAVAILABLE', '5']);
  });

  it('answers 500 ONBOARDING_UNREADABLE, not INTERNAL_ERROR, when the worker cannot replay the history to answer a status read', async () => {
    // What the client throws when the worker's replay for the query hits a nondeterminism (seen on a cancelled DFSP).
    const replayFailed = new QueryNotRegisteredError(
      '[TMPRL1100] Nondeterminism error: Update machine does not handle this event: HistoryEvent(id: 447, UpsertWorkflowSearchAttributes)',
      3,
    );
    const res = await appWith(fakeGateway({ status: async () => Promise.reject(replayFailed) })).inject({
      method: 'GET',
      url: '/onboardings/dfsp-unreadable',
      headers: keys.as('viewer@hub', 'viewer'),
    });
    expect([res.statusCode, res.json().code]).toEqual([500, 'ONBOARDING_UNREADABLE']);
    expect(res.json().detail).toMatch(/cannot replay .* nothing is lost/);
    // Another query failure (a real "not registered") stays an internal error with no detail.
    const other = await appWith(
      fakeGateway({ status: async () => Promise.reject(new QueryNotRegisteredError('Workflow did not register a handler for status', 3)) }),
    ).inject({ method: 'GET', url: '/onboardings/dfsp-unreadable', headers: keys.as('viewer@hub', 'viewer') });
    expect([other.statusCode, other.json().code, other.json().detail]).toEqual([500, 'INTERNAL_ERROR', undefined]);
  });

  it('answers 500 with no detail for a failure type outside the vocabulary', async () => {
    const res = await submitBundle(refusedWith('SOMETHING_ELSE'));
    expect(res.statusCode).toBe(500);
    expect(res.json()).not.toHaveProperty('detail');
  });
});

describe('health', () => {
  it('is live without Temporal', async () => {
    const res = await appWith(fakeGateway({ ping: async () => Promise.reject(new Error('down')) })).inject('/healthz');
    expect(res.statusCode).toBe(200);
  });

  it('is ready only when Temporal answers', async () => {
    const down = await appWith(fakeGateway({ ping: async () => Promise.reject(new Error('down')) })).inject('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json().code).toBe('TEMPORAL_UNAVAILABLE');
    const up = await appWith(fakeGateway()).inject('/readyz');
    expect(up.statusCode).toBe(200);
  });
});

describe('process configuration', () => {
  it('uses documented defaults', () => {
    expect(loadApiConfig({})).toMatchObject({
      port: 3000,
      temporal: expect.objectContaining({ address: '127.0.0.1:7233' }),
      namespace: 'default',
      taskQueue: 'onboarding',
    });
    expect(loadWorkerConfig({})).toMatchObject({
      temporal: expect.objectContaining({ address: '127.0.0.1:7233' }),
      taskQueue: 'onboarding',
    });
  });

  it('stops with a message naming a bad variable', () => {
    expect(() => loadApiConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadWorkerConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
