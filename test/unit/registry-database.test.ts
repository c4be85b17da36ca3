import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openRegistry, registryFile } from '../../activities/registry/database';
import { SqliteIssuedCertificateRegistry } from '../../activities/pki/issued-certificates';
import type { IssuedCertificateRecord } from '../../activities/pki/issued-registry';

function record(overrides: Partial<IssuedCertificateRecord> = {}): IssuedCertificateRecord {
  return {
    issuanceKey: 'acme/sandbox/tls-client',
    csrSha256: 'c'.repeat(64),
    spkiSha256: 's'.repeat(64),
    participantId: 'acme',
    environment: 'sandbox',
    role: 'tls-client',
    serialHex: '0A1B',
    subject: 'CN=acme',
    notBefore: '2026-11-01T00:00:00.000Z',
    notAfter: '2027-02-01T00:00:00.000Z',
    certificateSha256: 'f'.repeat(64),
    certificatePem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
    issuedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('registry database', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'registry-db-'));
  const file = registryFile(dir);

  it('creates the file under DATA_DIR in WAL mode and runs each migration once, also on the next open', async () => {
    const first = await openRegistry(file);
    const mode = await sql<{ journalMode: string }>`pragma journal_mode`.execute(first);
    expect(mode.rows[0]?.journalMode).toBe('wal');
    await first.destroy();
    const again = await openRegistry(file);
    const ran = await sql<{ name: string }>`select name from kysely_migration`.execute(again);
    expect(ran.rows.map((r) => r.name)).toEqual([
      '2026-11-23-001-registries',
      '2026-11-23-002-credential-pickups',
      '2026-11-23-003-hub-client-keys',
      '2026-12-02-004-bank-counterparties',
      '2026-12-02-005-oauth-redirect-uris',
      '2026-12-02-006-callback-routes-packs-key-overlap',
      '2026-12-03-007-uat-runs',
      '2026-12-03-008-api-keys',
    ]);
    await again.destroy();
    expect(file).toBe(path.join(dir, 'registry', 'registry.sqlite'));
  });

  it('records an issuance once however often a retried activity writes it, and keeps it across restarts', async () => {
    const db = await openRegistry(file);
    const registry = new SqliteIssuedCertificateRegistry(db);
    await Promise.all([registry.record(record()), registry.record(record())]);
    await registry.record(record());
    await db.destroy();
    const reopened = await openRegistry(file);
    const again = new SqliteIssuedCertificateRegistry(reopened);
    expect(await again.list()).toEqual([record()]);
    expect(await again.findIssued('acme/sandbox/tls-client', 'c'.repeat(64))).toEqual(record());
    expect(await again.findIssued('acme/sandbox/tls-client', 'd'.repeat(64))).toBeNull();
    await reopened.destroy();
  });

  it('finds certificates by public key through an index (the DUPLICATE_KEY check), not a scan', async () => {
    const db = await openRegistry(file);
    const registry = new SqliteIssuedCertificateRegistry(db);
    await registry.record(
      record({ issuanceKey: 'other/sandbox/tls-client', participantId: 'other', csrSha256: 'e'.repeat(64), serialHex: '0C' }),
    );
    expect((await registry.findByPublicKey('s'.repeat(64))).map((r) => r.participantId)).toEqual(['acme', 'other']);
    expect(await registry.findByPublicKey('t'.repeat(64))).toEqual([]);
    const plan = await sql<{
      detail: string;
    }>`explain query plan select * from issued_certificates where spki_sha256 = ${'s'.repeat(64)}`.execute(db);
    expect(plan.rows.map((r) => r.detail).join(' ')).toContain('USING INDEX issued_certificates_spki');
    await db.destroy();
  });

  it('lists live certificates of a participant and revokes them all', async () => {
    const db = await openRegistry(file);
    const registry = new SqliteIssuedCertificateRegistry(db);
    const at = new Date('2026-12-01T00:00:00Z');
    expect((await registry.live('acme', 'sandbox', 'tls-client', at)).map((r) => r.serialHex)).toEqual(['0A1B']);
    expect(await registry.live('acme', 'sandbox', 'tls-client', new Date('2027-03-01T00:00:00Z'))).toEqual([]);
    expect(await registry.revokeAll('acme', 'sandbox', at)).toBe(1);
    expect(await registry.revokeAll('acme', 'sandbox', at)).toBe(0);
    expect(await registry.live('acme', 'sandbox', 'tls-client', at)).toEqual([]);
    await db.destroy();
  });
});
