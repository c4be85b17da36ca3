/**
 * The embedded authorization server: oidc-provider with the client-credentials grant, JWT access
 * tokens for one resource (the hub's APIs), token introspection and revocation, and RFC 8705
 * (`tls_client_auth`, certificate-bound tokens) — served over HTTPS with the hub CA's server
 * certificate, asking for (not requiring) a client certificate. Clients are not registered here:
 * they are read from the registry database the CredentialIssuer writes (secrets as scrypt hashes);
 * the provider's own records (tokens, grants) go to the same database through its adapter.
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import Provider, { errors } from 'oidc-provider';
import type { Adapter, AdapterPayload, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { RegistryDb } from '../registry/database';
import { audienceFor, subjectDnOf } from './credential-issuer';
export { audienceFor };
import { verifySecret } from './secret-hash';

export interface AuthorizationServerOptions {
  issuer: string;
  db: RegistryDb;
  /** The resource (audience) the tokens are for. */
  audience: string;
  /** Every scope a client may be given (products / APIs). */
  scopes: string[];
  /** Private signing JWKs (ES256). */
  jwks: { keys: Record<string, unknown>[] };
  accessTokenTtlSeconds: number;
}

/** oidc-provider's storage on the registry database; `Client` reads the clients the hub issued. */
function adapterFactory(db: RegistryDb) {
  return class RegistryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? Math.floor(Date.now() / 1000) + expiresIn : null;
      await db
        .insertInto('oidcPayloads')
        .values({
          model: this.model,
          id,
          payload: JSON.stringify(payload),
          grantId: payload.grantId ?? null,
          uid: payload.uid ?? null,
          userCode: payload.userCode ?? null,
          expiresAt,
          consumedAt: null,
        })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({ payload: JSON.stringify(payload), expiresAt }))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return findClient(db, id);
      const row = await db.selectFrom('oidcPayloads').selectAll().where('model', '=', this.model).where('id', '=', id).executeTakeFirst();
      if (row === undefined || (row.expiresAt !== null && row.expiresAt <= Math.floor(Date.now() / 1000))) return undefined;
      return { ...(JSON.parse(row.payload) as AdapterPayload), ...(row.consumedAt ? { consumed: row.consumedAt } : {}) };
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidcPayloads')
        .select('id')
        .where('model', '=', this.model)
        .where('userCode', '=', userCode)
        .executeTakeFirst();
      return row ? this.find(row.id) : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidcPayloads')
        .select('id')
        .where('model', '=', this.model)
        .where('uid', '=', uid)
        .executeTakeFirst();
      return row ? this.find(row.id) : undefined;
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidcPayloads')
        .set({ consumedAt: Math.floor(Date.now() / 1000) })
        .where('model', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidcPayloads').where('model', '=', this.model).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidcPayloads').where('grantId', '=', grantId).execute();
    }
  };
}

/** A live client as oidc-provider metadata; a revoked or unknown one does not exist. */
async function findClient(db: RegistryDb, clientId: string): Promise<AdapterPayload | undefined> {
  const row = await db
    .selectFrom('oauthClients')
    .selectAll()
    .where('clientId', '=', clientId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  // What onboarding registered: an API client's redirect URIs open the authorization-code flow (with PKCE) for exactly them.
  const registered = await db
    .selectFrom('oauthRedirectUris')
    .select('redirectUrisJson')
    .where('participantId', '=', row.participantId)
    .where('environment', '=', row.environment)
    .executeTakeFirst();
  const redirectUris = registered ? (JSON.parse(registered.redirectUrisJson) as string[]) : [];
  return {
    client_id: row.clientId,
    hub_environment: row.environment,
    ...(row.secretHash ? { client_secret: row.secretHash } : {}),
    grant_types: redirectUris.length > 0 ? ['client_credentials', 'authorization_code'] : ['client_credentials'],
    response_types: redirectUris.length > 0 ? ['code'] : [],
    redirect_uris: redirectUris,
    token_endpoint_auth_method: row.authMethod,
    scope: row.scope,
    ...(row.tlsSubjectDn ? { tls_client_auth_subject_dn: row.tlsSubjectDn } : {}),
    ...(row.authMethod === 'tls_client_auth' ? { tls_client_certificate_bound_access_tokens: true } : {}),
    ...(row.previousSecretHash && row.previousSecretExpiresAt
      ? { previous_secret_hash: row.previousSecretHash, previous_secret_expires_at: row.previousSecretExpiresAt }
      : {}),
  };
}

function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.socket as TLSSocket;
  const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
  return cert ?? undefined;
}

function environmentOf(client: { metadata(): Record<string, unknown> } | undefined): string {
  const environment = client?.metadata().hub_environment;
  if (typeof environment !== 'string') throw new errors.InvalidClient('client has no environment');
  return environment;
}

/**
 * RFC 6749 §3.3: a client-credentials request that names no scope gets the client's registered
 * scope (the server's documented default) instead of none — Mojaloop's SDK asks for a token with
 * `grant_type=client_credentials` alone, as WSO2 and Keycloak serve it. A request that names
 * scopes gets exactly those it is allowed.
 */
function grantRegisteredScopeByDefault(provider: Provider): void {
  const context = provider.OIDCContext.prototype as object;
  const own = Object.getOwnPropertyDescriptor(context, 'requestParamScopes')?.get;
  if (own === undefined) throw new TypeError('oidc-provider has no requestParamScopes: the default scope cannot be applied');
  Object.defineProperty(context, 'requestParamScopes', {
    configurable: true,
    get(this: { params?: { grant_type?: unknown; scope?: unknown }; client?: { scope?: string } }): Set<string> {
      const named = own.call(this) as Set<string>;
      const registered = this.client?.scope;
      if (named.size === 0 && this.params?.grant_type === 'client_credentials' && typeof registered === 'string' && registered !== '') {
        return new Set(registered.split(' '));
      }
      return named;
    },
  });
}

export function createAuthorizationServer(opts: AuthorizationServerOptions): Provider {
  const configuration: Configuration = {
    adapter: adapterFactory(opts.db),
    clients: [],
    // The one signing key is ES256; client metadata defaults name RS256 otherwise.
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['client_credentials'], response_types: [] },
    // What the hub registers, exactly: oidc-provider takes a client_secret_basic client's secret in
    // the body too when client_secret_post is enabled; it is not, so a Basic client uses Basic.
    clientAuthMethods: ['client_secret_basic', 'tls_client_auth'],
    scopes: opts.scopes,
    extraClientMetadata: { properties: ['previous_secret_hash', 'previous_secret_expires_at', 'hub_environment'] },
    jwks: opts.jwks as Configuration['jwks'],
    ttl: { ClientCredentials: opts.accessTokenTtlSeconds },
    // Every authorization-code request proves its code verifier (S256).
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // One audience per environment: a sandbox client's token is never a production one.
        defaultResource: (_ctx, client) => audienceFor(opts.audience, environmentOf(client)),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator, client) => {
          if (indicator !== audienceFor(opts.audience, environmentOf(client))) throw new errors.InvalidTarget();
          return {
            scope: opts.scopes.join(' '),
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: opts.accessTokenTtlSeconds,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        certificateBoundAccessTokens: true,
        getCertificate: (ctx) => peerCertificate(ctx),
        certificateAuthorized: (ctx) => (ctx.socket as TLSSocket).authorized === true,
        certificateSubjectMatches: (ctx, property, expected) => {
          const cert = peerCertificate(ctx);
          return property === 'tls_client_auth_subject_dn' && cert !== undefined && subjectDnOf(cert) === expected;
        },
      },
    },
  };
  const provider = new Provider(opts.issuer, configuration);
  grantRegisteredScopeByDefault(provider);
  // Secrets are stored as scrypt hashes: compare by verifying the hash, and accept the previous
  // secret until the end of a rotation's overlap window.
  provider.Client.prototype.compareClientSecret = async function compareHashed(
    this: InstanceType<Provider['Client']>,
    actual: string,
  ): Promise<boolean> {
    if (this.clientSecret && (await verifySecret(this.clientSecret, actual))) return true;
    const meta = this.metadata() as { previous_secret_hash?: string; previous_secret_expires_at?: string };
    return Boolean(
      meta.previous_secret_hash &&
      meta.previous_secret_expires_at &&
      Date.parse(meta.previous_secret_expires_at) > Date.now() &&
      (await verifySecret(meta.previous_secret_hash, actual)),
    );
  };
  return provider;
}
