/**
 * The registry database's tables as kysely sees them (camelCase here, snake_case in SQL through
 * CamelCasePlugin). One SQLite file under DATA_DIR, or PostgreSQL (REGISTRY_URL); every write an activity makes carries a
 * `writeKey` derived from the workflow and step, unique, so a retried activity never adds a row.
 */
import type { Generated, Insertable, Selectable } from 'kysely';
import type { IssuedCertificateRecord } from '../pki/issued-registry';

/** The record the CA signing service keeps; (issuanceKey, csrSha256) is the primary key: the write key. */
export interface IssuedCertificatesTable extends IssuedCertificateRecord {
  revokedAt: string | null;
}

/** Certificates and JWS keys a participant submitted and the hub accepted. */
export interface ParticipantKeysTable {
  id: Generated<number>;
  writeKey: string;
  participantId: string;
  environment: string;
  type: 'tls-certificate' | 'jws-key';
  fingerprintSha256: string;
  pem: string;
  kid: string | null;
  notAfter: string | null;
  acceptedAt: string;
  revokedAt: string | null;
  /** A JWS key replaced by a rotation: valid beside its successor until then. */
  retiresAt: Generated<string | null>;
}

/** The redirect URIs an API client registered per environment (the whole set; a later one replaces it). */
export interface OauthRedirectUrisTable {
  participantId: string;
  environment: string;
  /** JSON array of exact https URIs. */
  redirectUrisJson: string;
  writeKey: string;
  updatedAt: string;
}

/** OAuth clients the hub provisioned: never a secret, only what verifies one. */
export interface OauthClientsTable {
  clientId: string;
  writeKey: string;
  participantId: string;
  environment: string;
  /** Space-separated, as OAuth writes scopes. */
  scope: string;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'tls_client_auth';
  secretHash: string | null;
  /** The secret before the last rotation, valid until `previousSecretExpiresAt`. */
  previousSecretHash: string | null;
  previousSecretExpiresAt: string | null;
  tlsSubjectDn: string | null;
  createdAt: string;
  rotatedAt: string | null;
  rotationKey: string | null;
  revokedAt: string | null;
}

/** oidc-provider's own records (access tokens, grants) through its adapter interface. */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** Epoch seconds; null never expires. */
  expiresAt: number | null;
  consumedAt: number | null;
}

/** One accepted allowlist per participant and environment and version; the latest one is in force. */
export interface AllowlistVersionsTable {
  id: Generated<number>;
  writeKey: string;
  participantId: string;
  environment: string;
  version: number;
  acceptedAt: string;
}

export interface AllowlistEntriesTable {
  versionId: number;
  /** Normalised CIDR (`192.0.2.0/28`, `2001:db8::/48`); single addresses as /32 or /128. */
  cidr: string;
}

/** Whether a participant may pass the gateway in an environment (granted at go-live, revoked on cancel). */
export interface GatewayGrantsTable {
  participantId: string;
  environment: string;
  state: 'granted' | 'revoked';
  writeKey: string;
  changedAt: string;
}

/** Every configuration the gateway adapter rendered, applied or refused by `nginx -t`. */
export interface GatewayRevisionsTable {
  revision: Generated<number>;
  writeKey: string;
  reason: string;
  configSha256: string;
  status: 'applied' | 'refused';
  message: string;
  createdAt: string;
}

/** A secret waiting for its one pickup (see activities/credentials/secret-pickup.ts). */
export interface CredentialPickupsTable {
  id: string;
  writeKey: string;
  ciphertext: string;
  expiresAt: string;
}

/** The hub's client key pairs towards participants (hub → participant mTLS); one live (not retired) per participant and environment. */
export interface HubClientKeysTable {
  id: Generated<number>;
  participantId: string;
  environment: string;
  state: 'awaiting-certificate' | 'installed';
  subject: string;
  csrPem: string;
  spkiSha256: string;
  keyAlgorithm: string;
  /** Encrypted PKCS#8 PEM (PBES2 AES-256-CBC), the passphrase under DATA_DIR. */
  encryptedKeyPem: string;
  /** The installed certificate (HubClientCertificate) as JSON, once the participant's CA signed it. */
  certificateJson: string | null;
  createdAt: string;
  installedAt: string | null;
  retiredAt: string | null;
}

/** The hub's JWT signing keys per environment; one live (not retired) per environment. */
export interface HubJwtKeysTable {
  kid: string;
  environment: string;
  /** The public JWK (JSON) with kid, alg and use. */
  publicJwk: string;
  publicKeyPem: string;
  /** Encrypted PKCS#8 PEM, the passphrase under DATA_DIR. */
  encryptedKeyPem: string;
  createdAt: string;
  retiredAt: string | null;
}

export interface ProcessingCounterpartiesTable {
  id: string;
  participantId: string;
  environment: string;
  alias: string;
  legalName: string;
  assetCode: string;
  systemUrlsJson: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProcessingEmployeesTable {
  id: string;
  counterpartyId: string;
  email: string;
  role: string;
  createdAt: string;
}

export interface ProcessingEntitiesTable {
  id: string;
  counterpartyId: string;
  type: 'identification' | 'processing';
  createdAt: string;
}

export interface ProcessingIdentifiersTable {
  counterpartyId: string;
  identifier: string;
  entityId: string;
  registeredAt: string;
  withdrawnAt: string | null;
}

export interface BankTechnicalUsersTable {
  username: string;
  participantId: string;
  environment: string;
  purpose: 'identification' | 'processing';
  secretHash: string;
  writeKey: string;
  createdAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
}

/** Where the egress sends a DFSP's callbacks in an environment (recorded when the hub proved it reaches them). */
export interface CallbackRoutesTable {
  participantId: string;
  environment: string;
  /** central-ledger's endpoint shape: { type, value }[]. */
  endpointsJson: string;
  /** The root (or last) certificate of the DFSP's accepted server chain: what the egress trusts for its servers. */
  serverCaPem: string;
  provenAt: string;
}

export interface ConnectionPacksTable {
  participantId: string;
  environment: string;
  version: number;
  /** File name → SHA-256 of its content. */
  manifestJson: string;
  /** What changed from the previous version: { file, change, why }[]. */
  changesJson: string;
  createdAt: string;
}

/** The hub's UAT runs: one per run id (the gate round's write key), the evidence of that round. */
export interface UatRunsTable {
  runId: string;
  participantId: string;
  environment: string;
  round: number;
  /** The run's summary (what the gate shows), JSON. */
  summaryJson: string;
  /** TTK's JSON result, bearer tokens redacted. */
  resultJson: string;
  /** TTK's HTML assertion report of the same result. */
  reportHtml: string;
  startedAt: string;
  finishedAt: string;
}

/**
 * API keys the API manages (participants' keys; the key file's entries imported at start): the
 * key's SHA-256 only, never the key.
 */
export interface ApiKeysTable {
  keyId: string;
  /** The principal the key authenticates as (`kit@dfsp-x`): what decisions and submissions record. */
  name: string;
  grantsJson: string;
  /** `sha256:<hex>` of the key. */
  hash: string;
  /** The participant the key is for, or null (a staff key from the key file). */
  participantId: string | null;
  /** `api` (issued through the API) or `file` (imported from API_KEYS_FILE). */
  source: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
  /** The key that replaced it (a rotation). */
  replacedBy: string | null;
}

export interface RegistrySchema {
  apiKeys: ApiKeysTable;
  uatRuns: UatRunsTable;
  callbackRoutes: CallbackRoutesTable;
  connectionPacks: ConnectionPacksTable;
  hubJwtKeys: HubJwtKeysTable;
  processingCounterparties: ProcessingCounterpartiesTable;
  processingEmployees: ProcessingEmployeesTable;
  processingEntities: ProcessingEntitiesTable;
  processingIdentifiers: ProcessingIdentifiersTable;
  bankTechnicalUsers: BankTechnicalUsersTable;
  hubClientKeys: HubClientKeysTable;
  credentialPickups: CredentialPickupsTable;
  issuedCertificates: IssuedCertificatesTable;
  participantKeys: ParticipantKeysTable;
  oauthClients: OauthClientsTable;
  oauthRedirectUris: OauthRedirectUrisTable;
  oidcPayloads: OidcPayloadsTable;
  allowlistVersions: AllowlistVersionsTable;
  allowlistEntries: AllowlistEntriesTable;
  gatewayGrants: GatewayGrantsTable;
  gatewayRevisions: GatewayRevisionsTable;
}

export type IssuedCertificateRow = Selectable<IssuedCertificatesTable>;
export type NewParticipantKey = Insertable<ParticipantKeysTable>;
export type OauthClientRow = Selectable<OauthClientsTable>;
export type GatewayRevisionRow = Selectable<GatewayRevisionsTable>;
