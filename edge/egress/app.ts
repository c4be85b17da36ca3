/**
 * The hub's egress for the switch's calls to DFSPs (`EDGE_EGRESS_LISTEN`, loopback: the sandbox
 * switch and the hub's own services are its only callers). A request to
 * `/<environment>/<fspId>/<FSPIOP path>` goes to that DFSP's callback endpoint for the resource —
 * only while its access in the environment is granted, only to the endpoints the hub proved it
 * reaches — through the one egress rule (https, the address checked and then connected to), with
 * the hub's client certificate that the DFSP's CA signed, verifying the DFSP's accepted server
 * chain and host name. Headers and body pass unchanged (the FSPIOP signature stays the sender's).
 */
import https from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { environments, type Environment } from '../../workflows/vocabulary';
import { callbackTarget, type CallbackRoute } from '../../activities/network/callback-routes';
import { routeTo, type EgressConfig } from '../../activities/network/egress';
import type { OutboundClientIdentity } from '../../activities/pki/hub-client-keys';
import { EdgeRefusal } from '../verifier/fspiop-errors';

export interface EgressDeps {
  logger: FastifyBaseLogger;
  /** Whether the DFSP's access in the environment is granted (the switch sends nothing to a suspended or unlaunched DFSP). */
  granted: (participantId: string, environment: Environment) => Promise<boolean>;
  route: (participantId: string, environment: Environment) => Promise<CallbackRoute | null>;
  /** The hub's client key and certificate towards the DFSP (its CA signed it). */
  identity: (participantId: string, environment: Environment) => Promise<OutboundClientIdentity | null>;
  egress: EgressConfig;
  timeoutMs: number;
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(
  url: URL,
  connect: { host: string; port: number },
  options: {
    method: string;
    headers: Record<string, string>;
    body: Buffer;
    identity: OutboundClientIdentity;
    ca: string | null;
    timeoutMs: number;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const withBody = options.body.length > 0;
    const req = https.request(
      {
        host: connect.host,
        port: connect.port,
        method: options.method,
        path: `${url.pathname}${url.search}`,
        headers: { ...options.headers, host: url.host, ...(withBody ? { 'content-length': String(options.body.length) } : {}) },
        // TLS checks the URL's name (not the address connected to) against the DFSP's accepted chain.
        servername: isIP(host) === 0 ? host : undefined,
        checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
        cert: options.identity.certificatePem,
        key: options.identity.keyPem,
        ...(options.ca !== null ? { ca: options.ca } : {}),
        rejectUnauthorized: true,
        timeout: options.timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(withBody ? options.body : undefined);
  });
}

export function buildEgress(deps: EgressDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger, bodyLimit: 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.all('/*', async (request, reply) => {
    const [, environment = '', fspId = '', ...rest] = request.url.split('/');
    const path = `/${rest.join('/')}`;
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      if (!(environments as readonly string[]).includes(environment)) {
        throw new EdgeRefusal(
          'EGRESS_NOT_A_CALLBACK',
          `${environment || '(none)'} is not an environment: call /<environment>/<fspId>/<path>`,
        );
      }
      const env = environment as Environment;
      const participantId = decodeURIComponent(fspId);
      if (!(await deps.granted(participantId, env))) throw new EdgeRefusal('EGRESS_NOT_ADMITTED', `${participantId} in ${env}`);
      const route = await deps.route(participantId, env);
      if (route === null) throw new EdgeRefusal('EGRESS_NO_ROUTE', `${participantId} has proved no callback endpoint in ${env}`);
      const target = callbackTarget(route, request.method, path);
      if (target.url === null)
        throw new EdgeRefusal(target.reason.includes('registered no') ? 'EGRESS_NO_ROUTE' : 'EGRESS_NOT_A_CALLBACK', target.reason);
      const routed = await routeTo(target.url, deps.egress, target.url);
      if (routed.route === null) throw new EdgeRefusal('EGRESS_DESTINATION', routed.finding.message);
      const identity = await deps.identity(participantId, env);
      if (identity === null)
        throw new EdgeRefusal('EGRESS_NO_ROUTE', `the hub has no client certificate towards ${participantId} in ${env}`);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (!hopByHop.has(name.toLowerCase()) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      let answer: Answer;
      const started = Date.now();
      try {
        answer = await send(new URL(target.url), routed.route.connect, {
          method: request.method,
          headers,
          body,
          identity,
          ca: route.serverCaPem,
          timeoutMs: deps.timeoutMs,
        });
      } catch (err) {
        throw new EdgeRefusal('EGRESS_UNREACHABLE', `${new URL(target.url).origin}: ${(err as Error).message}`);
      }
      request.log.info(
        {
          participantId,
          environment: env,
          endpoint: target.type,
          method: request.method,
          status: answer.status,
          elapsedMs: Date.now() - started,
        },
        'egress sent',
      );
      reply.code(answer.status);
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!hopByHop.has(name) && value !== undefined) reply.header(name, value);
      }
      return reply.send(answer.body);
    } catch (err) {
      if (!(err instanceof EdgeRefusal)) throw err;
      request.log.warn({ environment, fspId, code: err.code, cause: err.message, method: request.method, path }, 'egress refused');
      return reply.code(err.status).type('application/vnd.interoperability.error+json;version=1.1').send(err.fspiopBody());
    }
  });
  return app;
}
