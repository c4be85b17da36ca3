/**
 * The hub's JWT signing keys, one live pair per environment (ES256, P-256): a bank counterparty's
 * authorization service verifies the processing centre's requests with the public key (JWK and
 * PEM, from the API); the private key stays here, encrypted at rest (PKCS#8, AES-256-CBC, the
 * passphrase a 256-bit secret under DATA_DIR), and never reaches a workflow. Rotation-ready: a key
 * has a `kid` (RFC 7638 thumbprint); rotating retires the live one and makes the next, and the
 * retired one stays published until it is removed, so verifiers can overlap.
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import type { JWK } from 'jose';
import type { Environment } from '../../workflows/vocabulary';
import type { RegistryDb } from '../registry/database';
import { KeySeal } from '../secrets/sealed-key';

export const hubJwtAlgorithm = 'ES256';

export interface HubJwtKey {
  kid: string;
  environment: Environment;
  /** The public key as a JWK (kty, crv, x, y, kid, alg, use). */
  jwk: JWK;
  publicKeyPem: string;
  createdAt: string;
  retiredAt: string | null;
}

export interface TestJwtRequest {
  environment: Environment;
  /** The bank's authorization URL: the token's audience. */
  audience: string;
  /** Who the token speaks for (the counterparty being checked). */
  subject: string;
  /** The token's id (the check's write key): a replay of the check sends the same claims. */
  jti: string;
  issuer: string;
}

export class HubJwtKeys {
  readonly #seal: KeySeal;

  /** @param secretKey 32 bytes from DATA_DIR (loadOrCreateSecretKey): the passphrase of every stored key. */
  constructor(
    private readonly db: RegistryDb,
    secretKey: Buffer,
  ) {
    this.#seal = new KeySeal(secretKey);
  }

  /** The environment's live key, made on first use; concurrent first uses end with one key. */
  async live(environment: Environment, now = new Date()): Promise<HubJwtKey> {
    return toKey(await this.liveRowMade(environment, now));
  }

  private async liveRowMade(environment: Environment, now: Date) {
    const found = await this.liveRow(environment);
    if (found) return found;
    const made = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = await exportJWK(made.publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    await this.db
      .insertInto('hubJwtKeys')
      .values({
        kid,
        environment,
        publicJwk: JSON.stringify({ ...jwk, kid, alg: hubJwtAlgorithm, use: 'sig' }),
        publicKeyPem: made.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        encryptedKeyPem: this.#seal.seal(made.privateKey),
        createdAt: now.toISOString(),
        retiredAt: null,
      })
      // Another process made the environment's key first (the unique live index): use theirs.
      .onConflict((oc) => oc.doNothing())
      .execute();
    const row = await this.liveRow(environment);
    if (!row) throw new TypeError(`no live JWT key for ${environment} after making one`);
    return row;
  }

  /** Every key a verifier should accept for the environment: the live one first, then retired ones not yet removed. */
  async published(environment: Environment): Promise<HubJwtKey[]> {
    const rows = await this.db
      .selectFrom('hubJwtKeys')
      .selectAll()
      .where('environment', '=', environment)
      .orderBy('retiredAt', 'desc')
      .orderBy('createdAt', 'desc')
      .execute();
    return rows.map(toKey).sort((a, b) => Number(a.retiredAt !== null) - Number(b.retiredAt !== null));
  }

  /** Retires the live key and makes the next one. */
  async rotate(environment: Environment, now = new Date()): Promise<HubJwtKey> {
    await this.db
      .updateTable('hubJwtKeys')
      .set({ retiredAt: now.toISOString() })
      .where('environment', '=', environment)
      .where('retiredAt', 'is', null)
      .execute();
    return this.live(environment, now);
  }

  /** A short-lived JWT signed with the environment's live key (header kid), as the processing centre's requests carry. */
  async signTestJwt(request: TestJwtRequest, now = new Date()): Promise<{ jwt: string; kid: string }> {
    const row = await this.liveRowMade(request.environment, now);
    const privateKey = this.#seal.open(row.encryptedKeyPem);
    const issuedAt = Math.floor(now.getTime() / 1000);
    const jwt = await new SignJWT({ purpose: 'onboarding-check' })
      .setProtectedHeader({ alg: hubJwtAlgorithm, kid: row.kid, typ: 'JWT' })
      .setIssuer(request.issuer)
      .setAudience(request.audience)
      .setSubject(request.subject)
      .setJti(request.jti)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 300)
      .sign(privateKey);
    return { jwt, kid: row.kid };
  }

  private liveRow(environment: Environment) {
    return this.db
      .selectFrom('hubJwtKeys')
      .selectAll()
      .where('environment', '=', environment)
      .where('retiredAt', 'is', null)
      .executeTakeFirst();
  }
}

function toKey(row: {
  kid: string;
  environment: string;
  publicJwk: string;
  publicKeyPem: string;
  createdAt: string;
  retiredAt: string | null;
}): HubJwtKey {
  return {
    kid: row.kid,
    environment: row.environment as Environment,
    jwk: JSON.parse(row.publicJwk) as JWK,
    publicKeyPem: row.publicKeyPem,
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
  };
}
