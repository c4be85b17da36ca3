/**
 * The hub's JWS key directory: every participant's accepted JWS public key per environment, the
 * one inbound gateways install to verify FSPIOP signatures. Accepting a new key replaces the
 * previous: at once (revoked_at), or — a rotation with the scheme's overlap — at retires_at, both
 * keys live until then, so the participant and its peers switch without a refused request. Writes
 * are keyed by the step's write key, so a retried activity records once.
 */
import type { Kysely } from 'kysely';
import type { RegistrySchema } from '../registry/schema';
import { inTransaction } from '../registry/database';

/** The directory's owner name for the hub's own keys. */
export const hubKeyOwner = '@hub';

export interface JwsKeyRecord {
  participantId: string;
  environment: string;
  kid: string;
  /** sha256 of the SubjectPublicKeyInfo. */
  spkiSha256: string;
  publicKeyPem: string;
  notAfter: string | null;
  acceptedAt: string;
  /** Replaced by a rotation: live until then. */
  retiresAt: string | null;
}

export interface RecordJwsKeyRequest extends Omit<JwsKeyRecord, 'acceptedAt' | 'retiresAt'> {
  writeKey: string;
  /** A rotation: the keys it replaces stay live this long beside it (0 or absent: replaced at once). */
  overlapMs?: number;
}

export interface RecordClientCertificateRequest {
  participantId: string;
  environment: string;
  /** The leaf alone (PEM), exactly as accepted. */
  certificatePem: string;
  sha256: string;
  notAfter: string | null;
  writeKey: string;
}

export class ParticipantKeyDirectory {
  constructor(private readonly db: Kysely<RegistrySchema>) {}

  /** Participants other than `except` whose live JWS key is this one. */
  async jwsKeyHolders(spkiSha256: string, except: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('participantKeys')
      .select('participantId')
      .where('type', '=', 'jws-key')
      .where('fingerprintSha256', '=', spkiSha256)
      .where('revokedAt', 'is', null)
      .where('participantId', '!=', except)
      .execute();
    return [...new Set(rows.map((r) => r.participantId))];
  }

  /** Makes the key the participant's live JWS key in the environment; idempotent by write key. */
  async recordJwsKey(request: RecordJwsKeyRequest, now: Date): Promise<JwsKeyRecord> {
    return inTransaction(this.db, async (trx) => {
      const existing = await trx.selectFrom('participantKeys').selectAll().where('writeKey', '=', request.writeKey).executeTakeFirst();
      if (existing) return toRecord(existing);
      const acceptedAt = now.toISOString();
      const overlap = request.overlapMs ?? 0;
      if (overlap > 0) await scheduleRetirement(trx, request.participantId, request.environment, now, new Date(now.getTime() + overlap));
      else await retireJwsKey(trx, request.participantId, request.environment, now);
      const row = await trx
        .insertInto('participantKeys')
        .values({
          writeKey: request.writeKey,
          participantId: request.participantId,
          environment: request.environment,
          type: 'jws-key',
          fingerprintSha256: request.spkiSha256,
          pem: request.publicKeyPem,
          kid: request.kid,
          notAfter: request.notAfter,
          acceptedAt,
          revokedAt: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    });
  }

  /** Every JWS key live at `at` (not revoked, not past its rotation's overlap), optionally of one environment, in a stable order (newest last per participant). */
  async liveJwsKeys(environment?: string, at: Date = new Date()): Promise<JwsKeyRecord[]> {
    let query = this.db
      .selectFrom('participantKeys')
      .selectAll()
      .where('type', '=', 'jws-key')
      .where('revokedAt', 'is', null)
      .where((eb) => eb.or([eb('retiresAt', 'is', null), eb('retiresAt', '>', at.toISOString())]));
    if (environment !== undefined) query = query.where('environment', '=', environment);
    const rows = await query.orderBy('participantId').orderBy('environment').orderBy('id').execute();
    return rows.map(toRecord);
  }

  /**
   * What participants may see of the directory (`viewers`: their ids): the hub's keys, their own,
   * and their peers' in each environment where they hold a JWS key themselves — a DFSP enrolled
   * there must verify its peers' signatures, from sandbox testing on — but not a peer whose access
   * there was revoked (suspended, cancelled). A participant without a key of its own (a TPP, a
   * bank, a DFSP not yet that far) sees the hub's keys only. Staff read `liveJwsKeys`.
   */
  async publishedJwsKeys(viewers: string[], environment?: string, at: Date = new Date()): Promise<JwsKeyRecord[]> {
    const live = await this.liveJwsKeys(environment, at);
    const revoked = new Set(
      (await this.db.selectFrom('gatewayGrants').select(['participantId', 'environment']).where('state', '=', 'revoked').execute()).map(
        (g) => `${g.participantId}@${g.environment}`,
      ),
    );
    const enrolledIn = new Set(live.filter((k) => viewers.includes(k.participantId)).map((k) => k.environment));
    return live.filter(
      (k) =>
        k.participantId === hubKeyOwner ||
        viewers.includes(k.participantId) ||
        (enrolledIn.has(k.environment) && !revoked.has(`${k.participantId}@${k.environment}`)),
    );
  }

  /** The participant's current JWS key in the environment: the newest live one (what peers install), or null. */
  async currentJwsKey(participantId: string, environment: string, at: Date = new Date()): Promise<JwsKeyRecord | null> {
    const live = (await this.liveJwsKeys(environment, at)).filter((k) => k.participantId === participantId);
    return live.at(-1) ?? null;
  }

  /**
   * Records a client certificate of the participant's own that the hub accepted (a TPP's CA-signed
   * certificate): the gateway pins exactly this certificate for it. Idempotent by write key; a
   * renewal adds the new one beside the old, which stays until it expires or is retired.
   */
  async recordClientCertificate(request: RecordClientCertificateRequest, now: Date): Promise<{ sha256: string; notAfter: string | null }> {
    const existing = await this.db.selectFrom('participantKeys').selectAll().where('writeKey', '=', request.writeKey).executeTakeFirst();
    if (existing === undefined) {
      await this.db
        .insertInto('participantKeys')
        .values({
          writeKey: request.writeKey,
          participantId: request.participantId,
          environment: request.environment,
          type: 'tls-certificate',
          fingerprintSha256: request.sha256,
          pem: request.certificatePem,
          kid: null,
          notAfter: request.notAfter,
          acceptedAt: now.toISOString(),
          revokedAt: null,
        })
        .execute();
    }
    return { sha256: request.sha256, notAfter: request.notAfter };
  }

  /**
   * Retires the participant's own client certificates in the environment — all of them
   * (cancellation, offboarding), or the one with this SHA-256 (replaced, its grace over).
   */
  async revokeClientCertificates(participantId: string, environment: string, now: Date, sha256?: string): Promise<number> {
    let update = this.db
      .updateTable('participantKeys')
      .set({ revokedAt: now.toISOString() })
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('type', '=', 'tls-certificate')
      .where('revokedAt', 'is', null);
    if (sha256 !== undefined) update = update.where('fingerprintSha256', '=', sha256);
    return Number((await update.executeTakeFirst()).numUpdatedRows);
  }

  /** The participant's own client certificates (PEM) in force in the environment: not revoked, not expired. */
  async liveClientCertificates(participantId: string, environment: string, at: Date): Promise<string[]> {
    const rows = await this.db
      .selectFrom('participantKeys')
      .select('pem')
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('type', '=', 'tls-certificate')
      .where('revokedAt', 'is', null)
      .where((eb) => eb.or([eb('notAfter', 'is', null), eb('notAfter', '>', at.toISOString())]))
      .orderBy('acceptedAt')
      .execute();
    return rows.map((r) => r.pem);
  }

  /** Whether the participant ever had a JWS key in the environment (a DFSP), live or since retired. */
  async everHadJwsKey(participantId: string, environment: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('participantKeys')
      .select('participantId')
      .where('type', '=', 'jws-key')
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Retires the participant's JWS key in the environment (cancellation, offboarding). */
  revokeJwsKey(participantId: string, environment: string, now: Date): Promise<number> {
    return retireJwsKey(this.db, participantId, environment, now);
  }
}

/** A rotation: the participant's live keys without a retirement yet retire at `until` (an earlier one keeps its own). */
async function scheduleRetirement(
  db: Kysely<RegistrySchema>,
  participantId: string,
  environment: string,
  now: Date,
  until: Date,
): Promise<void> {
  await db
    .updateTable('participantKeys')
    .set({ retiresAt: until.toISOString() })
    .where('participantId', '=', participantId)
    .where('environment', '=', environment)
    .where('type', '=', 'jws-key')
    .where('revokedAt', 'is', null)
    .where((eb) => eb.or([eb('retiresAt', 'is', null), eb('retiresAt', '>', until.toISOString())]))
    .execute();
  // Keys whose overlap already ended are revoked now, so the record says so.
  await db
    .updateTable('participantKeys')
    .set({ revokedAt: now.toISOString() })
    .where('participantId', '=', participantId)
    .where('environment', '=', environment)
    .where('type', '=', 'jws-key')
    .where('revokedAt', 'is', null)
    .where('retiresAt', '<=', now.toISOString())
    .execute();
}

/** Marks the participant's live JWS key in the environment revoked; how many rows it changed. */
async function retireJwsKey(db: Kysely<RegistrySchema>, participantId: string, environment: string, at: Date): Promise<number> {
  const result = await db
    .updateTable('participantKeys')
    .set({ revokedAt: at.toISOString() })
    .where('participantId', '=', participantId)
    .where('environment', '=', environment)
    .where('type', '=', 'jws-key')
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

function toRecord(row: {
  participantId: string;
  environment: string;
  kid: string | null;
  fingerprintSha256: string;
  pem: string;
  notAfter: string | null;
  acceptedAt: string;
  retiresAt: string | null;
}): JwsKeyRecord {
  return {
    participantId: row.participantId,
    environment: row.environment,
    kid: row.kid ?? '',
    spkiSha256: row.fingerprintSha256,
    publicKeyPem: row.pem,
    notAfter: row.notAfter,
    acceptedAt: row.acceptedAt,
    retiresAt: row.retiresAt,
  };
}
