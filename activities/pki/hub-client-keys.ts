/**
 * The hub's own client certificates towards participants (seed 004, "TLS, hub → DFSP"): the hub
 * makes a key pair and a CSR per participant and environment, the participant's CA signs it, and
 * the hub uses the pair for its outbound mTLS calls (callbacks, the connectivity proof).
 *
 * The private key never leaves this module unencrypted except to open a TLS connection: it is kept
 * in the registry as an encrypted PKCS#8 PEM (PBES2, AES-256-CBC — `openssl pkey -in key.pem`
 * opens it with the passphrase), the passphrase a 256-bit secret in a 0600 file under DATA_DIR.
 * Workflows only ever see the CSR, fingerprints and the installed certificate (all public).
 *
 * Exactly one live key per (participant, environment): a unique partial index holds it, and
 * `prepare` returns the live key's CSR when there is one, so a retried activity makes no second key.
 */
import { DomainError } from '../domain-error';
import { inTransaction, type RegistryDb } from '../registry/database';
import { KeySeal } from '../secrets/sealed-key';
import type { NameSpec } from './certificate-builder';
import { makeKeyAndCsr } from './csr-builder';
import { toPem } from './pem';
import { oids, sha256Hex } from './x509-model';

export interface HubClientCsr {
  participantId: string;
  environment: string;
  subject: string;
  csrPem: string;
  /** sha256 of the key pair's SubjectPublicKeyInfo: what the returned certificate must certify. */
  spkiSha256: string;
  keyAlgorithm: string;
  createdAt: string;
}

export interface HubClientCertificate {
  serialHex: string;
  /** sha256 of the certificate DER. */
  sha256: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** The leaf, then the participant CA's intermediates. */
  certificatePem: string;
  /** The participant's root CA, when it sent one. */
  rootPem: string | null;
}

export interface HubClientKeyRecord extends HubClientCsr {
  state: 'awaiting-certificate' | 'installed';
  certificate: HubClientCertificate | null;
  installedAt: string | null;
}

/** The installed certificate of the hub's live client key towards a participant (public: what the participant's CA signed), or null. */
export async function installedHubClientCertificate(
  db: RegistryDb,
  participantId: string,
  environment: string,
): Promise<HubClientCertificate | null> {
  const row = await db
    .selectFrom('hubClientKeys')
    .select('certificateJson')
    .where('participantId', '=', participantId)
    .where('environment', '=', environment)
    .where('retiredAt', 'is', null)
    .where('state', '=', 'installed')
    .executeTakeFirst();
  return row?.certificateJson ? (JSON.parse(row.certificateJson) as HubClientCertificate) : null;
}

/** What an outbound mTLS connection presents: key (decrypted, in memory only) and certificate chain. */
export interface OutboundClientIdentity {
  keyPem: string;
  certificatePem: string;
  spkiSha256: string;
}

/** An RSA-2048 key pair and its CSR (pkijs, signed SHA-256), asking for a clientAuth certificate. */
const makeClientKeyAndCsr = (subject: NameSpec) => makeKeyAndCsr({ subject, purposes: [oids.clientAuth] });

type Row = Awaited<ReturnType<HubClientKeys['liveRow']>>;

export class HubClientKeys {
  readonly #seal: KeySeal;

  /**
   * @param secretKey 32 bytes from DATA_DIR (loadOrCreateSecretKey): the passphrase of every stored key.
   * @param subjectFor the subject of the hub's CSR towards a participant.
   */
  constructor(
    private readonly db: RegistryDb,
    secretKey: Buffer,
    private readonly subjectFor: (participantId: string, environment: string) => NameSpec,
  ) {
    this.#seal = new KeySeal(secretKey);
  }

  /** The live key's CSR, making the key pair when the participant has none in the environment. Idempotent. */
  async prepare(participantId: string, environment: string, now: Date): Promise<HubClientKeyRecord> {
    const existing = await this.liveRow(participantId, environment);
    if (existing) return toRecord(existing);
    const subject = this.subjectFor(participantId, environment);
    const made = await makeClientKeyAndCsr(subject);
    const encrypted = this.#seal.seal(made.privateKey);
    await this.db
      .insertInto('hubClientKeys')
      .values({
        participantId,
        environment,
        state: 'awaiting-certificate',
        subject: [subject.C ? `C=${subject.C}` : null, subject.O ? `O=${subject.O}` : null, `CN=${subject.CN}`].filter(Boolean).join(', '),
        csrPem: toPem('CERTIFICATE REQUEST', made.csrDer),
        spkiSha256: sha256Hex(made.spkiDer),
        keyAlgorithm: 'RSA-2048',
        encryptedKeyPem: encrypted,
        certificateJson: null,
        createdAt: now.toISOString(),
        installedAt: null,
        retiredAt: null,
      })
      // A concurrent prepare won the unique (participant, environment) live slot: theirs stands.
      .onConflict((oc) => oc.columns(['participantId', 'environment']).where('retiredAt', 'is', null).doNothing())
      .execute();
    const row = await this.liveRow(participantId, environment);
    if (!row) throw new Error(`hub client key for ${participantId}/${environment} vanished after insert`);
    return toRecord(row);
  }

  /** The live key and, once installed, its certificate; null when the hub made none. */
  async live(participantId: string, environment: string): Promise<HubClientKeyRecord | null> {
    const row = await this.liveRow(participantId, environment);
    return row ? toRecord(row) : null;
  }

  /**
   * Installs the certificate the participant's CA issued for the live key (the caller checked it
   * certifies `spkiSha256`). Installing the same certificate again changes nothing; another one for
   * the same key replaces it. Null when the live key is not `spkiSha256` (it was replaced).
   */
  async install(
    participantId: string,
    environment: string,
    spkiSha256: string,
    certificate: HubClientCertificate,
    now: Date,
  ): Promise<HubClientKeyRecord | null> {
    return inTransaction(this.db, async (trx) => {
      const row = await trx
        .selectFrom('hubClientKeys')
        .selectAll()
        .where('participantId', '=', participantId)
        .where('environment', '=', environment)
        .where('retiredAt', 'is', null)
        .executeTakeFirst();
      if (!row || row.spkiSha256 !== spkiSha256) return null;
      const current = row.certificateJson ? (JSON.parse(row.certificateJson) as HubClientCertificate) : null;
      if (current?.sha256 === certificate.sha256) return toRecord(row);
      const updated = await trx
        .updateTable('hubClientKeys')
        .set({ state: 'installed', certificateJson: JSON.stringify(certificate), installedAt: now.toISOString() })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(updated);
    });
  }

  /** The key and certificate chain an outbound mTLS connection to the participant presents; null until installed. */
  async outboundIdentity(participantId: string, environment: string): Promise<OutboundClientIdentity | null> {
    const row = await this.liveRow(participantId, environment);
    if (!row || row.certificateJson === null) return null;
    const certificate = JSON.parse(row.certificateJson) as HubClientCertificate;
    const key = this.#seal.open(row.encryptedKeyPem);
    return {
      keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      certificatePem: certificate.certificatePem,
      spkiSha256: row.spkiSha256,
    };
  }

  /** Retires the live key (cancellation, offboarding, or before a renewal makes a new one). */
  async retire(participantId: string, environment: string, now: Date): Promise<number> {
    const result = await this.db
      .updateTable('hubClientKeys')
      .set({ retiredAt: now.toISOString() })
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('retiredAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  private liveRow(participantId: string, environment: string) {
    return this.db
      .selectFrom('hubClientKeys')
      .selectAll()
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .where('retiredAt', 'is', null)
      .executeTakeFirst();
  }
}

function toRecord(row: NonNullable<Row>): HubClientKeyRecord {
  return {
    participantId: row.participantId,
    environment: row.environment,
    subject: row.subject,
    csrPem: row.csrPem,
    spkiSha256: row.spkiSha256,
    keyAlgorithm: row.keyAlgorithm,
    createdAt: row.createdAt,
    state: row.state,
    certificate: row.certificateJson ? (JSON.parse(row.certificateJson) as HubClientCertificate) : null,
    installedAt: row.installedAt,
  };
}

/** The subject of the hub's client CSRs: the hub's name, the environment it calls in. */
export function hubClientSubject(hubName: string): (participantId: string, environment: string) => NameSpec {
  return (_participantId, environment) => ({ CN: `${hubName} client (${environment})`, O: hubName });
}

/** The hub's client key is missing or was replaced: a bug or a stale certificate, never the participant's input. */
export class HubClientKeyError extends DomainError<'HUB_CLIENT_KEY_MISSING' | 'HUB_CLIENT_KEY_REPLACED'> {}
