/**
 * The technical evaluation of an API client's certificate (seeds 000, 002, 003): the bundle rules
 * of its kind (RSA 2048+, CA-signed or self-signed, which certificate in the bundle is the one that
 * identifies it), and answers to the two failures clients meet most — "CSR and certificate
 * mismatched" (when the client sends the CSR it made, the certificate must carry its key and
 * subject) and "private key and certificate not aligned" (the client signs the hub's challenge with
 * the private key — `openssl dgst -sha256 -sign key.pem` — and the signature must verify with the
 * certificate's key). The private key itself never travels.
 */
import { BundleReport, checkBundle } from './bundle-checks';
import { checkCsrMatchesCertificate, checkKeyPossession, readCsrPem } from './csr-checks';
import { finding, Finding, summarise } from './findings';
import { scanPem } from './pem';
import type { ParticipantIdentity, PkiPolicy } from './policy';
import { parseCertificate, type CertificateView } from './x509-model';

export interface ClientCertificateEvaluationInput {
  pem: string;
  /** The CSR the certificate was made from, when the client has it. */
  csrPem?: string;
  /** The hub's challenge for this submission, and the client's signature over it (base64). */
  challenge: string;
  challengeSignature?: string;
}

export async function evaluateClientCertificate(
  input: ClientCertificateEvaluationInput,
  opts: {
    policy: PkiPolicy;
    participant?: ParticipantIdentity;
    /**
     * The CAs the certificate must chain to (production: the hub's trust list of TPP CAs); null: a
     * trust list is required and none is configured, so no certificate can pass; absent: none asked.
     */
    trustAnchors?: CertificateView[] | null;
  },
): Promise<BundleReport> {
  const bundle = await checkBundle(input.pem, {
    policy: opts.policy,
    role: 'tls-client',
    ...(opts.participant ? { participant: opts.participant } : {}),
    ...(opts.trustAnchors ? { trustAnchors: opts.trustAnchors } : {}),
  });
  const findings: Finding[] = bundle.findings.filter((f) => !(opts.trustAnchors === null && f.code === 'CHAIN_TRUSTED_ANCHOR'));
  if (opts.trustAnchors === null) {
    findings.push(
      finding(
        'CHAIN_TRUSTED_ANCHOR',
        'fail',
        "production takes a client's own certificate only from a CA on the hub's trust list (TPP_TRUST_ANCHORS_FILE), and none is configured: ask the hub, or send a CSR for the hub CA to sign",
      ),
    );
  }
  const leafBlock = bundle.normalised ? scanPem(bundle.normalised.chainPem).blocks[0] : undefined;
  const leaf = leafBlock ? parseCertificate(leafBlock.der) : null;
  if (input.csrPem !== undefined) {
    const read = readCsrPem(input.csrPem, opts.policy);
    if ('error' in read) findings.push(read.error);
    else if (leaf) findings.push(...checkCsrMatchesCertificate(read.csr, leaf));
  }
  if (leaf === null) {
    findings.push(finding('KEY_POSSESSION_PROVEN', 'not-applicable', 'no certificate in use could be identified'));
  } else if (input.challengeSignature === undefined || input.challengeSignature === '') {
    findings.push(
      finding(
        'KEY_POSSESSION_PROVEN',
        'fail',
        "sign the submission's challenge with the certificate's private key (openssl dgst -sha256 -sign key.pem) and send the signature in base64",
        { spkiSha256: leaf.key.spkiSha256 },
      ),
    );
  } else {
    findings.push(checkKeyPossession(leaf, input.challenge, Buffer.from(input.challengeSignature, 'base64')));
  }
  return { ...bundle, ...summarise(findings, opts.policy.warnBlocks) };
}
