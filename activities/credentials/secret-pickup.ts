/**
 * One-time pickups: a secret made by an activity reaches the API response that hands it out
 * without entering workflow history or logs. The activity deposits it (encrypted with AES-256-GCM
 * under a key kept in DATA_DIR, 0600) and the workflow carries only the pickup id; the API redeems
 * the id once — the row is deleted in the same transaction — and a second redeem finds nothing.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadOrCreateSecretKey } from '../secrets/key-file';
import { inTransaction, type RegistryDb } from '../registry/database';

export class SecretPickups {
  private readonly key: Buffer;

  constructor(
    private readonly db: RegistryDb,
    keyFile: string,
    private readonly ttlMs = 15 * 60_000,
  ) {
    this.key = loadOrCreateSecretKey(keyFile);
  }

  /**
   * Idempotent by write key: a retried activity gets the same pickup id (and its first secret stays
   * the one handed out). `db` may be a transaction, so the pickup commits with what the secret opens.
   */
  async deposit(secret: string, writeKey: string, db: RegistryDb = this.db, at = new Date()): Promise<string | null> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const sealed = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url')).join('.');
    await db
      .insertInto('credentialPickups')
      .values({ id: randomUUID(), writeKey, ciphertext: sealed, expiresAt: new Date(at.getTime() + this.ttlMs).toISOString() })
      .onConflict((oc) => oc.column('writeKey').doNothing())
      .execute();
    const row = await db.selectFrom('credentialPickups').select('id').where('writeKey', '=', writeKey).executeTakeFirst();
    // Already picked up (a retry after the API handed the secret out): nothing to pick up again.
    return row?.id ?? null;
  }

  /** The secret, once; null when already picked up, expired or unknown. */
  async redeem(id: string, at = new Date()): Promise<string | null> {
    return inTransaction(this.db, async (trx) => {
      const row = await trx.selectFrom('credentialPickups').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) return null;
      await trx.deleteFrom('credentialPickups').where('id', '=', id).execute();
      if (row.expiresAt <= at.toISOString()) return null;
      const [iv, tag, ciphertext] = row.ciphertext.split('.').map((part) => Buffer.from(part, 'base64url'));
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv as Buffer);
      decipher.setAuthTag(tag as Buffer);
      return Buffer.concat([decipher.update(ciphertext as Buffer), decipher.final()]).toString('utf8');
    });
  }

  /** Drops pickups nobody came for. */
  async purgeExpired(at = new Date()): Promise<number> {
    const result = await this.db.deleteFrom('credentialPickups').where('expiresAt', '<=', at.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** The pickups of a DATA_DIR: the worker deposits, the API redeems; the key lives under DATA_DIR/oauth. */
export function openSecretPickups(db: RegistryDb, dataDir: string): SecretPickups {
  return new SecretPickups(db, path.join(dataDir, 'oauth', 'pickup.key'));
}
