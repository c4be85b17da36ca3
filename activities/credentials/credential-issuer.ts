/**
 * The CredentialIssuer port: OAuth clients for participants, one per participant and environment,
 * and its embedded adapter on the registry database, which the embedded authorization server
 * (oidc-provider, edge/auth-server.ts) reads its clients from. Secrets come from the CSPRNG, are
 * stored only as scrypt hashes, and leave through a one-time pickup; the client row and the pickup
 * are written in one transaction, so a retried activity neither loses nor doubles a secret.
 * `where rotation_key is` uses SQL `IS`, so a null key compares as equal.
 */
import type { X509Certificate } from 'node:crypto';
import { DomainError } from '../domain-error';
import type { Environment } from '../../workflows/vocabulary';
import { inTransaction, jsonTextField, type RegistryDb } from '../registry/database';
import type { OauthClientRow } from '../registry/schema';
import { hashSecret, newClientSecret } from './secret-hash';
import type { SecretPickups } from './secret-pickup';

export type ClientAuthMethod = 'client_secret_basic' | 'tls_client_auth';

export interface IssueClientRequest {
  participantId: string;
  environment: Environment;
  scopes: string[];
  authMethod: ClientAuthMethod;
  /** tls_client_auth: the subject DN of the hub-issued client certificate (RFC 8705 tls_client_auth_subject_dn). */
  tlsSubjectDn?: string;
  writeKey: string;
}

export interface ClientView {
  clientId: string;
  participantId: string;
  environment: Environment;
  authMethod: ClientAuthMethod;
  scopes: string[];
  createdAt: string;
  rotatedAt: string | null;
  previousSecretValidUntil: string | null;
  revokedAt: string | null;
}

export interface IssuedClient extends ClientView {
  /** The one-time pickup of the new secret; null when no secret was made (tls_client_auth, or the client already existed). */
  secretPickup: string | null;
  /** The client existed already (a repeated issuance): no new secret. */
  reused: boolean;
}

export interface CredentialIssuer {
  issue(request: IssueClientRequest): Promise<IssuedClient>;
  /** A new secret; the old one stays valid `overlapSeconds` longer. */
  rotate(clientId: string, overlapSeconds: number, writeKey: string): Promise<IssuedClient>;
  /**
   * Moves the client to another way of authenticating, as its participant asked: to
   * `tls_client_auth` (certificate-bound tokens; its secrets stop at once) or back to a secret (a
   * new one, shown once). Idempotent by write key.
   */
  changeAuthMethod(clientId: string, to: { authMethod: ClientAuthMethod; tlsSubjectDn?: string }, writeKey: string): Promise<IssuedClient>;
  /** No new token for the client; its stored tokens are deleted. */
  revoke(clientId: string): Promise<ClientView>;
  /** The participant's redirect URIs in the environment (the whole set): its client's authorization-code flow uses exactly these. */
  setRedirectUris(participantId: string, environment: Environment, redirectUris: string[], writeKey: string): Promise<string[]>;
}

/** The audience of an environment's tokens: `<AUTH_AUDIENCE>/<environment>` (what the edge checks). */
export function audienceFor(audience: string, environment: string): string {
  return `${audience.replace(/\/+$/, '')}/${environment}`;
}

/** `<participantId>.<environment>`: one client per participant and environment. */
export function clientIdOf(participantId: string, environment: Environment): string {
  return `${participantId}.${environment}`;
}

/** The subject DN as tls_client_auth_subject_dn compares it: node's `C=GB\nO=…\nCN=…` → `CN=…,O=…,C=GB`. */
export function subjectDnOf(cert: X509Certificate): string {
  return cert.subject.split('\n').reverse().join(',');
}

const scopePattern = /^[a-z][a-z0-9:._-]{0,63}$/;

/** Scope names as OAuth (RFC 6749 §3.3) and both servers take them; an INPUT_INVALID names the bad ones. */
export function checkScopes(scopes: string[]): void {
  const bad = scopes.filter((s) => !scopePattern.test(s));
  if (bad.length > 0)
    throw new DomainError('INPUT_INVALID', `Scopes ${bad.join(', ')} are not valid OAuth scope names`, { fields: ['scopes'] });
}

/** tls_client_auth binds the client to a certificate subject: without it the request is refused. */
export function checkSubjectDn(to: { authMethod: ClientAuthMethod; tlsSubjectDn?: string | undefined }): void {
  if (to.authMethod === 'tls_client_auth' && !to.tlsSubjectDn) {
    throw new DomainError('INPUT_INVALID', 'tls_client_auth needs the subject DN of the client certificate', {
      fields: ['tlsSubjectDn'],
    });
  }
}

export function clientView(row: OauthClientRow): ClientView {
  return {
    clientId: row.clientId,
    participantId: row.participantId,
    environment: row.environment as Environment,
    authMethod: row.authMethod as ClientAuthMethod,
    scopes: row.scope.split(' ').filter(Boolean),
    createdAt: row.createdAt,
    rotatedAt: row.rotatedAt,
    previousSecretValidUntil: row.previousSecretExpiresAt,
    revokedAt: row.revokedAt,
  };
}

/** The live client `clientId`, or null (unknown or revoked): what the edge checks a token's client against. */
export async function liveClient(db: RegistryDb, clientId: string): Promise<ClientView | null> {
  const row = await db.selectFrom('oauthClients').selectAll().where('clientId', '=', clientId).executeTakeFirst();
  return row === undefined || row.revokedAt !== null ? null : clientView(row);
}

export class RegistryCredentialIssuer implements CredentialIssuer {
  constructor(
    private readonly db: RegistryDb,
    private readonly pickups: SecretPickups,
  ) {}

  async issue(request: IssueClientRequest): Promise<IssuedClient> {
    checkScopes(request.scopes);
    const clientId = clientIdOf(request.participantId, request.environment);
    const existing = await this.find(clientId);
    if (existing && existing.revokedAt === null) {
      const sameIssuance = existing.writeKey === request.writeKey;
      return { ...clientView(existing), secretPickup: sameIssuance ? await this.pendingPickup(request.writeKey) : null, reused: true };
    }
    checkSubjectDn(request);
    const secret = request.authMethod === 'tls_client_auth' ? null : newClientSecret();
    const secretHash = secret === null ? null : await hashSecret(secret);
    // The client row and its secret's pickup commit together: a retry finds both or neither.
    const secretPickup = await inTransaction(this.db, async (trx) => {
      await recordNewClient(trx, request, secretHash);
      const inserted = await trx.selectFrom('oauthClients').select('writeKey').where('clientId', '=', clientId).executeTakeFirst();
      if (secret === null || inserted?.writeKey !== request.writeKey) return null;
      return this.pickups.deposit(secret, request.writeKey, trx);
    });
    const row = (await this.find(clientId)) as OauthClientRow;
    return { ...clientView(row), secretPickup, reused: row.writeKey !== request.writeKey };
  }

  async rotate(clientId: string, overlapSeconds: number, writeKey: string): Promise<IssuedClient> {
    const row = await this.live(clientId);
    if (row.rotationKey === writeKey) return { ...clientView(row), secretPickup: await this.pendingPickup(writeKey), reused: true };
    if (row.authMethod === 'tls_client_auth')
      throw new DomainError('INPUT_INVALID', `${clientId} authenticates with its certificate: it has no secret to rotate`, {
        fields: ['clientId'],
      });
    const secret = newClientSecret();
    const secretHash = await hashSecret(secret);
    const now = new Date();
    const secretPickup = await inTransaction(this.db, async (trx) => {
      const updated = await trx
        .updateTable('oauthClients')
        .set({
          secretHash,
          previousSecretHash: row.secretHash,
          previousSecretExpiresAt: new Date(now.getTime() + overlapSeconds * 1000).toISOString(),
          rotatedAt: now.toISOString(),
          rotationKey: writeKey,
        })
        .where('clientId', '=', clientId)
        .where('rotationKey', 'is', row.rotationKey)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new DomainError('STATE_CORRUPT', `${clientId} was rotated by another request meanwhile`);
      return this.pickups.deposit(secret, writeKey, trx);
    });
    return { ...clientView(await this.live(clientId)), secretPickup, reused: false };
  }

  async changeAuthMethod(
    clientId: string,
    to: { authMethod: ClientAuthMethod; tlsSubjectDn?: string },
    writeKey: string,
  ): Promise<IssuedClient> {
    const row = await this.live(clientId);
    if (row.rotationKey === writeKey) return { ...clientView(row), secretPickup: await this.pendingPickup(writeKey), reused: true };
    checkSubjectDn(to);
    const secret = to.authMethod === 'tls_client_auth' ? null : newClientSecret();
    const secretHash = secret === null ? null : await hashSecret(secret);
    const now = new Date().toISOString();
    const secretPickup = await inTransaction(this.db, async (trx) => {
      const updated = await trx
        .updateTable('oauthClients')
        .set({
          authMethod: to.authMethod,
          tlsSubjectDn: to.authMethod === 'tls_client_auth' ? (to.tlsSubjectDn ?? null) : null,
          // Certificate-bound from now on: no secret, current or previous, gets a token any more.
          secretHash,
          previousSecretHash: null,
          previousSecretExpiresAt: null,
          rotatedAt: now,
          rotationKey: writeKey,
        })
        .where('clientId', '=', clientId)
        .where('rotationKey', 'is', row.rotationKey)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new DomainError('STATE_CORRUPT', `${clientId} was changed by another request meanwhile`);
      // Tokens and grants the authorization server stored for the client under the old method.
      await trx
        .deleteFrom('oidcPayloads')
        .where(jsonTextField(trx, 'payload', 'clientId'), '=', clientId)
        .execute();
      return secret === null ? null : this.pickups.deposit(secret, writeKey, trx);
    });
    return { ...clientView(await this.live(clientId)), secretPickup, reused: false };
  }

  async revoke(clientId: string): Promise<ClientView> {
    const row = await this.find(clientId);
    if (row === undefined) throw new DomainError('INPUT_INVALID', `No client ${clientId}`, { fields: ['clientId'] });
    if (row.revokedAt === null) {
      await inTransaction(this.db, async (trx) => {
        await trx.updateTable('oauthClients').set({ revokedAt: new Date().toISOString() }).where('clientId', '=', clientId).execute();
        // Opaque tokens and grants the authorization server stored for the client.
        await trx
          .deleteFrom('oidcPayloads')
          .where(jsonTextField(trx, 'payload', 'clientId'), '=', clientId)
          .execute();
      });
    }
    return clientView((await this.find(clientId)) as OauthClientRow);
  }

  async setRedirectUris(participantId: string, environment: Environment, redirectUris: string[], writeKey: string): Promise<string[]> {
    await saveRedirectUris(this.db, participantId, environment, redirectUris, writeKey);
    return redirectUris;
  }

  private find(clientId: string): Promise<OauthClientRow | undefined> {
    return findClient(this.db, clientId);
  }

  private live(clientId: string): Promise<OauthClientRow> {
    return liveClientRow(this.db, clientId);
  }

  private pendingPickup(writeKey: string): Promise<string | null> {
    return pendingPickup(this.db, writeKey);
  }
}

/**
 * Records a new issuance's client (replacing a revoked one of the same id); a live client of the id
 * stays as it is (the caller compares write keys to tell the two apart).
 */
export async function recordNewClient(trx: RegistryDb, request: IssueClientRequest, secretHash: string | null): Promise<void> {
  const clientId = clientIdOf(request.participantId, request.environment);
  await trx.deleteFrom('oauthClients').where('clientId', '=', clientId).where('revokedAt', 'is not', null).execute();
  await trx
    .insertInto('oauthClients')
    .values({
      clientId,
      writeKey: request.writeKey,
      participantId: request.participantId,
      environment: request.environment,
      scope: [...new Set(request.scopes)].sort().join(' '),
      authMethod: request.authMethod,
      secretHash,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      tlsSubjectDn: request.tlsSubjectDn ?? null,
      createdAt: new Date().toISOString(),
      rotatedAt: null,
      rotationKey: null,
      revokedAt: null,
    })
    .onConflict((oc) => oc.column('clientId').doNothing())
    .execute();
}

/** The client row of `clientId` (live or revoked), if any. */
export function findClient(db: RegistryDb, clientId: string): Promise<OauthClientRow | undefined> {
  return db.selectFrom('oauthClients').selectAll().where('clientId', '=', clientId).executeTakeFirst();
}

/** The live client row, or INPUT_INVALID. */
export async function liveClientRow(db: RegistryDb, clientId: string): Promise<OauthClientRow> {
  const row = await findClient(db, clientId);
  if (row === undefined || row.revokedAt !== null)
    throw new DomainError('INPUT_INVALID', `No live client ${clientId}`, { fields: ['clientId'] });
  return row;
}

/** The pickup a write (issuance, rotation) deposited and nobody has redeemed yet: a retry hands out the same. */
export async function pendingPickup(db: RegistryDb, writeKey: string): Promise<string | null> {
  const row = await db.selectFrom('credentialPickups').select('id').where('writeKey', '=', writeKey).executeTakeFirst();
  return row?.id ?? null;
}

/** The participant's redirect URIs in the environment (the whole set replaces the last). */
export async function saveRedirectUris(
  db: RegistryDb,
  participantId: string,
  environment: Environment,
  redirectUris: string[],
  writeKey: string,
): Promise<void> {
  const redirectUrisJson = JSON.stringify([...redirectUris]);
  await db
    .insertInto('oauthRedirectUris')
    .values({ participantId, environment, redirectUrisJson, writeKey, updatedAt: new Date().toISOString() })
    .onConflict((oc) =>
      oc.columns(['participantId', 'environment']).doUpdateSet({ redirectUrisJson, writeKey, updatedAt: new Date().toISOString() }),
    )
    .execute();
}

/** The redirect URIs saved for the participant in the environment (none: an empty list). */
export async function savedRedirectUris(db: RegistryDb, participantId: string, environment: Environment): Promise<string[]> {
  const row = await db
    .selectFrom('oauthRedirectUris')
    .select('redirectUrisJson')
    .where('participantId', '=', participantId)
    .where('environment', '=', environment)
    .executeTakeFirst();
  return row === undefined ? [] : (JSON.parse(row.redirectUrisJson) as string[]);
}
