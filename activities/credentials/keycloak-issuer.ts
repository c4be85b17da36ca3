/**
 * The credential issuer's Keycloak adapter: the scheme's own OAuth server holds the participants'
 * clients, managed through Keycloak's admin REST API (`@keycloak/keycloak-admin-client`, signed in
 * as a master-realm admin client with client credentials). One realm for the hub's participants
 * (KEYCLOAK_REALM), made on first use: ES256 tokens (an ECDSA P-256 key), the hub's scopes as
 * client scopes, a client policy that keeps a rotated-out secret valid for the overlap (Keycloak's
 * `client-secret-rotation` feature). Per participant and environment one confidential client
 * `<participantId>.<environment>` with only the client-credentials grant (plus the
 * authorization-code flow with PKCE once it has redirect URIs), its scopes as default scopes and
 * the environment's audience in its tokens — so the edge verifies a Keycloak token exactly as it
 * verifies the embedded server's (issuer, JWKS, audience, `client_id`, scope, binding).
 *
 * The registry keeps the hub's record of each client (participant, environment, scopes, method,
 * revocation; no secret): the API's views and the edge's check of a token's client read it, so a
 * revoked client's unexpired tokens are refused at once. Secrets are chosen here (the CSPRNG),
 * set on the Keycloak client and handed out once through the pickups. A rotation asks Keycloak to
 * regenerate (its old secret becomes the rotated one) and then sets the new secret it chose; a
 * marker on the client (the write key and the hash of the secret it replaces) makes a retried
 * rotation regenerate at most once, so the participant's old secret is never pushed out.
 */
import { createHash } from 'node:crypto';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation';
import type { Environment } from '../../workflows/vocabulary';
import { DomainError } from '../domain-error';
import { inTransaction, type RegistryDb } from '../registry/database';
import type { OauthClientRow } from '../registry/schema';
import {
  checkScopes,
  checkSubjectDn,
  clientIdOf,
  clientView,
  findClient,
  liveClientRow,
  pendingPickup,
  recordNewClient,
  saveRedirectUris,
  savedRedirectUris,
  type ClientAuthMethod,
  type ClientView,
  type CredentialIssuer,
  type IssueClientRequest,
  type IssuedClient,
} from './credential-issuer';
import type { KeycloakSettings } from './keycloak-endpoints';
import { newClientSecret } from './secret-hash';
import type { SecretPickups } from './secret-pickup';

export interface KeycloakRealmSettings {
  /** The token audience per environment (the edge checks it). */
  audience: (environment: Environment) => string;
  /** The scopes clients may be given (made as client scopes in the realm). */
  scopes: string[];
  accessTokenTtlSeconds: number;
}

const ROTATION_PROFILE = 'hub-secret-rotation';
/** Secrets do not expire by age (the hub rotates them on request): ten years. */
const SECRET_LIFETIME_SECONDS = 10 * 365 * 86_400;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** The adapter's test seam: runs between Keycloak's regeneration and the new secret being set. */
export interface KeycloakIssuerHooks {
  afterRegenerate?: (clientId: string) => Promise<void>;
}

export class KeycloakCredentialIssuer implements CredentialIssuer {
  private readonly admin: KcAdminClient;
  private signedInUntil = 0;
  private realmReady: Promise<void> | null = null;
  private rotationPolicy: { overlapSeconds: number; ready: Promise<void> } | null = null;

  constructor(
    private readonly db: RegistryDb,
    private readonly pickups: SecretPickups,
    private readonly settings: KeycloakSettings,
    private readonly realmSettings: KeycloakRealmSettings,
    private readonly hooks: KeycloakIssuerHooks = {},
  ) {
    this.admin = new KcAdminClient({ baseUrl: settings.url.replace(/\/$/, ''), realmName: 'master', timeout: 10_000 });
  }

  async issue(request: IssueClientRequest): Promise<IssuedClient> {
    checkScopes(request.scopes);
    const clientId = clientIdOf(request.participantId, request.environment);
    const existing = await findClient(this.db, clientId);
    if (existing && existing.revokedAt === null) {
      const sameIssuance = existing.writeKey === request.writeKey;
      return { ...clientView(existing), secretPickup: sameIssuance ? await pendingPickup(this.db, request.writeKey) : null, reused: true };
    }
    checkSubjectDn(request);
    const scopes = [...new Set(request.scopes)].sort();
    const kc = await this.realm();
    await this.ensureScopes(scopes);
    // A certificate-bound client gets one too, never handed out: Keycloak's X.509 authenticator ignores it.
    const secret = newClientSecret();
    const redirectUris = await savedRedirectUris(this.db, request.participantId, request.environment);
    const wanted = this.representation(request.participantId, request.environment, {
      authMethod: request.authMethod,
      tlsSubjectDn: request.tlsSubjectDn ?? null,
      redirectUris,
      writeKey: request.writeKey,
    });
    const found = await this.find(clientId);
    if (found !== null && found.attributes?.['hub.write_key'] !== request.writeKey) {
      // Not this issuance's (the registry has no live client of the id: a revoked one): replaced.
      await kc.clients.del({ realm: this.settings.realm, id: found.id as string });
    }
    if (found === null || found.attributes?.['hub.write_key'] !== request.writeKey) {
      await kc.clients.create({
        realm: this.settings.realm,
        ...wanted,
        secret,
        defaultClientScopes: [...scopes, 'service_account', 'basic'],
        optionalClientScopes: [],
      });
    } else {
      // A retried issuance whose record did not commit: the client is this issuance's; its secret is set anew.
      await this.update(found, { ...wanted, secret });
    }
    const secretPickup = await inTransaction(this.db, async (trx) => {
      // Keycloak verifies the secret: the registry keeps none.
      await recordNewClient(trx, request, null);
      const inserted = await trx.selectFrom('oauthClients').select('writeKey').where('clientId', '=', clientId).executeTakeFirst();
      if (request.authMethod === 'tls_client_auth' || inserted?.writeKey !== request.writeKey) return null;
      return this.pickups.deposit(secret, request.writeKey, trx);
    });
    const row = (await findClient(this.db, clientId)) as OauthClientRow;
    return { ...clientView(row), secretPickup, reused: row.writeKey !== request.writeKey };
  }

  async rotate(clientId: string, overlapSeconds: number, writeKey: string): Promise<IssuedClient> {
    const row = await liveClientRow(this.db, clientId);
    if (row.rotationKey === writeKey) return { ...clientView(row), secretPickup: await pendingPickup(this.db, writeKey), reused: true };
    if (row.authMethod === 'tls_client_auth') {
      throw new DomainError('INPUT_INVALID', `${clientId} authenticates with its certificate: it has no secret to rotate`, {
        fields: ['clientId'],
      });
    }
    const kc = await this.realm();
    await this.ensureRotationPolicy(overlapSeconds);
    const client = await this.existing(clientId);
    const id = client.id as string;
    const current = (await kc.clients.getClientSecret({ realm: this.settings.realm, id })).value ?? '';
    const marked = client.attributes?.['hub.rotation_key'] === writeKey;
    // Regenerate unless an earlier attempt of this rotation did (its marker is there and the secret it replaced is gone).
    if (!marked || client.attributes?.['hub.rotation_from'] === sha256(current)) {
      if (!marked) await this.update(client, { attributes: { 'hub.rotation_key': writeKey, 'hub.rotation_from': sha256(current) } });
      await kc.clients.generateNewClientSecret({ realm: this.settings.realm, id });
      await this.hooks.afterRegenerate?.(clientId);
    }
    const secret = newClientSecret();
    await this.update(await this.existing(clientId), { secret });
    const now = new Date();
    const secretPickup = await inTransaction(this.db, async (trx) => {
      await trx
        .updateTable('oauthClients')
        .set({
          rotatedAt: now.toISOString(),
          previousSecretExpiresAt: new Date(now.getTime() + overlapSeconds * 1000).toISOString(),
          rotationKey: writeKey,
        })
        .where('clientId', '=', clientId)
        .where('rotationKey', 'is', row.rotationKey)
        .execute();
      return this.pickups.deposit(secret, writeKey, trx);
    });
    return { ...clientView(await liveClientRow(this.db, clientId)), secretPickup, reused: false };
  }

  async changeAuthMethod(
    clientId: string,
    to: { authMethod: ClientAuthMethod; tlsSubjectDn?: string },
    writeKey: string,
  ): Promise<IssuedClient> {
    const row = await liveClientRow(this.db, clientId);
    if (row.rotationKey === writeKey) return { ...clientView(row), secretPickup: await pendingPickup(this.db, writeKey), reused: true };
    checkSubjectDn(to);
    await this.realm();
    const client = await this.existing(clientId);
    // Certificate-bound: Keycloak's X.509 client authenticator, and a secret nobody knows; back to a secret: a new one, shown once.
    const secret = newClientSecret();
    const redirectUris = await savedRedirectUris(this.db, row.participantId, row.environment as Environment);
    await this.update(client, {
      ...this.representation(row.participantId, row.environment as Environment, {
        authMethod: to.authMethod,
        tlsSubjectDn: to.tlsSubjectDn ?? null,
        redirectUris,
        writeKey: row.writeKey,
      }),
      secret,
    });
    const now = new Date().toISOString();
    const secretPickup = await inTransaction(this.db, async (trx) => {
      await trx
        .updateTable('oauthClients')
        .set({
          authMethod: to.authMethod,
          tlsSubjectDn: to.authMethod === 'tls_client_auth' ? (to.tlsSubjectDn ?? null) : null,
          previousSecretExpiresAt: null,
          rotatedAt: now,
          rotationKey: writeKey,
        })
        .where('clientId', '=', clientId)
        .where('rotationKey', 'is', row.rotationKey)
        .execute();
      return to.authMethod === 'tls_client_auth' ? null : this.pickups.deposit(secret, writeKey, trx);
    });
    return { ...clientView(await liveClientRow(this.db, clientId)), secretPickup, reused: false };
  }

  async revoke(clientId: string): Promise<ClientView> {
    const row = await findClient(this.db, clientId);
    if (row === undefined) {
      throw new DomainError('INPUT_INVALID', `No client ${clientId}`, { fields: ['clientId'] });
    }
    // The record first: the edge refuses the client's unexpired tokens from now on; then Keycloak issues none.
    if (row.revokedAt === null)
      await this.db.updateTable('oauthClients').set({ revokedAt: new Date().toISOString() }).where('clientId', '=', clientId).execute();
    await this.realm();
    const client = await this.find(clientId);
    if (client !== null && client.enabled !== false) await this.update(client, { enabled: false });
    return clientView((await findClient(this.db, clientId)) as OauthClientRow);
  }

  async setRedirectUris(participantId: string, environment: Environment, redirectUris: string[], writeKey: string): Promise<string[]> {
    await saveRedirectUris(this.db, participantId, environment, redirectUris, writeKey);
    await this.realm();
    const client = await this.find(clientIdOf(participantId, environment));
    if (client !== null) await this.update(client, { redirectUris, standardFlowEnabled: redirectUris.length > 0 });
    return redirectUris;
  }

  /** The client as the hub wants it in Keycloak (without its secret). */
  private representation(
    participantId: string,
    environment: Environment,
    state: { authMethod: ClientAuthMethod; tlsSubjectDn: string | null; redirectUris: string[]; writeKey: string },
  ): ClientRepresentation {
    const bound = state.authMethod === 'tls_client_auth';
    return {
      clientId: clientIdOf(participantId, environment),
      name: `${participantId} (${environment})`,
      enabled: true,
      protocol: 'openid-connect',
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: state.redirectUris.length > 0,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      redirectUris: state.redirectUris,
      clientAuthenticatorType: bound ? 'client-x509' : 'client-secret',
      attributes: {
        'hub.participant_id': participantId,
        'hub.environment': environment,
        'hub.write_key': state.writeKey,
        'pkce.code.challenge.method': 'S256',
        'tls.client.certificate.bound.access.tokens': String(bound),
        ...(bound ? { 'x509.subjectdn': state.tlsSubjectDn ?? '', 'x509.allow.regex.pattern.comparison': 'false' } : {}),
      },
      protocolMappers: [
        {
          name: 'hub audience',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-audience-mapper',
          config: {
            'included.custom.audience': this.realmSettings.audience(environment),
            'access.token.claim': 'true',
            'id.token.claim': 'false',
            'introspection.token.claim': 'true',
          },
        },
      ],
    };
  }

  /** The admin API, signed in (Keycloak's admin tokens live a minute: a new one before that). */
  private async api(): Promise<KcAdminClient> {
    if (Date.now() >= this.signedInUntil) {
      await this.admin.auth({
        grantType: 'client_credentials',
        clientId: this.settings.adminClientId,
        clientSecret: this.settings.adminClientSecret,
      });
      this.signedInUntil = Date.now() + 45_000;
    }
    return this.admin;
  }

  /** The realm exists and is as the hub needs it (once per process; again after a failure). */
  private async realm(): Promise<KcAdminClient> {
    const kc = await this.api();
    this.realmReady ??= this.prepareRealm(kc).catch((err: unknown) => {
      this.realmReady = null;
      throw err;
    });
    await this.realmReady;
    return kc;
  }

  private async prepareRealm(kc: KcAdminClient): Promise<void> {
    const realm = this.settings.realm;
    const wanted = { defaultSignatureAlgorithm: 'ES256', accessTokenLifespan: this.realmSettings.accessTokenTtlSeconds };
    const found = await kc.realms.findOne({ realm });
    if (found === undefined || found === null) {
      await kc.realms.create({ realm, enabled: true, ...wanted }).catch(async (err: unknown) => {
        // Another worker made it meanwhile.
        if ((await kc.realms.findOne({ realm })) == null) throw err;
      });
    } else if (found.defaultSignatureAlgorithm !== 'ES256' || found.accessTokenLifespan !== wanted.accessTokenLifespan) {
      await kc.realms.update({ realm }, wanted);
    }
    const realmId = (await kc.realms.findOne({ realm }))?.id;
    const keyProviders = await kc.components.find({ realm, type: 'org.keycloak.keys.KeyProvider' });
    if (!keyProviders.some((c) => c.providerId === 'ecdsa-generated')) {
      await kc.components.create({
        realm,
        name: 'hub-es256',
        providerId: 'ecdsa-generated',
        providerType: 'org.keycloak.keys.KeyProvider',
        ...(realmId === undefined ? {} : { parentId: realmId }),
        config: { ecdsaEllipticCurveKey: ['P-256'], priority: ['200'], active: ['true'], enabled: ['true'] },
      });
    }
    await this.ensureScopes(this.realmSettings.scopes);
  }

  /** Each scope is a client scope of the realm whose name reaches the token's `scope`. */
  private async ensureScopes(scopes: string[]): Promise<void> {
    const kc = await this.api();
    const realm = this.settings.realm;
    const have = new Set((await kc.clientScopes.find({ realm })).map((s) => s.name));
    for (const name of scopes.filter((s) => !have.has(s))) {
      await kc.clientScopes
        .create({
          realm,
          name,
          protocol: 'openid-connect',
          attributes: { 'include.in.token.scope': 'true', 'display.on.consent.screen': 'false' },
        })
        .catch(async (err: unknown) => {
          if (!(await kc.clientScopes.find({ realm })).some((s) => s.name === name)) throw err;
        });
    }
  }

  /** The realm's client policy keeping a rotated-out secret valid for `overlapSeconds`. */
  private async ensureRotationPolicy(overlapSeconds: number): Promise<void> {
    if (this.rotationPolicy?.overlapSeconds !== overlapSeconds) {
      const ready = this.writeRotationPolicy(overlapSeconds).catch((err: unknown) => {
        this.rotationPolicy = null;
        throw err;
      });
      this.rotationPolicy = { overlapSeconds, ready };
    }
    await this.rotationPolicy.ready;
  }

  private async writeRotationPolicy(overlapSeconds: number): Promise<void> {
    const kc = await this.api();
    const realm = this.settings.realm;
    const profile = {
      name: ROTATION_PROFILE,
      description: 'Onboarding hub: a rotated-out client secret stays valid for the rotation overlap',
      executors: [
        {
          executor: 'secret-rotation',
          configuration: {
            'expiration-period': SECRET_LIFETIME_SECONDS,
            'rotated-expiration-period': overlapSeconds,
            'remaining-rotation-period': 86_400,
          },
        },
      ],
    };
    const profiles = (await kc.clientPolicies.listProfiles({ realm, includeGlobalProfiles: false })).profiles ?? [];
    await kc.clientPolicies.createProfiles({ realm, profiles: [...profiles.filter((p) => p.name !== ROTATION_PROFILE), profile] });
    const policies = (await kc.clientPolicies.listPolicies({ realm, includeGlobalPolicies: false })).policies ?? [];
    if (!policies.some((p) => p.name === ROTATION_PROFILE)) {
      await kc.clientPolicies.updatePolicy({
        realm,
        policies: [
          ...policies,
          {
            name: ROTATION_PROFILE,
            description: 'Every client of the hub realm',
            enabled: true,
            conditions: [{ condition: 'any-client', configuration: {} }],
            profiles: [ROTATION_PROFILE],
          },
        ],
      });
    }
  }

  private async find(clientId: string): Promise<ClientRepresentation | null> {
    const kc = await this.api();
    const [found] = await kc.clients.find({ realm: this.settings.realm, clientId });
    return found ?? null;
  }

  private async existing(clientId: string): Promise<ClientRepresentation> {
    const found = await this.find(clientId);
    if (found === null) throw new Error(`Keycloak realm ${this.settings.realm} has no client ${clientId} though the registry records it`);
    return found;
  }

  /** PUT of the whole client (Keycloak replaces what it is sent): its current state with `change` over it. */
  private async update(client: ClientRepresentation, change: ClientRepresentation): Promise<void> {
    const kc = await this.api();
    const id = client.id as string;
    const current = (await kc.clients.findOne({ realm: this.settings.realm, id })) ?? client;
    const { protocolMappers: mappers, ...rest } = change;
    await kc.clients.update(
      { realm: this.settings.realm, id },
      { ...current, ...rest, attributes: { ...current.attributes, ...change.attributes } },
    );
    if (mappers !== undefined) await this.ensureMappers(id, mappers);
  }

  private async ensureMappers(id: string, mappers: NonNullable<ClientRepresentation['protocolMappers']>): Promise<void> {
    const kc = await this.api();
    const realm = this.settings.realm;
    const have = await kc.clients.listProtocolMappers({ realm, id });
    for (const mapper of mappers) {
      const same = have.find((m) => m.name === mapper.name);
      if (same === undefined) await kc.clients.addProtocolMapper({ realm, id }, mapper);
      else if (JSON.stringify(same.config) !== JSON.stringify(mapper.config))
        await kc.clients.updateProtocolMapper({ realm, id, mapperId: same.id as string }, { ...same, ...mapper });
    }
  }
}
