/**
 * What each accepted submission records as its artifact and each hub task as its result, declared
 * once by name (as the payloads are): steps build them, other steps read them, both through these
 * types. Public facts only — fingerprints, subjects, chains, ids, one-time pickup ids — never secrets. Type aliases, not interfaces: the API's
 * schemas see every artifact as a JSON object.
 */
import type { CertificateIdentity, EvidenceLink } from './vocabulary';

/** A checked bundle: its leaf and the normalised chain (absent when no leaf could be identified). */
export type CertificateBundleArtifact = {
  leaf?: CertificateIdentity;
  chainPem?: string;
  rootPem?: string | null;
};

/** A certificate the hub CA signed for the participant's CSR. */
export type IssuedCertificateArtifact = {
  serialHex: string;
  sha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  certificatePem: string;
  chainPem: string;
  /** A renewal: the gateway revision that admits the new serial. */
  gatewayRevision?: number | null;
};

/** The certificate the participant's CA issued for the hub's key, as installed (no PEM: the hub keeps it). */
export type HubClientCertificateArtifact = Partial<
  Pick<CertificateIdentity, 'serialHex' | 'sha256' | 'subject' | 'issuer' | 'notBefore' | 'notAfter'>
> & {
  spkiSha256: string;
  installedAt: string | null;
};

export type AllowlistArtifact = {
  entries: string[];
  version: number;
  gatewayRevision: number;
  configSha256: string;
  live: boolean;
};

export type OauthClientArtifact = {
  clientId: string;
  authMethod: 'client_secret_basic' | 'tls_client_auth';
  scopes: string[];
  rotatedAt: string | null;
  previousSecretValidUntil: string | null;
  /** The one-time pickup of the secret made by this attempt (the API redeems it into its one answer). */
  secretPickup: string | null;
};

export type JwsKeyArtifact = {
  kid: string;
  alg: string;
  spkiSha256: string;
  notAfter: string | null;
  acceptedAt: string;
  /** A rotation: until when the key it replaced stays valid. */
  previousValidUntil?: string;
};

export type EndpointsArtifact = {
  endpoints: { type: string; value: string }[];
  hosts: string[];
};

export type ConnectivityTarget = {
  origin: string;
  connectedTo: string | null;
  protocol: string | null;
  httpStatus: number | null;
  elapsedMs: number;
  serverSha256: string | null;
};

export type ConnectivityArtifact = {
  targets: ConnectivityTarget[];
};

/** After a rejected round: what changed (and, for a contract, the new version); a retest also proves connectivity again. */
export type ReworkArtifact = {
  summary: string;
  document?: EvidenceLink;
  targets?: ConnectivityTarget[];
};

export type AuthorizationServiceArtifact = {
  url: string;
  /** Security records the check at the jwt-trust-check gate (the hub cannot reach the URL). */
  manual: boolean;
  kid?: string;
  httpStatus?: number | null;
};

export type TechnicalUserListing = {
  username: string;
  purpose: string;
  createdAt: string;
  rotatedAt: string | null;
};

export type OfficerCredentialsArtifact = {
  users: TechnicalUserListing[];
  /** username → one-time pickup id of its new secret. */
  secretPickups: Record<string, string>;
};

export type IdentifiersArtifact = {
  identifiers: string[];
  counterpartyId: string;
};

export type RedirectUrlsArtifact = {
  redirectUris: string[];
  callbackUrls: string[];
};

export type SubmissionArtifacts = {
  'certificate-bundle': CertificateBundleArtifact;
  'ip-allowlist': AllowlistArtifact;
  'oauth-client': OauthClientArtifact;
  'client-csr': IssuedCertificateArtifact;
  'server-certificate': CertificateBundleArtifact;
  'hub-client-certificate': HubClientCertificateArtifact;
  'jws-key': JwsKeyArtifact;
  endpoints: EndpointsArtifact;
  connectivity: ConnectivityArtifact;
  'uat-retest': ReworkArtifact;
  'contract-revision': ReworkArtifact;
  'go-live-readiness': ReworkArtifact;
  'authorization-service': AuthorizationServiceArtifact;
  'officer-credentials': OfficerCredentialsArtifact;
  identifiers: IdentifiersArtifact;
  'redirect-urls': RedirectUrlsArtifact;
};

/** The hub's CSR towards the participant (hub → participant mTLS), public parts only. */
export type HubClientCsrResult = {
  csrPem: string;
  subject: string;
  spkiSha256: string;
  keyAlgorithm: string;
};

/** The hub ledger set-up: applied through its API, or handed to ops with the settings to apply by hand. */
export type HubLedgerResult = {
  mode: 'applied' | 'manual';
  [fact: string]: unknown;
};

export type HubJwtKeyResult = {
  kid: string;
  jwk: Record<string, unknown>;
  publicKeyPem: string;
  [fact: string]: unknown;
};

export type ProcessingCenterResult = {
  counterpartyId: string;
  [fact: string]: unknown;
};

/**
 * The hub's automated UAT run of a gate round (the scheme's collection through the Testing Toolkit
 * against the participant's sandbox endpoints): evidence for the approvers, not their decision.
 * `skipped`: nothing to run against (no runner configured, no test party registered).
 */
export type UatRunResult = {
  runId: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** One line for people: counts and the first failures, or why it was skipped. */
  summary: string;
  collection: string | null;
  assertions: { passed: number; total: number };
  testCases: { name: string; passed: number; total: number }[];
  /** `<request>: <assertion>` of each failed assertion, the first ten. */
  failures: string[];
  startedAt: string | null;
  finishedAt: string | null;
};

export type TaskResults = {
  'uat-run': UatRunResult;
  'hub-client-csr': HubClientCsrResult;
  'hub-ledger': HubLedgerResult;
  'hub-jwt-key': HubJwtKeyResult;
  'processing-center': ProcessingCenterResult;
};
