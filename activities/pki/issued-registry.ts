/**
 * Every certificate the hub CA issued: the basis for idempotent signing, key-reuse checks,
 * expiry tracking and revocation. Records are appended, never overwritten.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Environment } from '../../workflows/messages';
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

/** Embedded adapter: one JSON file, replaced atomically on each write. */
export class FileIssuedCertificateRegistry implements IssuedCertificateRegistry {
  private records: IssuedCertificateRecord[] | null = null;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async findIssued(issuanceKey: string, csrSha256: string): Promise<IssuedCertificateRecord | null> {
    return (await this.load()).find((r) => r.issuanceKey === issuanceKey && r.csrSha256 === csrSha256) ?? null;
  }

  async findByPublicKey(spkiSha256: string): Promise<IssuedCertificateRecord[]> {
    return (await this.load()).filter((r) => r.spkiSha256 === spkiSha256);
  }

  async list(): Promise<IssuedCertificateRecord[]> {
    return [...(await this.load())];
  }

  record(entry: IssuedCertificateRecord): Promise<void> {
    const run = this.writes.then(async () => {
      const records = await this.load();
      records.push(entry);
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(records, null, 1)}\n`, { mode: 0o600 });
      await rename(tmp, this.file);
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<IssuedCertificateRecord[]> {
    if (this.records !== null) return this.records;
    try {
      this.records = JSON.parse(await readFile(this.file, 'utf8')) as IssuedCertificateRecord[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.records = [];
    }
    return this.records;
  }
}

/** In-memory adapter: for tests and benchmarks, and a template for the SQLite one. */
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
