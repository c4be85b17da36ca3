import type { Environment, OnboardingKind } from '../../workflows/vocabulary';

/** What a certificate or key is for; decides EKU and the issuance profile. */
export type CertificateRole = 'tls-client' | 'tls-server' | 'jws-signing';

export interface PkiPolicy {
  /** For the participant's own certificate or CSR. */
  allowedKeyAlgorithms: ('RSA' | 'EC')[];
  /** For CA certificates above it: the CA's choice, held to the same strength rules. */
  allowedCaKeyAlgorithms: ('RSA' | 'EC')[];
  minRsaBits: number;
  requiredRsaExponent: number;
  allowedCurves: string[];
  allowedSignatureHashes: string[];
  /** Fewer days left than this fails CERT_MIN_REMAINING_VALIDITY … */
  minRemainingDays: number;
  /** … and fewer than this warns. */
  expiryWarningDays: number;
  allowSelfSigned: boolean;
  /** Whether a `warn` blocks the step as a `fail` does. */
  warnBlocks: boolean;
  maxBundleCertificates: number;
  maxInputBytes: number;
}

export interface ParticipantIdentity {
  participantId: string;
  legalName: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** Host names and IP addresses the participant declared for its endpoints. */
  hosts: string[];
}

const base: PkiPolicy = {
  allowedKeyAlgorithms: ['RSA', 'EC'],
  allowedCaKeyAlgorithms: ['RSA', 'EC'],
  minRsaBits: 2048,
  requiredRsaExponent: 65537,
  allowedCurves: ['P-256', 'P-384'],
  allowedSignatureHashes: ['SHA-256', 'SHA-384', 'SHA-512'],
  minRemainingDays: 30,
  expiryWarningDays: 90,
  allowSelfSigned: false,
  warnBlocks: false,
  maxBundleCertificates: 10,
  maxInputBytes: 256 * 1024,
};

/**
 * The policy per participant kind and environment. Sandbox accepts self-signed certificates and
 * short lifetimes so participants can start testing; production does not, and there warnings block.
 * TPPs are RSA only (seed 000: "confirms the certificate uses RSA, 2048 bits").
 */
const policies = new Map<string, Readonly<PkiPolicy>>();

export function policyFor(kind: OnboardingKind, environment: Environment): Readonly<PkiPolicy> {
  const key = `${kind}/${environment}`;
  let policy = policies.get(key);
  if (policy === undefined) {
    policy = Object.freeze(buildPolicy(kind, environment));
    policies.set(key, policy);
  }
  return policy;
}

function buildPolicy(kind: OnboardingKind, environment: Environment): PkiPolicy {
  const byKind: Partial<PkiPolicy> = kind === 'tpp' ? { allowedKeyAlgorithms: ['RSA'] } : {};
  const byEnvironment: Partial<PkiPolicy> =
    environment === 'sandbox'
      ? { allowSelfSigned: true, minRemainingDays: 1, expiryWarningDays: 14, warnBlocks: false }
      : { allowSelfSigned: false, warnBlocks: true };
  return { ...base, ...byKind, ...byEnvironment };
}
