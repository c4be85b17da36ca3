/**
 * Every certificate the hub CA issued: the basis for idempotent signing, key-reuse checks,
 * expiry tracking and revocation. Records are appended, never overwritten.
 */
import type { Environment } from '../../workflows/vocabulary';
import type { CertificateRole } from './policy';

export interface IssuedCertificateRecord {
  /** `<participantId>/<environment>/<role>`: the onboarding step the certificate belongs to. */
  issuanceKey: string;
  csrSha256: string;
  spkiSha256: string;
  participantId: string;
  environment: Environment;
  role: CertificateRole;
  serialHex: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  certificateSha256: string;
  certificatePem: string;
  issuedAt: string;
}

export interface IssuedCertificateRegistry {
  findIssued(issuanceKey: string, csrSha256: string): Promise<IssuedCertificateRecord | null>;
  findByPublicKey(spkiSha256: string): Promise<IssuedCertificateRecord[]>;
  record(entry: IssuedCertificateRecord): Promise<void>;
  list(): Promise<IssuedCertificateRecord[]>;
}

/** In-memory adapter for tests and benchmarks; the worker uses the registry database's (SQLite or PostgreSQL). */
export class MemoryIssuedCertificateRegistry implements IssuedCertificateRegistry {
  private readonly records: IssuedCertificateRecord[] = [];

  async findIssued(issuanceKey: string, csrSha256: string): Promise<IssuedCertificateRecord | null> {
    return this.records.find((r) => r.issuanceKey === issuanceKey && r.csrSha256 === csrSha256) ?? null;
  }

  async findByPublicKey(spkiSha256: string): Promise<IssuedCertificateRecord[]> {
    return this.records.filter((r) => r.spkiSha256 === spkiSha256);
  }

  async record(entry: IssuedCertificateRecord): Promise<void> {
    this.records.push(entry);
  }

  async list(): Promise<IssuedCertificateRecord[]> {
    return [...this.records];
  }
}
