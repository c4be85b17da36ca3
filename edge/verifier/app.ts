/**
 * The edge's verifying hop: nginx terminates TLS, checks the client certificate and the source
 * address, names the participant and environment, and hands every admitted request here (with
 * the presented certificate and the body, which nginx's auth_request could not see). This checks
 * the rest before any upstream sees the request — the OAuth access token for every participant;
 * for DFSPs (participants that have had a JWS key) Mojaloop's FSPIOP-Source and FSPIOP-Signature — and
 * forwards what passes to the environment's upstream. Refusals answer in the traffic's own terms:
 * Mojaloop error bodies for FSPIOP, problem+json otherwise; each is logged with the participant,
 * the environment and the cause, never the token.
 */
import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { requestContext } from '../../config/tracing';
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import http from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { verifyAccessToken, type TokenVerifier } from './access-token';
import { EdgeRefusal } from './fspiop-errors';
import { verifyFspiopRequest } from './fspiop-signature';

export interface EdgeVerifierDeps {
  logger: FastifyBaseLogger;
  /** Tracing (config/tracing.ts): a span per decision, child of the caller's `traceparent`. */
  tracer?: Tracer;
  /** The shared key nginx sends (X-Edge-Key): nothing but the gateway may speak for a certificate. */
  gatewayKey: string;
  tokens: TokenVerifier;
  /**
   * The participant's JWS keys in the environment: null for a participant that never had one (not a
   * DFSP: token checks only), else its live keys — empty once retired, and then every request is refused.
   */
  jwsKeys: (participantId: string, environment: string) => Promise<KeyObject[] | null>;
  /** SHA-256 (hex) of each certificate the participant may present in the environment (hub-issued or its own accepted). */
  pinned: (participantId: string, environment: string) => Promise<ReadonlySet<string>>;
  /** The scope FSPIOP traffic needs (a DFSP's gateway client); other APIs need the scope named by the path's first segment. */
  fspiopScope: string;
  /** `http://host:port` behind each environment. */
  upstream: (environment: string) => string;
}

/** Headers that describe one hop, not the request: never forwarded. */
// content-encoding passes through: the upstream's body goes back as it came.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'host',
  'content-length',
  'content-encoding',
]);
/** What nginx tells the hop: the hop strips them and sets its own for the upstream. */
const fromGateway = ['x-edge-key', 'x-client-cert', 'x-participant-id', 'x-hub-environment', 'x-client-serial'];

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** nginx's `$ssl_client_escaped_cert` (URL-encoded PEM); '' when absent or not decodable (then refused as not pinned). */
function decodedCertificate(escaped: string | undefined): string {
  try {
    return decodeURIComponent(escaped ?? '');
  } catch {
    return '';
  }
}

function sha256Of(pem: string): string {
  try {
    return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
  } catch {
    return '';
  }
}

/** Kept-alive connections to the upstreams. */
const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** The request to the upstream, as checked; the whole answer back (FSPIOP bodies are small). */
function forward(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const withBody = body.length > 0 && method !== 'GET' && method !== 'HEAD';
    const req = http.request(
      url,
      {
        method,
        headers: withBody ? { ...headers, 'content-length': String(body.length) } : headers,
        agent: upstreamAgent,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('the upstream did not answer in 30 s')));
    req.on('error', reject);
    req.end(withBody ? body : undefined);
  });
}

export function buildEdgeVerifier(deps: EdgeVerifierDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger, bodyLimit: 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.all('/*', async (request, reply) => {
    const headers = request.headers;
    if (single(headers['x-edge-key']) !== deps.gatewayKey) {
      return reply
        .code(403)
        .type('application/problem+json')
        .send({ type: '/problems/forbidden', title: 'Only the gateway speaks to the edge', status: 403 });
    }
    const participantId = single(headers['x-participant-id']) ?? '';
    const environment = single(headers['x-hub-environment']) ?? '';
    const certificatePem = decodedCertificate(single(headers['x-client-cert']));
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const keys = await deps.jwsKeys(participantId, environment);
    const fspiop = keys !== null;
    const path = request.url;
    const span = deps.tracer?.startSpan(
      'edge decision',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'hub.participant_id': participantId,
          'hub.environment': environment,
          'http.request.method': request.method,
          'hub.fspiop': fspiop,
        },
      },
      requestContext(headers),
    );
    try {
      // nginx pins the certificate by SHA-1; the hop checks the SHA-256 of exactly what was presented too.
      if (certificatePem === '' || !(await deps.pinned(participantId, environment)).has(sha256Of(certificatePem))) {
        throw new EdgeRefusal('CERTIFICATE_NOT_PINNED', `the certificate presented is not ${participantId}'s in ${environment}`);
      }
      const scope = fspiop ? deps.fspiopScope : (path.split('?')[0]!.split('/')[1] ?? '');
      const clientId = await verifyAccessToken(
        { authorization: single(headers.authorization), participantId, environment, certificatePem, scope },
        deps.tokens,
      );
      if (fspiop) {
        const lower: Record<string, string | undefined> = Object.fromEntries(
          Object.entries(headers).map(([k, v]) => [k.toLowerCase(), single(v)]),
        );
        await verifyFspiopRequest({ method: request.method, path, headers: lower, body }, participantId, keys ?? []);
      }
      request.log.info({ participantId, environment, clientId, method: request.method, path: path.split('?')[0] }, 'edge admitted');
      span?.setAttributes({ 'hub.decision': 'admitted', 'hub.client_id': clientId });
      span?.end();
    } catch (err) {
      if (!(err instanceof EdgeRefusal)) {
        span?.setStatus({ code: SpanStatusCode.ERROR });
        span?.end();
        throw err;
      }
      span?.setAttributes({ 'hub.decision': 'refused', 'hub.refusal': err.code });
      span?.end();
      request.log.warn({ participantId, environment, code: err.code, cause: err.message, method: request.method }, 'edge refused');
      return fspiop
        ? reply.code(err.status).type('application/vnd.interoperability.error+json;version=1.1').send(err.fspiopBody())
        : reply.code(err.status).type('application/problem+json').send(err.problem());
    }
    const forwarded: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      const key = name.toLowerCase();
      if (hopByHop.has(key) || fromGateway.includes(key) || value === undefined) continue;
      forwarded[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    Object.assign(forwarded, {
      'x-participant-id': participantId,
      'x-hub-environment': environment,
      'x-client-serial': single(headers['x-client-serial']) ?? '',
    });
    // The peer behind the edge sees the decision as the parent of its own work.
    if (span !== undefined) propagation.inject(trace.setSpan(otelContext.active(), span), forwarded);
    const answer = await forward(`${deps.upstream(environment)}${path}`, request.method, forwarded, body);
    reply.code(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!hopByHop.has(name) && value !== undefined) reply.header(name, value);
    }
    return reply.send(answer.body);
  });
  return app;
}
