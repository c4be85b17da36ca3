/**
 * The OAuth access token on every request at the edge: a JWT from the hub's authorization server,
 * verified with its JWKS (signature, `iss`, the environment's audience, `exp`/`nbf`); its client is
 * the participant the client certificate identifies, in this environment; it grants the route's
 * scope; and a certificate-bound client's token is bound to exactly the certificate presented
 * (RFC 8705: `cnf.x5t#S256` is the SHA-256 of the certificate's DER, base64url).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { EdgeRefusal } from './fspiop-errors';

export interface TokenClient {
  participantId: string;
  environment: string;
  /** `tls_client_auth` clients get certificate-bound tokens and must present them with that certificate. */
  certificateBound: boolean;
}

export interface TokenCheck {
  /** The Authorization header as sent. */
  authorization: string | undefined;
  /** The participant and environment the client certificate (nginx) identified. */
  participantId: string;
  environment: string;
  /** The presented client certificate (PEM), for the binding. */
  certificatePem: string;
  /** The scope the route needs. */
  scope: string;
}

export interface TokenVerifier {
  issuer: string;
  /** The audience per environment: a sandbox token is not a production one. */
  audience: (environment: string) => string;
  jwks: JWTVerifyGetKey;
  /** The registered client of a token's `client_id`, or null (unknown or revoked). */
  client: (clientId: string) => Promise<TokenClient | null>;
}

/** RFC 8705's thumbprint of a certificate: SHA-256 of its DER, base64url. */
export function certificateThumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
}

/**
 * A token's verified claims. A verified token is kept (by its text and environment) until it
 * expires, at most a minute: a participant's burst pays for one signature check; the checks of
 * its client, scope and binding still run on every request.
 */
const verified = new Map<string, { payload: Record<string, unknown>; until: number }>();

async function verifiedPayload(token: string, environment: string, verifier: TokenVerifier): Promise<Record<string, unknown>> {
  const key = `${environment} ${token}`;
  const now = Date.now();
  const hit = verified.get(key);
  if (hit !== undefined && hit.until > now) return hit.payload;
  try {
    const { payload } = await jwtVerify(token, verifier.jwks, {
      issuer: verifier.issuer,
      audience: verifier.audience(environment),
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'client_id'],
    });
    if (verified.size > 10_000) verified.clear();
    verified.set(key, { payload, until: Math.min(Number(payload.exp) * 1000, now + 60_000) });
    return payload;
  } catch (err) {
    const why = err instanceof errors.JOSEError ? err.code : 'unreadable';
    throw new EdgeRefusal('TOKEN_INVALID', `the token was refused (${why})`);
  }
}

/** Throws an EdgeRefusal unless the token admits this request; returns the client id. */
export async function verifyAccessToken(check: TokenCheck, verifier: TokenVerifier): Promise<string> {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(check.authorization ?? '');
  if (match === null) throw new EdgeRefusal('TOKEN_MISSING', 'no Bearer token in Authorization');
  const payload = await verifiedPayload(match[1]!, check.environment, verifier);
  const clientId = String(payload.client_id);
  const client = await verifier.client(clientId);
  if (client === null || client.participantId !== check.participantId || client.environment !== check.environment) {
    throw new EdgeRefusal('TOKEN_CLIENT_MISMATCH', `client ${clientId} is not ${check.participantId}'s in ${check.environment}`);
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!scopes.includes(check.scope)) throw new EdgeRefusal('TOKEN_SCOPE_MISSING', `the route needs scope ${check.scope}`);
  const bound = (payload.cnf as { 'x5t#S256'?: unknown } | undefined)?.['x5t#S256'];
  if (client.certificateBound || bound !== undefined) {
    if (bound !== certificateThumbprint(check.certificatePem)) {
      throw new EdgeRefusal('TOKEN_NOT_BOUND', 'the token is not bound to the certificate presented');
    }
  }
  return clientId;
}
