/**
 * The live check of a bank's authorization service (seed 001, "Authorization via JWT"): the hub
 * presents a JWT signed with its key for the environment to the bank's authorization URL over TLS
 * (`Authorization: Bearer …`); the service must accept it (2xx) — proof that the bank installed the
 * hub's public key. The URL is a server-side request target, so the endpoint SSRF rules apply
 * (https only; in production no private, loopback or link-local host). A failure names its cause:
 * the JWT refused (401/403), another answer, or the connection (refused, timeout, DNS, TLS: unknown
 * CA, name mismatch, expired certificate).
 */
import { request } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { classify, type ConnectivityCause } from './connectivity-probe';
import { routeTo, type EgressConfig, type EgressRoute } from './egress';
import { CheckReport, Finding, finding, summarise } from '../pki/findings';
import type { Environment } from '../../workflows/vocabulary';

export interface AuthorizationCheckInput {
  url: string;
  environment: Environment;
  /** The signed test JWT and its key id. */
  jwt: string;
  kid: string;
  /** The CA chain of the bank's TLS server when not publicly trusted; null: the system's roots. */
  caPem: string | null;
  timeoutMs: number;
  /** The hub's one way out (activities/network/egress.ts): connect-to entries and the resolver. */
  egress: EgressConfig;
}

/** The JWT refused or another answer, or why the connection failed — in the connectivity proof's words. */
export type AuthorizationCause = 'jwt-refused' | 'unexpected-status' | ConnectivityCause;

export interface AuthorizationCheckReport extends CheckReport {
  url: string;
  kid: string;
  httpStatus: number | null;
  cause: AuthorizationCause | null;
  elapsedMs: number;
}

/** One GET with the JWT; the status, or the connection's failure. */
function present(
  url: URL,
  route: EgressRoute,
  input: AuthorizationCheckInput,
): Promise<{ status: number } | { error: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = request(
      {
        // Exactly the address the egress checked (or the configured connect-to target): no second lookup.
        host: route.connect.host,
        port: route.connect.port,
        // SNI takes names only; the certificate is checked against the URL's host, wherever the socket connects.
        ...(isIP(route.host) === 0 ? { servername: route.host } : {}),
        checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(route.host, cert),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { host: url.host, authorization: `Bearer ${input.jwt}`, accept: 'application/json' },
        ...(input.caPem ? { ca: input.caPem } : {}),
        timeout: input.timeoutMs,
        // A fresh connection each time: a check must see the bank's TLS server as it is now.
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', (error) => resolve({ error }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${input.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    req.end();
  });
}

export async function checkAuthorizationService(input: AuthorizationCheckInput): Promise<AuthorizationCheckReport> {
  const findings: Finding[] = [];
  const started = Date.now();
  const done = (httpStatus: number | null, cause: AuthorizationCause | null): AuthorizationCheckReport => ({
    ...summarise(findings, input.environment === 'production'),
    url: input.url,
    kid: input.kid,
    httpStatus,
    cause,
    elapsedMs: Date.now() - started,
  });
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    findings.push(finding('ENDPOINT_URL_VALID', 'fail', 'the authorization URL is not an absolute URL'));
    return done(null, null);
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hash !== '') {
    findings.push(
      finding('ENDPOINT_HTTPS', 'fail', 'the authorization URL must be https, without credentials or fragment: the JWT travels in it'),
    );
    return done(null, null);
  }
  findings.push(finding('ENDPOINT_HTTPS', 'pass', 'https'));
  const egress = await routeTo(url, input.egress, url.origin);
  findings.push(egress.finding);
  if (egress.route === null) return done(null, null);

  const answer = await present(url, egress.route, input);
  if ('error' in answer) {
    const { cause, message, errorCode, alert } = classify(
      answer.error,
      input.caPem
        ? 'the CA you sent (caPem)'
        : "a public CA the hub trusts — none was sent: if your service's certificate is from a private CA, send that CA as caPem",
    );
    findings.push(
      finding('AUTHORIZATION_REACHABLE', 'fail', `the hub could not reach ${url.origin}: ${cause} — ${message}`, {
        cause,
        code: errorCode,
        ...(alert ? { alert } : {}),
      }),
    );
    return done(null, cause);
  }
  findings.push(finding('AUTHORIZATION_REACHABLE', 'pass', `${url.origin} answered ${answer.status} over TLS`));
  if (answer.status >= 200 && answer.status < 300) {
    findings.push(
      finding('AUTHORIZATION_JWT_ACCEPTED', 'pass', `the service accepted the hub's JWT (kid ${input.kid})`, { httpStatus: answer.status }),
    );
    return done(answer.status, null);
  }
  const refused = answer.status === 401 || answer.status === 403;
  findings.push(
    finding(
      'AUTHORIZATION_JWT_ACCEPTED',
      'fail',
      refused
        ? `the service refused the hub's JWT with ${answer.status}: install the hub's public key (kid ${input.kid}) for this environment`
        : `the service answered ${answer.status}, not 2xx, to the hub's JWT`,
      { httpStatus: answer.status },
    ),
  );
  return done(answer.status, refused ? 'jwt-refused' : 'unexpected-status');
}
