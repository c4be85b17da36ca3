/**
 * What the gateway must let through, kept in the registry database: allowlists (a new version per
 * accepted list, the latest in force), grants (participant × environment, granted or revoked) and
 * the revisions the gateway rendered. Every write carries a write key from the workflow and step.
 */
import { ParticipantKeyDirectory } from '../keys/participant-keys';
import { createHash, X509Certificate } from 'node:crypto';
import { environments } from '../../workflows/vocabulary';
import type { Environment } from '../../workflows/vocabulary';
import type { GatewayApplied, GatewayState, PinnedCertificate } from './gateway';
import { exclusively, inTransaction, type RegistryDb } from '../registry/database';
import type { GatewayRevisionRow } from '../registry/schema';

export interface AllowlistVersion {
  participantId: string;
  environment: Environment;
  version: number;
  entries: string[];
  acceptedAt: string;
}

export class NetworkRegistry {
  /** The participant's own accepted client certificates (the keys capability's repository). */
  private readonly ownCertificates: ParticipantKeyDirectory;

  constructor(private readonly db: RegistryDb) {
    this.ownCertificates = new ParticipantKeyDirectory(db);
  }

  /**
   * One gateway writer at a time, across every worker process on the registry: the desired state
   * is read, applied and recorded inside, so no writer applies a state that misses a change another
   * recorded meanwhile, and the gateway always serves a complete revision of the desired state.
   */
  asGatewayWriter<T>(work: () => Promise<T>): Promise<T> {
    return exclusively(this.db, 'onboarding-hub:gateway-writer', work);
  }

  /** Replaces the participant's allowlist (PUT semantics) as a new version; a repeated write key returns the version it made. */
  async replaceAllowlist(
    participantId: string,
    environment: Environment,
    entries: string[],
    writeKey: string,
    at: Date,
  ): Promise<AllowlistVersion> {
    return inTransaction(this.db, async (trx) => {
      const existing = await trx.selectFrom('allowlistVersions').select(['id']).where('writeKey', '=', writeKey).executeTakeFirst();
      if (existing === undefined) {
        const latest = await trx
          .selectFrom('allowlistVersions')
          .select((eb) => eb.fn.max('version').as('version'))
          .where('participantId', '=', participantId)
          .where('environment', '=', environment)
          .executeTakeFirst();
        const inserted = await trx
          .insertInto('allowlistVersions')
          .values({ writeKey, participantId, environment, version: (latest?.version ?? 0) + 1, acceptedAt: at.toISOString() })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (entries.length > 0)
          await trx
            .insertInto('allowlistEntries')
            .values(entries.map((cidr) => ({ versionId: inserted.id, cidr })))
            .execute();
      }
      const version = await trx.selectFrom('allowlistVersions').selectAll().where('writeKey', '=', writeKey).executeTakeFirstOrThrow();
      const rows = await trx.selectFrom('allowlistEntries').select('cidr').where('versionId', '=', version.id).execute();
      return {
        participantId,
        environment,
        version: version.version,
        entries: rows.map((r) => r.cidr).sort(),
        acceptedAt: version.acceptedAt,
      };
    });
  }

  async currentAllowlist(participantId: string, environment: Environment): Promise<AllowlistVersion | null> {
    const version = await this.db
      .selectFrom('allowlistVersions')
      .selectAll()
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (version === undefined) return null;
    const rows = await this.db.selectFrom('allowlistEntries').select('cidr').where('versionId', '=', version.id).execute();
    return {
      participantId,
      environment,
      version: version.version,
      entries: rows.map((r) => r.cidr).sort(),
      acceptedAt: version.acceptedAt,
    };
  }

  async setGrant(participantId: string, environment: Environment, state: 'granted' | 'revoked', writeKey: string, at: Date): Promise<void> {
    await this.db
      .insertInto('gatewayGrants')
      .values({ participantId, environment, state, writeKey, changedAt: at.toISOString() })
      .onConflict((oc) => oc.columns(['participantId', 'environment']).doUpdateSet({ state, writeKey, changedAt: at.toISOString() }))
      .execute();
  }

  /** Revokes the participant's client certificate with this SHA-256 (hub-issued or its own); how many rows changed. */
  async retireClientCertificate(participantId: string, environment: Environment, sha256: string, at: Date): Promise<number> {
    const issued = await this.db
      .updateTable('issuedCertificates')
      .set({ revokedAt: at.toISOString() })
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('certificateSha256', '=', sha256)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    // The participant's own certificates live in the keys capability's table: through its repository.
    const owned = await this.ownCertificates.revokeClientCertificates(participantId, environment, at, sha256);
    return Number(issued.numUpdatedRows) + owned;
  }

  /** Whether the participant's access in the environment is open (its journey granted it and nothing revoked it since). */
  async isGranted(participantId: string, environment: Environment): Promise<boolean> {
    const grant = await this.db
      .selectFrom('gatewayGrants')
      .select('state')
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .executeTakeFirst();
    return grant?.state === 'granted';
  }

  /** What the gateway must let through now: granted participants, their live client certificates and allowlists. */
  async desiredState(at: Date): Promise<GatewayState> {
    const state = Object.fromEntries(environments.map((e) => [e, []])) as unknown as GatewayState;
    const grants = await this.db.selectFrom('gatewayGrants').selectAll().where('state', '=', 'granted').execute();
    for (const grant of grants) {
      const environment = grant.environment as Environment;
      const certificates = await this.liveClientCertificates(grant.participantId, environment, at);
      const allowlist = await this.currentAllowlist(grant.participantId, environment);
      state[environment].push({ participantId: grant.participantId, certificates, allow: allowlist?.entries ?? [] });
    }
    return state;
  }

  /**
   * The participant's live client certificates, pinned: those the hub CA issued it (not revoked,
   * not expired) and those of its own the hub accepted (a TPP's CA-signed certificate).
   */
  async liveClientCertificates(participantId: string, environment: Environment, at: Date): Promise<PinnedCertificate[]> {
    const issued = await this.db
      .selectFrom('issuedCertificates')
      .select('certificatePem')
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('role', '=', 'tls-client')
      .where('revokedAt', 'is', null)
      .where('notAfter', '>', at.toISOString())
      .orderBy('issuedAt')
      .execute();
    const owned = await this.ownCertificates.liveClientCertificates(participantId, environment, at);
    return [...issued.map((r) => r.certificatePem), ...owned].map(pinOf);
  }

  async findRevision(writeKey: string): Promise<GatewayRevisionRow | null> {
    return (await this.db.selectFrom('gatewayRevisions').selectAll().where('writeKey', '=', writeKey).executeTakeFirst()) ?? null;
  }

  async recordRevision(
    writeKey: string,
    reason: string,
    applied: GatewayApplied & { status: 'applied' | 'refused' },
    at: Date,
  ): Promise<GatewayRevisionRow> {
    await this.db
      .insertInto('gatewayRevisions')
      .values({
        writeKey,
        reason,
        configSha256: applied.configSha256,
        status: applied.status,
        message: applied.message.slice(0, 4000),
        createdAt: at.toISOString(),
      })
      .onConflict((oc) => oc.column('writeKey').doNothing())
      .execute();
    return (await this.findRevision(writeKey)) as GatewayRevisionRow;
  }
}

/** The pins of a certificate (its first PEM block): SHA-1 for nginx, SHA-256 for the edge's hop. */
export function pinOf(certificatePem: string): PinnedCertificate {
  const der = new X509Certificate(certificatePem).raw;
  return { sha1: createHash('sha1').update(der).digest('hex'), sha256: createHash('sha256').update(der).digest('hex') };
}
