/**
 * Every route × every kind of caller: 401 without a valid token, 403 for a caller whose grants do
 * not cover the route, 2xx otherwise — and a refused call never reaches the workflows.
 */
import { AesGcmPayloadCodec } from '../../activities/secrets/payload-codec';
import { testCodecKeys } from '../support/codec';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { grantSchema } from '../../api/auth';
import type { OnboardingPort, OnboardingView } from '../../api/onboarding-gateway';
import { sampleDecision, sampleStatus, sampleSubmissionOutcome } from '../support/samples';
import { testKeys } from '../support/auth';
import { startBody } from '../support/requests';
import { progressOf } from '../../workflows/messages';

const keys = testKeys();
const calls: string[] = [];

const view: OnboardingView = { workflowId: 'onboarding-acme', onboarding: sampleStatus('acme') };
const gateway: OnboardingPort = {
  async start() {
    calls.push('start');
    return { created: true, workflowId: view.workflowId, progress: progressOf(sampleStatus('acme')) };
  },
  async status() {
    return view;
  },
  async decide(_id, decision) {
    calls.push(`decide ${decision.gate} by ${decision.decidedBy}`);
    return sampleDecision(decision.gate, decision.decision, decision.decidedBy);
  },
  async submit(_id, submission) {
    calls.push(`submit by ${submission.submittedBy}`);
    return sampleSubmissionOutcome(submission.submittedBy);
  },
  ping: async () => undefined,
  async cancel(_id, by) {
    calls.push(`cancel by ${by}`);
  },
  openRound: async () => Promise.reject(new Error('not used')),
  async halt(id, action, by) {
    calls.push(`${action} by ${by}`);
    return sampleStatus(id);
  },
  search: async () => ({ onboardings: [], nextPageToken: null }),
  stuck: async () => ({ groups: [], scanned: 0, truncated: false }),
};
const app = buildApp({
  gateway,
  authenticator: keys.authenticator,
  logger: pino({ level: 'silent' }),
  caChainPem: async () => '-----BEGIN CERTIFICATE-----\n',
  codec: { codec: new AesGcmPayloadCodec(testCodecKeys()), uiOrigins: ['http://127.0.0.1:8233'] },
  // The key routes' own behaviour is test/unit/api-keys.test.ts (a real store); here who may call them.
  apiKeys: {
    publicUrl: 'https://onboarding.hub.example',
    store: {
      issueParticipantKey: async (participantId, label, by) => ({ view: keyView(participantId, label, by), key: 'obk_shown-once' }),
      list: async (participantId) => [keyView(participantId, 'kit', 'otto')],
      rotate: async (participantId, _keyId, by) => ({ view: keyView(participantId, 'kit', by), key: 'obk_shown-once' }),
      revoke: async (participantId, _keyId, by) => ({ ...keyView(participantId, 'kit', by), state: 'revoked' as const }),
    },
  },
});
function keyView(participantId: string, label: string, by: string) {
  return {
    keyId: 'key_abc',
    name: `${label}@${participantId}`,
    grants: [`participant:${participantId}` as const],
    participantId,
    source: 'api' as const,
    createdAt: '2026-12-03T00:00:00.000Z',
    createdBy: by,
    state: 'active' as const,
    revokedAt: null,
    revokedBy: null,
    revokedReason: null,
    replacedBy: null,
  };
}

const callers: Record<string, Record<string, string>> = {
  'no token': {},
  'unknown key': { authorization: 'Bearer obk_not-a-key-anyone-issued' },
  'not bearer': { authorization: 'Basic YWxpY2U6c2VjcmV0' },
  viewer: keys.as('vera', 'viewer'),
  operator: keys.as('otto', 'operator'),
  'approver:business': keys.as('bea', 'approver:business'),
  'approver:legal': keys.as('lena', 'approver:legal'),
  'approver:security': keys.as('sam', 'approver:security'),
  'approver:ops': keys.as('omar', 'approver:ops'),
  'participant:acme': keys.as('it@acme', 'participant:acme'),
  'participant:other': keys.as('it@other', 'participant:other'),
};
const staff = ['viewer', 'operator', 'approver:business', 'approver:legal', 'approver:security', 'approver:ops'];
const authenticated = [...staff, 'participant:acme', 'participant:other'];

const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const routes: { name: string; method: 'GET' | 'POST'; url: string; payload?: unknown; allowed: string[] | 'public'; mutates?: boolean }[] =
  [
    { name: 'GET /healthz', method: 'GET', url: '/healthz', allowed: 'public' },
    { name: 'GET /readyz', method: 'GET', url: '/readyz', allowed: 'public' },
    { name: 'POST /onboardings', method: 'POST', url: '/onboardings', payload: startBody('acme'), allowed: ['operator'], mutates: true },
    { name: 'GET /onboardings/acme', method: 'GET', url: '/onboardings/acme', allowed: [...staff, 'participant:acme'] },
    { name: 'GET /onboardings (search)', method: 'GET', url: '/onboardings?kind=tpp&waitingLongerThan=P3D', allowed: staff },
    { name: 'GET /onboardings/stuck', method: 'GET', url: '/onboardings/stuck?olderThan=PT12H', allowed: staff },
    {
      name: 'POST approvals (application-review)',
      method: 'POST',
      url: '/onboardings/acme/approvals',
      payload: { gate: 'application-review', decision: 'approved' },
      allowed: ['approver:business'],
      mutates: true,
    },
    {
      name: 'POST approvals (contract)',
      method: 'POST',
      url: '/onboardings/acme/approvals',
      payload: { gate: 'contract', decision: 'approved' },
      allowed: ['approver:legal'],
      mutates: true,
    },
    {
      name: 'POST approvals (go-live)',
      method: 'POST',
      url: '/onboardings/acme/approvals',
      payload: { gate: 'go-live', decision: 'approved' },
      allowed: ['approver:ops'],
      mutates: true,
    },
    {
      name: 'POST submissions/certificate-bundle',
      method: 'POST',
      url: '/onboardings/acme/submissions/certificate-bundle',
      payload: { pem },
      allowed: ['operator', 'participant:acme'],
      mutates: true,
    },
    {
      name: 'POST submissions/ip-allowlist',
      method: 'POST',
      url: '/onboardings/acme/submissions/ip-allowlist',
      payload: { entries: ['81.2.69.160'] },
      allowed: ['operator', 'participant:acme'],
      mutates: true,
    },
    {
      name: 'POST submissions/oauth-client',
      method: 'POST',
      url: '/onboardings/acme/submissions/oauth-client',
      payload: {},
      allowed: ['operator', 'participant:acme'],
      mutates: true,
    },
    {
      name: 'POST cancel',
      method: 'POST',
      url: '/onboardings/acme/cancel',
      payload: { reason: 'duplicate application' },
      allowed: ['operator'],
      mutates: true,
    },
    {
      name: 'POST suspend',
      method: 'POST',
      url: '/onboardings/acme/suspend',
      payload: { reason: 'sanctions screening' },
      allowed: ['operator'],
      mutates: true,
    },
    {
      name: 'POST resume',
      method: 'POST',
      url: '/onboardings/acme/resume',
      payload: { reason: 'screening cleared' },
      allowed: ['operator'],
      mutates: true,
    },
    { name: 'GET audit', method: 'GET', url: '/onboardings/acme/audit', allowed: staff },
    {
      name: 'POST submissions/contract-revision',
      method: 'POST',
      url: '/onboardings/acme/submissions/contract-revision',
      payload: { summary: 'clause 7 amended', document: { label: 'contract v2', url: 'https://docs.example/contract-v2.pdf' } },
      allowed: ['operator', 'participant:acme'],
      mutates: true,
    },
    {
      name: 'POST approvals (integration-test)',
      method: 'POST',
      url: '/onboardings/acme/approvals',
      payload: { gate: 'integration-test', decision: 'approved', evidence: [{ label: 'report', url: 'https://docs.example/it.pdf' }] },
      allowed: ['approver:ops'],
      mutates: true,
    },
    {
      name: 'POST approvals (jwt-trust-check)',
      method: 'POST',
      url: '/onboardings/acme/approvals',
      payload: { gate: 'jwt-trust-check', decision: 'approved' },
      allowed: ['approver:security'],
      mutates: true,
    },
    {
      name: 'POST submissions/authorization-service',
      method: 'POST',
      url: '/onboardings/acme/submissions/authorization-service',
      payload: { hubCannotReach: true },
      allowed: ['operator', 'participant:acme'],
      mutates: true,
    },
    {
      name: 'POST submissions/officer-credentials',
      method: 'POST',
      url: '/onboardings/acme/submissions/officer-credentials',
      payload: {},
      allowed: ['operator', 'participant:acme'],
      mutates: true,
    },
    {
      name: 'POST submissions/identifiers',
      method: 'POST',
      url: '/onboardings/acme/submissions/identifiers',
      payload: { identifiers: ['UA-1'] },
      allowed: ['operator', 'participant:acme'],
      mutates: true,
    },
    { name: 'GET /pki/ca', method: 'GET', url: '/pki/ca', allowed: authenticated },
    {
      name: 'POST /participants/acme/api-keys',
      method: 'POST',
      url: '/participants/acme/api-keys',
      payload: { label: 'kit' },
      allowed: ['operator'],
    },
    { name: 'GET /participants/acme/api-keys', method: 'GET', url: '/participants/acme/api-keys', allowed: [...staff, 'participant:acme'] },
    {
      name: 'POST api-keys/:keyId/rotate',
      method: 'POST',
      url: '/participants/acme/api-keys/key_abc/rotate',
      payload: { reason: 'laptop lost' },
      allowed: ['operator'],
    },
    {
      name: 'POST api-keys/:keyId/revoke',
      method: 'POST',
      url: '/participants/acme/api-keys/key_abc/revoke',
      payload: { reason: 'engineer left' },
      allowed: ['operator'],
    },
    { name: 'GET /metrics', method: 'GET', url: '/metrics', allowed: staff },
    // The Web UI's codec endpoint: staff read payloads; a participant must not read other participants' history.
    { name: 'POST /codec/decode', method: 'POST', url: '/codec/decode', payload: { payloads: [] }, allowed: staff },
    { name: 'POST /codec/encode', method: 'POST', url: '/codec/encode', payload: { payloads: [] }, allowed: staff },
    {
      name: 'POST /pki/checks/certificates',
      method: 'POST',
      url: '/pki/checks/certificates',
      payload: { pem, kind: 'tpp', environment: 'sandbox', role: 'tls-client' },
      allowed: authenticated,
    },
    {
      name: 'POST /pki/checks/csrs',
      method: 'POST',
      url: '/pki/checks/csrs',
      payload: {
        pem,
        kind: 'tpp',
        environment: 'sandbox',
        role: 'tls-client',
        participant: { participantId: 'acme', legalName: 'Acme', country: 'GB' },
      },
      allowed: authenticated,
    },
  ];

const cells = routes.flatMap((route) => Object.keys(callers).map((caller) => [route.name, caller, route, caller] as const));

describe('route × caller matrix', () => {
  it.each(cells)('%s as %s', async (_r, _c, route, caller) => {
    calls.length = 0;
    const res = await app.inject({
      method: route.method,
      url: route.url,
      headers: callers[caller],
      ...(route.payload ? { payload: route.payload as object } : {}),
    });
    const expected = route.allowed === 'public' ? 200 : !authenticated.includes(caller) ? 401 : route.allowed.includes(caller) ? 'ok' : 403;
    if (expected === 'ok') {
      expect([res.statusCode >= 200 && res.statusCode < 300, res.body]).toEqual([true, res.body]);
      if (route.mutates) expect(calls).toHaveLength(1);
    } else {
      expect(res.statusCode).toBe(expected);
      if (expected !== 200) {
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().code).toBe(expected === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        if (expected === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
        // Refused before anything reached the workflows.
        expect(calls).toEqual([]);
      }
    }
  });
});

describe("a bank's hub JWT key", () => {
  it('is read by staff and the participant itself, and is 404 JWT_KEY_NOT_READY before the onboarding made one', async () => {
    const url = '/onboardings/acme/jwt-key?environment=production';
    expect((await app.inject({ method: 'GET', url, headers: callers['participant:other'] })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
    for (const caller of ['participant:acme', 'viewer'] as const) {
      const res = await app.inject({ method: 'GET', url, headers: callers[caller] });
      expect([res.statusCode, res.json().code]).toEqual([404, 'JWT_KEY_NOT_READY']);
    }
    expect(
      (await app.inject({ method: 'GET', url: '/onboardings/acme/jwt-key?environment=staging', headers: callers.viewer })).statusCode,
    ).toBe(400);
  });
});

describe('metrics', () => {
  it('counts requests by route pattern and status, never by participant id', async () => {
    await app.inject({ method: 'POST', url: '/onboardings', payload: startBody('metrics-1'), headers: callers.operator });
    await app.inject({ method: 'GET', url: '/onboardings/metrics-1', headers: callers['participant:other'] });
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: callers.viewer });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/onboarding_api_requests_total\{method="POST",route="\/onboardings",status_code="201"\} [1-9]/);
    expect(res.body).toMatch(/onboarding_api_requests_total\{method="GET",route="\/onboardings\/:participantId",status_code="403"\} [1-9]/);
    expect(res.body).toMatch(
      /onboarding_api_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/onboardings",status_code="201"\}/,
    );
    expect(res.body).not.toContain('metrics-1');
  });
});

describe('authorization before validation', () => {
  const post = (url: string, caller: string, payload: unknown) =>
    app.inject({
      method: 'POST',
      url,
      headers: { ...callers[caller], 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });

  it('answers 403 (not 400 with the schema) to a caller who may not call the route, whatever the body', async () => {
    calls.length = 0;
    for (const body of [{}, { gate: 'no-such-gate' }, { gate: 'contract', decision: 'maybe', extra: 1 }, [1, 2], null]) {
      const res = await post('/onboardings/acme/approvals', 'participant:acme', body);
      expect([JSON.stringify(body), res.statusCode, res.json().code, res.json()['invalid-params']]).toEqual([
        JSON.stringify(body),
        403,
        'FORBIDDEN',
        undefined,
      ]);
    }
    const start = await post('/onboardings', 'viewer', { participantId: 'acme', kind: 'bogus' });
    expect([start.statusCode, start.json().code]).toEqual([403, 'FORBIDDEN']);
    const submit = await post('/onboardings/acme/submissions/certificate-bundle', 'participant:other', { nonsense: true });
    expect([submit.statusCode, submit.json().code]).toEqual([403, 'FORBIDDEN']);
    expect(calls).toEqual([]);
  });

  it('lets validation answer an approver whose decision names no known gate, and names the missing role for a gate of another team', async () => {
    const unknown = await post('/onboardings/acme/approvals', 'approver:legal', { gate: 'no-such-gate', decision: 'approved' });
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const wrongTeam = await post('/onboardings/acme/approvals', 'approver:business', { gate: 'contract', decision: 'approved' });
    expect([wrongTeam.statusCode, wrongTeam.json().code]).toEqual([403, 'FORBIDDEN']);
    expect(wrongTeam.json().detail).toBe(
      "bea may not POST /onboardings/:participantId/approvals: approver:legal (contract is the legal team's gate)",
    );
    expect(wrongTeam.json().context).toEqual({ needs: "approver:legal (contract is the legal team's gate)" });
  });
});

describe('identity', () => {
  it('records the authenticated principal as the approver and the submitter, whatever the body says', async () => {
    calls.length = 0;
    const sneaky = await app.inject({
      method: 'POST',
      url: '/onboardings/acme/approvals',
      headers: callers['approver:business'],
      payload: { gate: 'application-review', decision: 'approved', decidedBy: 'the-ceo' },
    });
    expect(sneaky.statusCode).toBe(400);
    expect(sneaky.json()['invalid-params']).toEqual([{ name: 'body.decidedBy', reason: 'unknown field' }]);
    await app.inject({
      method: 'POST',
      url: '/onboardings/acme/approvals',
      headers: callers['approver:business'],
      payload: { gate: 'application-review', decision: 'approved' },
    });
    await app.inject({
      method: 'POST',
      url: '/onboardings/acme/submissions/certificate-bundle',
      headers: callers['participant:acme'],
      payload: { pem },
    });
    expect(calls).toEqual(['decide application-review by bea', 'submit by it@acme']);
  });

  it('knows only the grants it documents (a key file holding another is refused at start)', () => {
    expect(['viewer', 'operator', 'approver:legal', 'participant:acme-pay'].map((g) => grantSchema.safeParse(g).success)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['admin', 'approver:cafeteria', 'participant:Not Valid', 'participant:'].map((g) => grantSchema.safeParse(g).success)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
