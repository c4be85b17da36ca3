import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import {
  describeRegistry,
  inTransaction,
  isPostgres,
  openRegistry,
  registryFile,
  registryLocation,
  RegistryLocationError,
} from '../../activities/registry/database';
import { DatabaseIssuedCertificateRegistry } from '../../activities/pki/issued-certificates';
import type { IssuedCertificateRecord } from '../../activities/pki/issued-registry';
import { newTestDatabase, registryBackends } from '../support/postgres';
import { loadApiConfig } from '../../api/config';
import { loadWorkerConfig } from '../../worker/config';

const run = promisify(execFile);

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

const MIGRATIONS = [
  '2026-11-23-001-registries',
  '2026-11-23-002-credential-pickups',
  '2026-11-23-003-hub-client-keys',
  '2026-12-02-004-bank-counterparties',
  '2026-12-02-005-oauth-redirect-uris',
  '2026-12-02-006-callback-routes-packs-key-overlap',
  '2026-12-03-007-uat-runs',
  '2026-12-03-008-api-keys',
];

describe('where the registry lives (REGISTRY_URL)', () => {
  it('is the SQLite file under DATA_DIR unless REGISTRY_URL names a PostgreSQL database', () => {
    expect(registryLocation({}, '/srv/hub')).toBe(path.join('/srv/hub', 'registry', 'registry.sqlite'));
    expect(registryLocation({ REGISTRY_URL: ' ' }, '/srv/hub')).toBe(registryFile('/srv/hub'));
    expect(registryLocation({ REGISTRY_URL: 'postgres://hub:pw@db:5432/hub' }, '/srv/hub')).toBe('postgres://hub:pw@db:5432/hub');
    expect(registryLocation({ REGISTRY_URL: 'postgresql://db/hub' }, '/srv/hub')).toBe('postgresql://db/hub');
  });

  it('refuses any other URL, naming the form it expects', () => {
    expect(() => registryLocation({ REGISTRY_URL: 'mysql://db/hub' }, '/srv/hub')).toThrow(RegistryLocationError);
    expect(() => registryLocation({ REGISTRY_URL: '/srv/hub/registry.sqlite' }, '/srv/hub')).toThrow(/postgres:\/\/user:password@host/);
  });

  it('is one setting for the worker (and the edge processes that read its configuration) and the API alike', () => {
    const env = { DATA_DIR: '/srv/hub', REGISTRY_URL: 'postgres://hub@db:5432/hub' };
    expect(loadWorkerConfig(env).registry).toBe('postgres://hub@db:5432/hub');
    expect(loadApiConfig(env).registry).toBe('postgres://hub@db:5432/hub');
    expect(loadWorkerConfig({ DATA_DIR: '/srv/hub' }).registry).toBe(registryFile('/srv/hub'));
    expect(loadApiConfig({ DATA_DIR: '/srv/hub' }).registry).toBe(registryFile('/srv/hub'));
    expect(() => loadWorkerConfig({ REGISTRY_URL: 'mysql://db/hub' })).toThrow(/REGISTRY_URL: must be a PostgreSQL URL/);
    expect(() => loadApiConfig({ REGISTRY_URL: 'sqlite:hub.db' })).toThrow(/REGISTRY_URL: must be a PostgreSQL URL/);
  });

  it('never prints the password', () => {
    expect(describeRegistry('postgres://hub:s3cret@db:5432/hub')).toBe('postgres://hub:***@db:5432/hub');
    expect(describeRegistry('/srv/hub/registry.sqlite')).toBe('/srv/hub/registry.sqlite');
  });

  it('names the database, without its password, when it cannot be reached', async () => {
    const url = 'postgres://hub:s3cret@127.0.0.1:1/nowhere';
    const error = await openRegistry(url).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/nowhere/);
    expect(error?.message).not.toContain('s3cret');
  });
});

describe.each(registryBackends)('registry database on $name', (backend) => {
  let location: string;
  beforeAll(async () => {
    location = await backend.location('registry-db');
  });

  it('runs each migration once, also on the next open', async () => {
    const first = await openRegistry(location);
    expect(isPostgres(first)).toBe(backend.name === 'PostgreSQL');
    if (backend.name === 'SQLite') {
      const mode = await sql<{ journalMode: string }>`pragma journal_mode`.execute(first);
      expect(mode.rows[0]?.journalMode).toBe('wal');
    }
    await first.destroy();
    const again = await openRegistry(location);
    const ran = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(again);
    expect(ran.rows.map((r) => r.name)).toEqual(MIGRATIONS);
    await again.destroy();
  });

  it('records an issuance once however often a retried activity writes it, and keeps it across restarts', async () => {
    const db = await openRegistry(location);
    const registry = new DatabaseIssuedCertificateRegistry(db);
    await Promise.all([registry.record(record()), registry.record(record())]);
    await registry.record(record());
    await db.destroy();
    const reopened = await openRegistry(location);
    const again = new DatabaseIssuedCertificateRegistry(reopened);
    expect(await again.list()).toEqual([record()]);
    expect(await again.findIssued('acme/sandbox/tls-client', 'c'.repeat(64))).toEqual(record());
    expect(await again.findIssued('acme/sandbox/tls-client', 'd'.repeat(64))).toBeNull();
    await reopened.destroy();
  });

  it('finds certificates by public key through an index (the DUPLICATE_KEY check), not a scan', async () => {
    const db = await openRegistry(location);
    const registry = new DatabaseIssuedCertificateRegistry(db);
    await registry.record(
      record({ issuanceKey: 'other/sandbox/tls-client', participantId: 'other', csrSha256: 'e'.repeat(64), serialHex: '0C' }),
    );
    expect((await registry.findByPublicKey('s'.repeat(64))).map((r) => r.participantId).sort()).toEqual(['acme', 'other']);
    expect(await registry.findByPublicKey('t'.repeat(64))).toEqual([]);
    if (backend.name === 'SQLite') {
      const plan = await sql<{
        detail: string;
      }>`explain query plan select * from issued_certificates where spki_sha256 = ${'s'.repeat(64)}`.execute(db);
      expect(plan.rows.map((r) => r.detail).join(' ')).toContain('USING INDEX issued_certificates_spki');
    } else {
      // A tiny table is scanned by choice; with scans off the planner must have the index to use.
      const plan = await inTransaction(db, async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        return sql<{ 'QUERY PLAN': string }>`explain select * from issued_certificates where spki_sha256 = ${'s'.repeat(64)}`.execute(trx);
      });
      expect(plan.rows.map((r) => r['QUERY PLAN']).join(' ')).toContain('issued_certificates_spki');
    }
    await db.destroy();
  });

  it('lists live certificates of a participant and revokes them all', async () => {
    const db = await openRegistry(location);
    const registry = new DatabaseIssuedCertificateRegistry(db);
    const at = new Date('2026-12-01T00:00:00Z');
    expect((await registry.live('acme', 'sandbox', 'tls-client', at)).map((r) => r.serialHex)).toEqual(['0A1B']);
    expect(await registry.live('acme', 'sandbox', 'tls-client', new Date('2027-03-01T00:00:00Z'))).toEqual([]);
    expect(await registry.revokeAll('acme', 'sandbox', at)).toBe(1);
    expect(await registry.revokeAll('acme', 'sandbox', at)).toBe(0);
    expect(await registry.live('acme', 'sandbox', 'tls-client', at)).toEqual([]);
    await db.destroy();
  });
});

describe('the SQLite registry file', () => {
  it('is created under DATA_DIR', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'registry-file-'));
    const db = await openRegistry(registryFile(dir));
    await db.destroy();
    expect(registryFile(dir)).toBe(path.join(dir, 'registry', 'registry.sqlite'));
  });
});

describe('one PostgreSQL registry, many processes', () => {
  it('is migrated once when four processes open a new database at the same moment', async () => {
    const url = await newTestDatabase('migrate-race');
    const script = `require('tsx/cjs'); require(${JSON.stringify(path.resolve(__dirname, '../../activities/registry/database.ts'))}).openRegistry(process.argv[1]).then((db) => db.destroy())`;
    await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, ['-e', script, url], { cwd: path.resolve(__dirname, '../..') })));
    const db = await openRegistry(url);
    const ran = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    expect(ran.rows.map((r) => r.name)).toEqual(MIGRATIONS);
    await db.destroy();
  });
});
