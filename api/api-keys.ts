/**
 * API keys in the registry database: what operators issue, rotate and revoke through the API for
 * participants, and the key file's entries imported at start (the bootstrap). Only the SHA-256 of
 * a key is stored; the key is shown once, in the answer that made it. Every API process reads the
 * same table on every request, so a key issued or revoked in one process counts at once in all.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ApiKeysTable, RegistrySchema } from '../activities/registry/schema';
import { inTransaction } from '../activities/registry/database';
import { ApiKeyEntry, Grant, newApiKey } from './auth';
import { ApiError } from './errors';

export interface ApiKeyView {
  keyId: string;
  name: string;
  grants: Grant[];
  participantId: string | null;
  source: 'api' | 'file';
  createdAt: string;
  createdBy: string;
  state: 'active' | 'revoked';
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
  /** The key that replaced it in a rotation. */
  replacedBy: string | null;
}

/** A key just made: its record and the key itself (shown once). */
export interface IssuedApiKey {
  view: ApiKeyView;
  key: string;
}

const viewOf = (row: ApiKeysTable): ApiKeyView => ({
  keyId: row.keyId,
  name: row.name,
  grants: JSON.parse(row.grantsJson) as Grant[],
  participantId: row.participantId,
  source: row.source === 'file' ? 'file' : 'api',
  createdAt: row.createdAt,
  createdBy: row.createdBy,
  state: row.revokedAt === null ? 'active' : 'revoked',
  revokedAt: row.revokedAt,
  revokedBy: row.revokedBy,
  revokedReason: row.revokedReason,
  replacedBy: row.replacedBy,
});

const newKeyId = () => `key_${randomBytes(9).toString('base64url')}`;

export class ApiKeyStore {
  constructor(
    private readonly db: Kysely<RegistrySchema>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The active key with this hash, as the authenticator needs it; null when unknown or revoked. */
  async activeByHash(hash: string): Promise<ApiKeyEntry | null> {
    const row = await this.db
      .selectFrom('apiKeys')
      .select(['name', 'grantsJson', 'hash'])
      .where('hash', '=', hash)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return row ? { name: row.name, grants: JSON.parse(row.grantsJson) as Grant[], hash: row.hash } : null;
  }

  /** A participant's key: it authenticates as `<label>@<participantId>` with the one grant `participant:<participantId>`. */
  async issueParticipantKey(participantId: string, label: string, by: string): Promise<IssuedApiKey> {
    const { key, entry } = newApiKey(`${label}@${participantId}`, [`participant:${participantId}`]);
    const row: ApiKeysTable = {
      keyId: newKeyId(),
      name: entry.name,
      grantsJson: JSON.stringify(entry.grants),
      hash: entry.hash,
      participantId,
      source: 'api',
      createdAt: this.now().toISOString(),
      createdBy: by,
      revokedAt: null,
      revokedBy: null,
      revokedReason: null,
      replacedBy: null,
    };
    await this.db.insertInto('apiKeys').values(row).execute();
    return { view: viewOf(row), key };
  }

  async list(participantId: string): Promise<ApiKeyView[]> {
    const rows = await this.db.selectFrom('apiKeys').selectAll().where('participantId', '=', participantId).orderBy('createdAt').execute();
    return rows.map(viewOf);
  }

  private async find(participantId: string, keyId: string): Promise<ApiKeysTable> {
    const row = await this.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('keyId', '=', keyId)
      .where('participantId', '=', participantId)
      .executeTakeFirst();
    if (row === undefined) throw new ApiError('API_KEY_NOT_FOUND', `${participantId} has no API key ${keyId}`);
    return row;
  }

  /** Revokes at once (every API process refuses it from the next request). Revoking a revoked key answers its record. */
  async revoke(participantId: string, keyId: string, by: string, reason: string): Promise<ApiKeyView> {
    const row = await this.find(participantId, keyId);
    if (row.revokedAt !== null) return viewOf(row);
    const revoked = { revokedAt: this.now().toISOString(), revokedBy: by, revokedReason: reason };
    await this.db.updateTable('apiKeys').set(revoked).where('keyId', '=', keyId).where('revokedAt', 'is', null).execute();
    return viewOf({ ...row, ...revoked });
  }

  /** A new key with the same principal and grants; the old one is revoked in the same transaction. */
  async rotate(participantId: string, keyId: string, by: string, reason: string): Promise<IssuedApiKey> {
    return inTransaction(this.db, async (trx) => {
      const store = new ApiKeyStore(trx, this.now);
      const row = await store.find(participantId, keyId);
      if (row.revokedAt !== null) throw new ApiError('API_KEY_REVOKED', `${keyId} was revoked ${row.revokedAt}; issue a new key instead`);
      const label = row.name.endsWith(`@${participantId}`) ? row.name.slice(0, -participantId.length - 1) : row.name;
      const issued = await store.issueParticipantKey(participantId, label, by);
      await trx
        .updateTable('apiKeys')
        .set({ revokedAt: issued.view.createdAt, revokedBy: by, revokedReason: `rotated: ${reason}`, replacedBy: issued.view.keyId })
        .where('keyId', '=', keyId)
        .execute();
      return issued;
    });
  }

  /** The key file's entries, once each (by hash): a key revoked here stays revoked though the file still lists it. */
  async importFile(entries: ApiKeyEntry[]): Promise<number> {
    let imported = 0;
    for (const entry of entries) {
      const participant = entry.grants.find((g) => g.startsWith('participant:'));
      const result = await this.db
        .insertInto('apiKeys')
        .values({
          keyId: newKeyId(),
          name: entry.name,
          grantsJson: JSON.stringify(entry.grants),
          hash: entry.hash,
          participantId: participant ? participant.slice('participant:'.length) : null,
          source: 'file',
          createdAt: this.now().toISOString(),
          createdBy: 'api-keys-file',
          revokedAt: null,
          revokedBy: null,
          revokedReason: null,
          replacedBy: null,
        })
        .onConflict((oc) => oc.column('hash').doNothing())
        .executeTakeFirst();
      imported += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return imported;
  }
}
