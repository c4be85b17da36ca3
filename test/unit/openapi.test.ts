/**
 * The OpenAPI 3.1 document is generated from the zod schemas the routes validate and serialise
 * with: every route is in it with its request and response schemas, and real responses validate
 * against it (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 */
import Ajv2020 from 'ajv/dist/2020';
import type { RouteOptions } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../api/app';
import type { OnboardingPort } from '../../api/onboarding-gateway';
import { testKeys } from '../support/auth';
import { startBody } from '../support/requests';
import { progressOf } from '../../workflows/messages';
import { sampleDecision, sampleStatus, sampleSubmissionOutcome } from '../support/samples';

const keys = testKeys();
const gateway: OnboardingPort = {
  start: async (body) => ({
    created: true,
    workflowId: `onboarding-${body.participantId}`,
    progress: progressOf(sampleStatus(body.participantId)),
  }),
  status: async (id) => ({ workflowId: `onboarding-${id}`, onboarding: sampleStatus(id) }),
  decide: async (_id, d) => sampleDecision(d.gate, d.decision, d.decidedBy),
  submit: async (_id, s) => sampleSubmissionOutcome(s.submittedBy),
  search: async () => ({
    onboardings: [
      {
        participantId: 'acme',
        workflowId: 'onboarding-acme',
        execution: 'RUNNING',
        kind: 'tpp',
        environment: 'sandbox',
        step: 'application-review',
        state: 'awaiting-approval',
        awaitingRoles: ['business'],
        openWaits: ['application-review@sandbox'],
        refusedSubmissions: [],
        waitingSince: '2026-11-23T10:00:00.000Z',
        certificateState: null,
        startedAt: '2026-11-23T10:00:00.000Z',
      },
    ],
    nextPageToken: null,
  }),
  stuck: async () => ({
    groups: [
      {
        wait: 'application-review@sandbox',
        awaitingRole: 'business',
        count: 1,
        refused: 0,
        oldestWaitingSince: '2026-11-23T10:00:00.000Z',
        participantIds: ['acme'],
      },
    ],
    scanned: 1,
    truncated: false,
  }),
  ping: async () => undefined,
  cancel: async () => undefined,
  halt: async () => Promise.reject(new Error('not used')),
  openRound: async () => Promise.reject(new Error('not used')),
};

const routes: RouteOptions[] = [];
const app = buildApp({
  gateway,
  authenticator: keys.authenticator,
  logger: pino({ level: 'silent' }),
  caChainPem: async () => '-----BEGIN CERTIFICATE-----\n',
});
// Routes in plugins register when the app loads: record them as they do.
app.addHook('onRoute', (route) => void routes.push(route));

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  parameters?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
let document: { openapi: string; paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, object> } };

beforeAll(async () => {
  await app.ready();
  const res = await app.inject('/openapi.json');
  expect(res.statusCode).toBe(200);
  document = res.json();
});

const documented = (route: RouteOptions) => !route.url.startsWith('/docs') && route.url !== '/openapi.json' && route.method !== 'HEAD';
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, served without a token, with Swagger UI at /docs', async () => {
    expect(document.openapi).toBe('3.1.0');
    const docs = await app.inject('/docs/');
    expect([docs.statusCode, docs.headers['content-type']]).toEqual([200, expect.stringContaining('text/html')]);
  });

  it('lists every route with its response schema, and a request schema wherever the route takes input', () => {
    const missing: string[] = [];
    const ours = routes.filter(documented);
    expect(ours.length).toBeGreaterThanOrEqual(12);
    for (const route of ours) {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        const op = document.paths[openApiPath(route.url)]?.[method.toLowerCase()];
        if (!op) {
          missing.push(`${method} ${route.url}: not in the document`);
          continue;
        }
        const ok = Object.entries(op.responses).find(([status]) => status.startsWith('2'));
        if (!ok || !ok[1].content) missing.push(`${method} ${route.url}: no success response schema`);
        if (!op.responses['4XX'] && !op.responses['4xx']) missing.push(`${method} ${route.url}: no problem+json error schema`);
        if (method === 'POST' && !op.requestBody) missing.push(`${method} ${route.url}: no request body schema`);
        if (route.url.includes(':') && !(op.parameters ?? []).length) missing.push(`${method} ${route.url}: no path parameter schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes what the API really answers (responses validated against the document)', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) ajv.addSchema(schema, `#/components/schemas/${name}`);
    const calls = [
      {
        method: 'POST' as const,
        url: '/onboardings',
        path: '/onboardings',
        payload: startBody('doc-1'),
        headers: keys.as('otto', 'operator'),
      },
      { method: 'GET' as const, url: '/onboardings/doc-1', path: '/onboardings/{participantId}', headers: keys.as('vera', 'viewer') },
      { method: 'GET' as const, url: '/onboardings?kind=tpp', path: '/onboardings', headers: keys.as('vera', 'viewer') },
      { method: 'GET' as const, url: '/onboardings/stuck', path: '/onboardings/stuck', headers: keys.as('vera', 'viewer') },
      {
        method: 'POST' as const,
        url: '/onboardings/doc-1/approvals',
        path: '/onboardings/{participantId}/approvals',
        payload: { gate: 'application-review', decision: 'approved' },
        headers: keys.as('bea', 'approver:business'),
      },
      {
        method: 'POST' as const,
        url: '/onboardings/doc-1/submissions/certificate-bundle',
        path: '/onboardings/{participantId}/submissions/certificate-bundle',
        payload: { pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
        headers: keys.as('it@doc-1', 'participant:doc-1'),
      },
      {
        method: 'POST' as const,
        url: '/pki/checks/certificates',
        path: '/pki/checks/certificates',
        payload: { pem: 'not a certificate', kind: 'tpp', environment: 'sandbox', role: 'tls-client' },
        headers: keys.as('vera', 'viewer'),
      },
      {
        method: 'GET' as const,
        url: '/onboardings/doc-1',
        path: '/onboardings/{participantId}',
        headers: keys.as('it@other', 'participant:other'),
      },
      { method: 'GET' as const, url: '/onboardings?state=stalled', path: '/onboardings', headers: keys.as('vera', 'viewer') },
    ];
    const failures: string[] = [];
    for (const call of calls) {
      const res = await app.inject({
        method: call.method,
        url: call.url,
        headers: call.headers,
        ...(call.payload ? { payload: call.payload } : {}),
      });
      const responses = document.paths[call.path]?.[call.method.toLowerCase()]?.responses ?? {};
      const entry =
        responses[String(res.statusCode)] ?? responses[`${String(res.statusCode)[0]}XX`] ?? responses[`${String(res.statusCode)[0]}xx`];
      const schema = entry?.content && Object.values(entry.content)[0]?.schema;
      if (!schema) {
        failures.push(`${call.method} ${call.url} → ${res.statusCode}: status not documented`);
        continue;
      }
      if (!ajv.validate(schema, res.json())) failures.push(`${call.method} ${call.url} → ${res.statusCode}: ${ajv.errorsText()}`);
    }
    expect(failures).toEqual([]);
  });
});
