import type { Environment } from '../../workflows/vocabulary';
import type { IssuedCertificateRecord, IssuedCertificateRegistry } from './issued-registry';
import type { CertificateRole } from './policy';
import type { RegistryDb } from '../registry/database';
import type { IssuedCertificateRow } from '../registry/schema';

/** The row without the registry's own column. */
function toRecord({ revokedAt, ...record }: IssuedCertificateRow): IssuedCertificateRecord {
  void revokedAt;
  return record;
}

/**
 * Issued certificates in the registry database. (issuanceKey, csrSha256) is the primary key, so
 * recording the same issuance twice (a retried activity) keeps one row; `findByPublicKey` (the
 * DUPLICATE_KEY check) is an indexed query.
 */
export class DatabaseIssuedCertificateRegistry implements IssuedCertificateRegistry {
  constructor(private readonly db: RegistryDb) {}

  async findIssued(issuanceKey: string, csrSha256: string): Promise<IssuedCertificateRecord | null> {
    const row = await this.db
      .selectFrom('issuedCertificates')
      .selectAll()
      .where('issuanceKey', '=', issuanceKey)
      .where('csrSha256', '=', csrSha256)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async findByPublicKey(spkiSha256: string): Promise<IssuedCertificateRecord[]> {
    const rows = await this.db
      .selectFrom('issuedCertificates')
      .selectAll()
      .where('spkiSha256', '=', spkiSha256)
      .orderBy('issuedAt')
      .execute();
    return rows.map(toRecord);
  }

  async record(entry: IssuedCertificateRecord): Promise<void> {
    await this.db
      .insertInto('issuedCertificates')
      .values({ ...entry, revokedAt: null })
      .onConflict((oc) => oc.columns(['issuanceKey', 'csrSha256']).doNothing())
      .execute();
  }

  async list(): Promise<IssuedCertificateRecord[]> {
    return (await this.db.selectFrom('issuedCertificates').selectAll().orderBy('issuedAt').execute()).map(toRecord);
  }

  /** Live (not revoked, not expired) certificates of a participant for a role: what the gateway trusts. */
  async live(participantId: string, environment: Environment, role: CertificateRole, at: Date): Promise<IssuedCertificateRecord[]> {
    const rows = await this.db
      .selectFrom('issuedCertificates')
      .selectAll()
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('role', '=', role)
      .where('revokedAt', 'is', null)
      .where('notAfter', '>', at.toISOString())
      .execute();
    return rows.map(toRecord);
  }

  /** Revokes every certificate of a participant in an environment (offboarding, cancellation). */
  async revokeAll(participantId: string, environment: Environment, at: Date): Promise<number> {
    const result = await this.db
      .updateTable('issuedCertificates')
      .set({ revokedAt: at.toISOString() })
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
