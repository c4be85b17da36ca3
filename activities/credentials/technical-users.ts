/**
 * A bank's technical users for the key keeper (seed 001: "Register secrets for key keeper, needed
 * for the Identification and Processing entities"): two per bank and environment, `identification`
 * and `processing`. Same rules as the OAuth clients: secrets from the CSPRNG, stored only as scrypt
 * hashes, handed out once through a one-time pickup written in the same transaction as the hash.
 * Asked again with a new write key, both secrets are replaced; with the same write key (a retried
 * activity), nothing changes and the pickups already made are returned.
 */
import type { Environment } from '../../workflows/vocabulary';
import { inTransaction, type RegistryDb } from '../registry/database';
import { hashSecret, newClientSecret, verifySecret } from './secret-hash';
import type { SecretPickups } from './secret-pickup';

export const technicalUserPurposes = ['identification', 'processing'] as const;
export type TechnicalUserPurpose = (typeof technicalUserPurposes)[number];

export interface TechnicalUser {
  username: string;
  purpose: TechnicalUserPurpose;
  createdAt: string;
  rotatedAt: string | null;
  /** The one-time pickup of the secret made by this request; null when it was already picked up. */
  secretPickup: string | null;
}

export function technicalUsername(participantId: string, environment: Environment, purpose: TechnicalUserPurpose): string {
  return `${participantId}.${purpose}.${environment}`;
}

export class BankTechnicalUsers {
  constructor(
    private readonly db: RegistryDb,
    private readonly pickups: SecretPickups,
  ) {}

  async issue(request: { participantId: string; environment: Environment; writeKey: string }, at = new Date()): Promise<TechnicalUser[]> {
    const users: TechnicalUser[] = [];
    for (const purpose of technicalUserPurposes) {
      const username = technicalUsername(request.participantId, request.environment, purpose);
      const writeKey = `${request.writeKey}/${purpose}`;
      const secret = newClientSecret();
      const secretHash = await hashSecret(secret);
      users.push(
        await inTransaction(this.db, async (trx) => {
          const row = await trx.selectFrom('bankTechnicalUsers').selectAll().where('username', '=', username).executeTakeFirst();
          if (row?.writeKey === writeKey) {
            // A retry of the request that made this secret: its pickup, if not yet picked up.
            const pickup = await trx.selectFrom('credentialPickups').select('id').where('writeKey', '=', writeKey).executeTakeFirst();
            return { username, purpose, createdAt: row.createdAt, rotatedAt: row.rotatedAt, secretPickup: pickup?.id ?? null };
          }
          const stamp = at.toISOString();
          if (row) {
            await trx
              .updateTable('bankTechnicalUsers')
              .set({ secretHash, writeKey, rotatedAt: stamp, revokedAt: null })
              .where('username', '=', username)
              .execute();
          } else {
            await trx
              .insertInto('bankTechnicalUsers')
              .values({
                username,
                participantId: request.participantId,
                environment: request.environment,
                purpose,
                secretHash,
                writeKey,
                createdAt: stamp,
                rotatedAt: null,
                revokedAt: null,
              })
              .execute();
          }
          const secretPickup = await this.pickups.deposit(secret, writeKey, trx, at);
          return { username, purpose, createdAt: row?.createdAt ?? stamp, rotatedAt: row ? stamp : null, secretPickup };
        }),
      );
    }
    return users;
  }

  /** Cancellation, offboarding: the secrets stop working. */
  async revoke(participantId: string, environment: Environment, at = new Date()): Promise<number> {
    const result = await this.db
      .updateTable('bankTechnicalUsers')
      .set({ revokedAt: at.toISOString() })
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Whether a presented secret is the user's current one (what the key keeper asks). */
  async verify(username: string, secret: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('bankTechnicalUsers')
      .select(['secretHash', 'revokedAt'])
      .where('username', '=', username)
      .executeTakeFirst();
    if (!row || row.revokedAt !== null) return false;
    return verifySecret(row.secretHash, secret);
  }
}
