/** The outcome of one named rule. `detail` holds machine-readable facts, never secrets. */
import type { CheckResult } from '../../workflows/vocabulary';

export type { CheckResult };

export interface Finding {
  code: CheckCode;
  result: CheckResult;
  message: string;
  detail: Record<string, unknown>;
}

export interface CheckReport {
  /** The worst result among the findings (`pass` when all pass or do not apply). */
  verdict: 'pass' | 'warn' | 'fail';
  /**
   * Whether the report stops the step: any fail, or — when the policy says warnings block — a
   * warning the hub cannot repair itself (see `repairedByHub`).
   */
  blocking: boolean;
  findings: Finding[];
}

/** Stable codes: API clients and workflows branch on these; never rename one. */
export const checkCodes = [
  // input
  'INPUT_TOO_LARGE',
  'PEM_BLOCK_PARSES',
  'PEM_NO_JUNK',
  'PEM_NON_CERTIFICATE_BLOCK',
  'DER_NO_TRAILING_DATA',
  'BUNDLE_NOT_EMPTY',
  'BUNDLE_SIZE',
  // chain
  'LEAF_IDENTIFIED',
  'CHAIN_ORDER',
  'CHAIN_BUILDS_TO_ROOT',
  'CHAIN_SIGNATURES_VALID',
  'CHAIN_TRUSTED_ANCHOR',
  'CHAIN_NO_DUPLICATES',
  'CHAIN_NO_UNRELATED',
  // one certificate
  'KEY_ALGORITHM_ALLOWED',
  'KEY_SIZE_MIN',
  'RSA_EXPONENT',
  'SIGNATURE_HASH_ALLOWED',
  'CERT_NOT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_MIN_REMAINING_VALIDITY',
  'SELF_SIGNED',
  'SERIAL_VALID',
  'NO_UNKNOWN_CRITICAL_EXTENSION',
  'CA_BASIC_CONSTRAINTS',
  'CA_KEY_CERT_SIGN',
  'LEAF_NOT_CA',
  'EKU_CLIENT_AUTH',
  'EKU_SERVER_AUTH',
  'SUBJECT_MATCHES_PARTICIPANT',
  'SAN_MATCHES_ENDPOINT',
  // CSR
  'CSR_PARSES',
  'CSR_SIGNATURE_VALID',
  'CSR_NO_CA_REQUEST',
  'DUPLICATE_KEY',
  // CSR ↔ certificate ↔ key
  'CSR_CERT_SAME_PUBLIC_KEY',
  'CSR_CERT_SAME_SUBJECT',
  'KEY_POSSESSION_PROVEN',
  // the hub's own client certificate, issued by the participant's CA
  'ISSUED_BY_PARTICIPANT_CA',
  // IP allowlist
  'ALLOWLIST_NOT_EMPTY',
  'ALLOWLIST_ENTRY_PARSES',
  'ALLOWLIST_NO_HOST_BITS',
  'ALLOWLIST_NO_DUPLICATES',
  'ALLOWLIST_NO_OVERLAP',
  'ALLOWLIST_SIZE',
  'ALLOWLIST_PREFIX_BREADTH',
  'ALLOWLIST_PUBLIC_RANGE',
  // JWS signing keys (FSPIOP message signatures)
  'JWS_KEY_PARSES',
  'JWS_KEY_ALGORITHM',
  'JWS_KEY_VALID_NOW',
  'JWS_KEY_NOT_IN_USE',
  'JWS_POSSESSION_PROVEN',
  // callback endpoints
  'ENDPOINTS_REQUIRED_PRESENT',
  'ENDPOINT_URL_VALID',
  'ENDPOINT_HTTPS',
  'ENDPOINT_HOST_PUBLIC',
  'ENDPOINT_HOST_COVERED',
  // connectivity proof (hub → participant over mTLS)
  'EGRESS_DESTINATION',
  'CONNECTIVITY_TARGETS',
  'CONNECTIVITY_MTLS',
  'CONNECTIVITY_SERVER_CERTIFICATE',
  // a bank's authorization service, checked live with the hub's JWT
  'AUTHORIZATION_REACHABLE',
  'AUTHORIZATION_JWT_ACCEPTED',
  // identifiers a bank's system operator requests
  'IDENTIFIERS_VALID',
  'IDENTIFIERS_AVAILABLE',
  // an API client's redirect URIs
  'REDIRECT_URIS_PRESENT',
  'REDIRECT_URI_VALID',
] as const;
export type CheckCode = (typeof checkCodes)[number];

const rank: Record<CheckResult, number> = { 'not-applicable': 0, pass: 0, warn: 1, fail: 2 };

/**
 * Warnings about a bundle's packaging, which the hub repairs by storing and using the normalised
 * chain (leaf, intermediates in order, no duplicates, no stray certificates, no text or other
 * blocks): reported, never blocking, in any environment. A private key sent along is a `fail`,
 * not one of these.
 */
export const repairedByHub: ReadonlySet<CheckCode> = new Set<CheckCode>([
  'CHAIN_ORDER',
  'PEM_NO_JUNK',
  'CHAIN_NO_DUPLICATES',
  'CHAIN_NO_UNRELATED',
  'PEM_NON_CERTIFICATE_BLOCK',
  // An allowlist's repeated and covered entries: the hub keeps the merged list.
  'ALLOWLIST_NO_DUPLICATES',
  'ALLOWLIST_NO_OVERLAP',
]);

export function finding(code: CheckCode, result: CheckResult, message: string, detail: Record<string, unknown> = {}): Finding {
  return { code, result, message, detail };
}

export function summarise(findings: Finding[], warnBlocks: boolean): CheckReport {
  const worst = findings.reduce((w, f) => Math.max(w, rank[f.result]), 0);
  const verdict = worst === 2 ? 'fail' : worst === 1 ? 'warn' : 'pass';
  const riskyWarning = findings.some((f) => f.result === 'warn' && !repairedByHub.has(f.code));
  return { verdict, blocking: verdict === 'fail' || (warnBlocks && riskyWarning), findings };
}
