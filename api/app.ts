import { context as otelContext, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { requestContext } from '../config/tracing';
import Fastify, { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, ZodTypeProvider } from 'fastify-type-provider-zod';
import { ApiError, errorHandler, problemBody, sendProblem } from './errors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { access, Authenticator, Principal } from './auth';
import { registerMetrics } from './metrics';
import type { JwsKeyRecord } from '../activities/keys/participant-keys';
import type { Environment } from '../workflows/messages';
import { metricsText, problems } from './schemas/responses';
import type { OnboardingPort } from './onboarding-gateway';
import { healthRoutes } from './routes/health';
import { onboardingRoutes, type SecretRedeemer } from './routes/onboardings';

export type { SecretRedeemer };
import { pkiRoutes } from './routes/pki';
import { connectionPackRoutes } from './routes/connection-pack';
import { uatRunRoutes, type UatRunEvidenceStore } from './routes/uat-runs';
import type { ConnectionPackSources } from './connection-pack';
import { apiKeyRoutes, type ApiKeyRoutesOptions } from './routes/api-keys';
import { codecRoutes, type CodecRoutesOptions } from './routes/codec';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (null on public routes). */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a token (health and documentation only). */
    public?: boolean;
    /** Whether the authenticated caller may call this route with this request; absent: nobody may. */
    authorize?: (principal: Principal, request: FastifyRequest) => boolean;
    /** What grant the route needed, in words, for the 403 (`approver:legal — contract is the legal team's gate`). */
    needs?: (request: FastifyRequest) => string;
    /** The credential may come in the path (`:key`) when no Authorization header is sent (the codec endpoint for a UI without sign-in). */
    pathCredential?: boolean;
  }
}

export interface AppDeps {
  /** Tracing (config/tracing.ts): each request a span, the parent of what it asks Temporal to do. */
  tracer?: Tracer;
  gateway: OnboardingPort;
  authenticator: Authenticator;
  logger: Logger;
  /** The hub CA chain PEM (null until the CA exists). */
  caChainPem?: () => Promise<string | null>;
  bodyLimitBytes?: number;
  /** Requests per principal per minute; absent: 600. */
  rateLimitPerMinute?: number;
  /** The Web UI's codec endpoint (/codec/encode, /codec/decode), with the UI origins CORS admits. */
  codec?: CodecRoutesOptions;
  /** The live JWS keys of the directory (participants' and the hub's); absent: the directory is empty. */
  jwsKeys?: (environment?: Environment) => Promise<JwsKeyRecord[]>;
  /** What participants (`viewers`) may see of it: the hub's keys, their own, their peers' where they hold a key; absent: every live key. */
  publishedJwsKeys?: (viewers: string[], environment?: Environment) => Promise<JwsKeyRecord[]>;
  /** The hub's TLS server certificate chain (what participants' clients see), or null while none exists. */
  hubServerCertificatePem?: () => Promise<string | null>;
  /** Redeems the one-time pickup of a secret an activity made (OAuth client secrets); absent: secrets are never shown. */
  secretPickups?: SecretRedeemer;
  /** Rotates the hub's own JWS key (`POST /hub/jws-key/rotations`); absent: not offered. */
  rotateHubJwsKey?: () => Promise<{ previousKid: string; kid: string; previousValidUntil: string }>;
  /** What DFSPs' connection packs are made of (beside the CA, the hub certificate and the JWS keys above); absent: no pack routes. */
  connectionPacks?: Pick<ConnectionPackSources, 'hubClientCertificate' | 'versions' | 'settings'>;
  /** The evidence of the hub's UAT runs (`/onboardings/:id/uat-runs`); absent: no run routes. */
  uatRuns?: UatRunEvidenceStore;
  /** Participants' API keys managed through the API (`/participants/:id/api-keys`); absent: no key routes. */
  apiKeys?: ApiKeyRoutesOptions;
  /** A participant key may start its own onboarding (`POST /onboardings` for its own id); default false. */
  participantSelfStart?: boolean;
}

/** Builds the app without listening: tests call it with `app.inject`. */
/**
 * A span per request (`POST /onboardings/:id/approvals`), child of the caller's `traceparent` if
 * it sent one; the rest of the request runs inside it, so the Temporal client's spans (start,
 * update, query) and through their headers the workflow's and activities' are its children.
 */
function traceRequests(app: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<object, Span>();
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'hub.request_id': request.id } },
      requestContext(request.headers),
    );
    spans.set(request, span);
    otelContext.with(trace.setSpan(otelContext.active(), span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span !== undefined) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A request that has not arrived whole in 30 s is dropped (slow-body clients hold no worker).
    requestTimeout: 30_000,
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    // Request ids let a caller's report be found in the logs: the caller's x-request-id when it is
    // a short token, ours otherwise (a header is never logged verbatim).
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
    },
    // The router's own errors (a malformed URL) as problem+json too.
    frameworkErrors: (error, request, reply) => {
      void sendProblem(reply, {
        ...problemBody('VALIDATION_FAILED', `The request line cannot be read: ${error.message}`),
        instance: request.url,
      });
    },
  }).withTypeProvider<ZodTypeProvider>();

  if (deps.tracer !== undefined) traceRequests(app, deps.tracer);

  // JSON only: a text/plain body is 415, not a string handed to the JSON schemas.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not accepted: send the body uncompressed`);
    }
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(request.headers['content-type'] ?? '')?.[2];
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not accepted: send UTF-8 JSON`);
    }
  });

  // Security headers for every answer (a JSON API: no inline anything needed).
  app.register(helmet, { global: true });
  // Per principal (after authentication), so one runaway tool cannot starve the others.
  app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: deps.rateLimitPerMinute ?? 600,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.principal ? `principal:${request.principal.name}` : `ip:${request.ip}`),
    allowList: (request) => request.routeOptions.config.public === true,
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMITED', `More than ${context.max} requests in a minute; retry after ${context.after}`),
  });

  app.decorateRequest('principal', null);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Authentication before anything reads the body; authorisation before validation (a caller who may
  // not call the route learns nothing of its schema), on the parsed but unvalidated body where a route
  // decides by what it asks (a gate's approver role): those reads are defensive.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public === true) return;
    // A CORS preflight carries no credentials by design (Fetch standard): @fastify/cors answers it, for its routes' origins only.
    if (request.method === 'OPTIONS') return;
    const header = request.headers.authorization;
    // The scheme name is case-insensitive (RFC 9110 11.1): `bearer`, `BEARER` and `Bearer` alike.
    const inPath = request.routeOptions.config.pathCredential === true ? (request.params as { key?: string }).key : undefined;
    const token =
      typeof header === 'string' ? (/^Bearer +([^\s]{1,4096})$/i.exec(header)?.[1] ?? null) : inPath !== undefined ? inPath : null;
    request.principal = token === null ? null : await deps.authenticator.authenticate(token);
    if (request.principal === null)
      throw new ApiError(
        'UNAUTHENTICATED',
        token === null ? 'Send Authorization: Bearer <API key or access token>' : 'The token is not valid',
      );
  });
  app.addHook('preValidation', async (request) => {
    const { public: isPublic, authorize } = request.routeOptions.config;
    // No route matched (routeOptions.url unset): the not-found handler answers 404.
    if (isPublic === true || request.principal === null || request.routeOptions.url === undefined) return;
    if (authorize === undefined || !authorize(request.principal, request)) {
      const needs = request.routeOptions.config.needs?.(request);
      throw new ApiError(
        'FORBIDDEN',
        `${request.principal.name} may not ${request.method} ${request.routeOptions.url ?? request.url}${needs ? `: ${needs}` : ''}`,
        needs ? { context: { needs } } : {},
      );
    }
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    // A known path with another method is 405 with the methods it has, not 404.
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      return sendProblem(reply.header('allow', allowed.join(', ')), {
        ...problemBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`),
        instance: request.url,
      });
    }
    return sendProblem(reply, {
      ...problemBody('ROUTE_NOT_FOUND', `${request.method} ${request.url} is not a route of this API`),
      instance: request.url,
    });
  });

  // OpenAPI 3.1 generated from the same zod schemas that validate requests and serialise responses.
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Onboarding orchestrator API',
        version: '1.0.0',
        description: 'Participant onboarding for payment hubs, as durable Temporal workflows.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (obk_…) or a JWT access token' } },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // Swagger UI's own routes are public documentation, like the document itself.
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...(route.config ?? {}), public: true };
  });
  app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' }, staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());

  const metrics = registerMetrics(app);
  app.register(async (scope) => {
    scope
      .withTypeProvider<ZodTypeProvider>()
      .get(
        '/metrics',
        { schema: { response: { 200: metricsText, ...problems } }, config: { authorize: (p) => access.readAll(p, undefined) } },
        async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
      );
  });

  app.register(healthRoutes, { gateway: deps.gateway });
  const bodyLimit = deps.bodyLimitBytes ?? 1024 * 1024;
  app.register(onboardingRoutes, {
    gateway: deps.gateway,
    participantSelfStart: deps.participantSelfStart ?? false,
    ...(deps.secretPickups ? { secretPickups: deps.secretPickups } : {}),
    bodyLimits: { form: Math.min(64 * 1024, bodyLimit), pem: bodyLimit },
  });
  const allKeys = deps.jwsKeys ?? (async () => []);
  const publishedJwsKeys = deps.publishedJwsKeys ?? ((_viewers: string[], environment?: Environment) => allKeys(environment));
  if (deps.connectionPacks) {
    app.register(connectionPackRoutes, {
      gateway: deps.gateway,
      sources: {
        ...deps.connectionPacks,
        caChainPem: deps.caChainPem ?? (async () => null),
        hubServerCertificatePem: deps.hubServerCertificatePem ?? (async () => null),
        jwsKeys: publishedJwsKeys,
      },
    });
  }
  if (deps.uatRuns) app.register(uatRunRoutes, { gateway: deps.gateway, runs: deps.uatRuns });
  if (deps.apiKeys) app.register(apiKeyRoutes, deps.apiKeys);
  if (deps.codec) app.register(codecRoutes, deps.codec);
  app.register(pkiRoutes, {
    caChainPem: deps.caChainPem ?? (async () => null),
    jwsKeys: deps.jwsKeys ?? (async () => []),
    publishedJwsKeys,
    hubServerCertificatePem: deps.hubServerCertificatePem ?? (async () => null),
    ...(deps.rotateHubJwsKey ? { rotateHubJwsKey: deps.rotateHubJwsKey } : {}),
  });
  return app;
}
