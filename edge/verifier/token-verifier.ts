/**
 * The edge's token verifier as `npm run edge` builds it: the issuer and JWKS of the configured
 * OAuth server — the embedded one (its TLS certificate from the hub CA) or the scheme's Keycloak
 * realm (its own TLS, or http on loopback) — and the registry's record of each token's client,
 * at most a second stale. The same checks run whichever server signed the token.
 */
import https from 'node:https';
import { createRemoteJWKSet, customFetch } from 'jose';
import { audienceFor } from '../../activities/credentials/credential-issuer';
import { liveClient } from '../../activities/credentials/credential-issuer';
import type { RegistryDb } from '../../activities/registry/database';
import type { OauthConfig } from '../../worker/config';
import type { TokenClient, TokenVerifier } from './access-token';
import { FreshCache } from './fresh-cache';

/** fetch for the JWKS, trusting the hub CA that issued the embedded authorization server's certificate. */
export function fetchTrusting(caPem: string): typeof fetch {
  return (async (input: string | URL | Request) =>
    new Promise<Response>((resolve, reject) => {
      const req = https.get(String(input instanceof Request ? input.url : input), { ca: caPem, timeout: 5000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve(
            new Response(Buffer.concat(chunks), {
              status: res.statusCode ?? 502,
              headers: { 'content-type': String(res.headers['content-type'] ?? '') },
            }),
          ),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('JWKS request timed out')));
      req.on('error', reject);
    })) as typeof fetch;
}

export function registryTokenVerifier(oauth: OauthConfig, db: RegistryDb, hubCaPem: string): TokenVerifier {
  // At most this stale: a revoked client is refused within a second.
  const clients = new FreshCache<TokenClient | null>(1000);
  return {
    issuer: oauth.issuer,
    audience: (environment) => audienceFor(oauth.audience, environment),
    jwks: createRemoteJWKSet(new URL(oauth.jwksUri), oauth.keycloak === null ? { [customFetch]: fetchTrusting(hubCaPem) } : {}),
    client: (clientId) =>
      clients.get(clientId, async () => {
        const client = await liveClient(db, clientId);
        return (
          client && {
            participantId: client.participantId,
            environment: client.environment,
            certificateBound: client.authMethod === 'tls_client_auth',
          }
        );
      }),
  };
}
