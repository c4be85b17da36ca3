/**
 * Versioned migrations, run at start (kysely Migrator). Append new ones; never edit a released one:
 * a database remembers which it ran (table kysely_migration).
 */
import { ColumnDefinitionBuilder, Kysely, Migration, sql } from 'kysely';
import { isPostgres } from './dialect';

// Migrations see the database untyped: they describe how it came to be, not what it is now.
type Db = Kysely<unknown>;

/**
 * The two spellings a migration needs per database, SQLite's unchanged from the first release: an
 * auto-numbered key (`integer … autoincrement` / `serial`), and epoch seconds (SQLite's integer is
 * 64-bit; PostgreSQL's is not, so `bigint`).
 */
function spelling(db: Db) {
  const postgres = isPostgres(db);
  return {
    autoId: postgres ? ('serial' as const) : ('integer' as const),
    autoIdColumn: (c: ColumnDefinitionBuilder) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()),
    epochSeconds: postgres ? ('bigint' as const) : ('integer' as const),
  };
}

export const migrations: Record<string, Migration> = {
  '2026-11-23-001-registries': {
    async up(db: Db) {
      const { autoId, autoIdColumn, epochSeconds } = spelling(db);
      await db.schema
        .createTable('issued_certificates')
        .addColumn('issuance_key', 'text', (c) => c.notNull())
        .addColumn('csr_sha256', 'text', (c) => c.notNull())
        .addColumn('spki_sha256', 'text', (c) => c.notNull())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('serial_hex', 'text', (c) => c.notNull().unique())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text', (c) => c.notNull())
        .addColumn('certificate_sha256', 'text', (c) => c.notNull())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addPrimaryKeyConstraint('issued_certificates_pk', ['issuance_key', 'csr_sha256'])
        .execute();
      await db.schema.createIndex('issued_certificates_spki').on('issued_certificates').column('spki_sha256').execute();
      await db.schema
        .createIndex('issued_certificates_participant')
        .on('issued_certificates')
        .columns(['participant_id', 'environment', 'role'])
        .execute();

      await db.schema
        .createTable('participant_keys')
        .addColumn('id', autoId, autoIdColumn)
        .addColumn('write_key', 'text', (c) => c.notNull().unique())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('tls-certificate', 'jws-key')`))
        .addColumn('fingerprint_sha256', 'text', (c) => c.notNull())
        .addColumn('pem', 'text', (c) => c.notNull())
        .addColumn('kid', 'text')
        .addColumn('not_after', 'text')
        .addColumn('accepted_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('participant_keys_participant')
        .on('participant_keys')
        .columns(['participant_id', 'environment', 'type'])
        .execute();

      await db.schema
        .createTable('oauth_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('write_key', 'text', (c) => c.notNull().unique())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('auth_method', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text')
        .addColumn('previous_secret_hash', 'text')
        .addColumn('previous_secret_expires_at', 'text')
        .addColumn('tls_subject_dn', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('rotated_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('oauth_clients_participant').on('oauth_clients').columns(['participant_id', 'environment']).execute();

      await db.schema
        .createTable('oidc_payloads')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('user_code', 'text')
        .addColumn('expires_at', epochSeconds)
        .addColumn('consumed_at', epochSeconds)
        .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
        .execute();
      await db.schema.createIndex('oidc_payloads_grant').on('oidc_payloads').column('grant_id').execute();
      await db.schema.createIndex('oidc_payloads_expiry').on('oidc_payloads').column('expires_at').execute();

      await db.schema
        .createTable('allowlist_versions')
        .addColumn('id', autoId, autoIdColumn)
        .addColumn('write_key', 'text', (c) => c.notNull().unique())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('accepted_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('allowlist_versions_version', ['participant_id', 'environment', 'version'])
        .execute();
      await db.schema
        .createTable('allowlist_entries')
        .addColumn('version_id', 'integer', (c) => c.notNull().references('allowlist_versions.id').onDelete('cascade'))
        .addColumn('cidr', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('allowlist_entries_pk', ['version_id', 'cidr'])
        .execute();

      await db.schema
        .createTable('gateway_grants')
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('granted', 'revoked')`))
        .addColumn('write_key', 'text', (c) => c.notNull())
        .addColumn('changed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('gateway_grants_pk', ['participant_id', 'environment'])
        .execute();

      await db.schema
        .createTable('gateway_revisions')
        .addColumn('revision', autoId, autoIdColumn)
        .addColumn('write_key', 'text', (c) => c.notNull().unique())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('config_sha256', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('applied', 'refused')`))
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '2026-11-23-002-credential-pickups': {
    async up(db: Db) {
      // A secret on its way from the activity that made it to the one API response that hands it
      // out: encrypted (AES-256-GCM, key under DATA_DIR), deleted when picked up or expired.
      await db.schema
        .createTable('credential_pickups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('write_key', 'text', (c) => c.notNull().unique())
        .addColumn('ciphertext', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      // The write key of the last rotation: a retried rotation rotates once.
      await db.schema.alterTable('oauth_clients').addColumn('rotation_key', 'text').execute();
    },
  },
  '2026-11-23-003-hub-client-keys': {
    async up(db: Db) {
      const { autoId, autoIdColumn } = spelling(db);
      // The hub's key pairs for its outbound mTLS calls to participants; the private key encrypted.
      await db.schema
        .createTable('hub_client_keys')
        .addColumn('id', autoId, autoIdColumn)
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('awaiting-certificate', 'installed')`))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('csr_pem', 'text', (c) => c.notNull())
        .addColumn('spki_sha256', 'text', (c) => c.notNull())
        .addColumn('key_algorithm', 'text', (c) => c.notNull())
        .addColumn('encrypted_key_pem', 'text', (c) => c.notNull())
        .addColumn('certificate_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('installed_at', 'text')
        .addColumn('retired_at', 'text')
        .execute();
      // Exactly one live key per participant and environment.
      await db.schema
        .createIndex('hub_client_keys_live')
        .on('hub_client_keys')
        .columns(['participant_id', 'environment'])
        .unique()
        .where(sql.ref('retired_at'), 'is', null)
        .execute();
    },
  },
  '2026-12-02-004-bank-counterparties': {
    async up(db: Db) {
      // The hub's JWT signing keys per environment (banks verify the processing centre's requests with them); rotation-ready: one live, old ones kept until retired.
      await db.schema
        .createTable('hub_jwt_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('public_key_pem', 'text', (c) => c.notNull())
        .addColumn('encrypted_key_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .execute();
      await db.schema
        .createIndex('hub_jwt_keys_live')
        .on('hub_jwt_keys')
        .column('environment')
        .unique()
        .where(sql.ref('retired_at'), 'is', null)
        .execute();

      // The embedded processing centre (the ProcessingCenter port's default adapter): counterparties and what is made for them.
      await db.schema
        .createTable('processing_counterparties')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('legal_name', 'text', (c) => c.notNull())
        .addColumn('asset_code', 'text', (c) => c.notNull())
        .addColumn('system_urls_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('processing_counterparties_participant', ['participant_id', 'environment'])
        .addUniqueConstraint('processing_counterparties_alias', ['alias', 'environment'])
        .execute();
      await db.schema
        .createTable('processing_employees')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('counterparty_id', 'text', (c) => c.notNull().references('processing_counterparties.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('processing_employees_email', ['counterparty_id', 'email'])
        .execute();
      await db.schema
        .createTable('processing_entities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('counterparty_id', 'text', (c) => c.notNull().references('processing_counterparties.id'))
        .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('identification', 'processing')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('processing_entities_type', ['counterparty_id', 'type'])
        .execute();
      await db.schema
        .createTable('processing_identifiers')
        .addColumn('counterparty_id', 'text', (c) => c.notNull().references('processing_counterparties.id'))
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull().references('processing_entities.id'))
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addColumn('withdrawn_at', 'text')
        .addPrimaryKeyConstraint('processing_identifiers_pk', ['counterparty_id', 'identifier'])
        .execute();
      // The key keeper's technical users of a bank (identification, processing): secrets only as scrypt hashes.
      await db.schema
        .createTable('bank_technical_users')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('identification', 'processing')`))
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('write_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('rotated_at', 'text')
        .addColumn('revoked_at', 'text')
        .addUniqueConstraint('bank_technical_users_purpose', ['participant_id', 'environment', 'purpose'])
        .execute();
    },
  },
  '2026-12-02-005-oauth-redirect-uris': {
    async up(db: Db) {
      // The redirect URIs an API client registered per environment: its authorization-code clients use exactly these.
      await db.schema
        .createTable('oauth_redirect_uris')
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('redirect_uris_json', 'text', (c) => c.notNull())
        .addColumn('write_key', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('oauth_redirect_uris_pk', ['participant_id', 'environment'])
        .execute();
    },
  },
  '2026-12-02-006-callback-routes-packs-key-overlap': {
    async up(db: Db) {
      // Where the hub's egress sends a DFSP's callbacks: the endpoints the hub proved it reaches, and the CA its servers' chain ends in.
      await db.schema
        .createTable('callback_routes')
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('endpoints_json', 'text', (c) => c.notNull())
        .addColumn('server_ca_pem', 'text', (c) => c.notNull())
        .addColumn('proven_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('callback_routes_pk', ['participant_id', 'environment'])
        .execute();
      // Each connection pack a participant was handed: its files by SHA-256, and what changed from the previous version.
      await db.schema
        .createTable('connection_packs')
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('manifest_json', 'text', (c) => c.notNull())
        .addColumn('changes_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('connection_packs_pk', ['participant_id', 'environment', 'version'])
        .execute();
      // A rotated JWS key stays valid beside its successor until retires_at (the scheme's overlap), then it is not live.
      await db.schema.alterTable('participant_keys').addColumn('retires_at', 'text').execute();
    },
  },
  '2026-12-03-007-uat-runs': {
    async up(db: Db) {
      // The evidence of each automated UAT run: its summary, TTK's result and HTML report.
      await db.schema
        .createTable('uat_runs')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('round', 'integer', (c) => c.notNull())
        .addColumn('summary_json', 'text', (c) => c.notNull())
        .addColumn('result_json', 'text', (c) => c.notNull())
        .addColumn('report_html', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('uat_runs_participant').on('uat_runs').columns(['participant_id', 'environment', 'round']).execute();
    },
  },
  '2026-12-03-008-api-keys': {
    async up(db: Db) {
      // API keys managed through the API (and the key file's, imported): hashes only.
      await db.schema
        .createTable('api_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('grants_json', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('participant_id', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .addColumn('revoked_reason', 'text')
        .addColumn('replaced_by', 'text')
        .execute();
      await db.schema.createIndex('api_keys_participant').on('api_keys').column('participant_id').execute();
    },
  },
};
