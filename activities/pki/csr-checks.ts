/** A CSR before the hub CA signs it (PKI-NOTES B.1–B.5), and CSR ↔ certificate ↔ key (A.15–A.16). */
import { checkKey, checkSans, checkSignatureHash, checkSubject } from './certificate-checks';
import { verifySignature } from './signature-verify';
import { CheckReport, Finding, finding, summarise } from './findings';
import { scanPem } from './pem';
import type { CertificateRole, ParticipantIdentity, PkiPolicy } from './policy';
import { CertificateView, CsrView, KeyView, parseCsr, PkiInputError } from './x509-model';

/** Where an earlier enrollment used a public key (for DUPLICATE_KEY). */
export interface KeyUse {
  participantId: string;
  role: CertificateRole;
  /** The environment it was enrolled in (absent: not known, judged as the same). */
  environment?: string;
  csrSha256: string;
}

export interface CsrCheckOptions {
  policy: PkiPolicy;
  role: CertificateRole;
  participant: ParticipantIdentity;
  /** Earlier uses of the CSR's public key (from the issued-certificate registry). */
  earlierKeyUses?: KeyUse[];
  /** The environment the CSR is for: a key enrolled in another one is a reuse. */
  environment?: string;
}

export interface CsrReport extends CheckReport {
  csr: { sha256: string; subject: string; spkiSha256: string; sanDns: string[]; sanIps: string[] } | null;
}

const csrLabels = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

/** Reads exactly one CSR from PEM; the error says what is wrong. */
export function readCsrPem(pemText: string, policy: PkiPolicy): { csr: CsrView } | { error: Finding } {
  const bytes = Buffer.byteLength(pemText, 'utf8');
  if (bytes > policy.maxInputBytes) {
    return { error: finding('INPUT_TOO_LARGE', 'fail', `${bytes} bytes; at most ${policy.maxInputBytes} accepted`, { bytes }) };
  }
  const scan = scanPem(pemText);
  const blocks = scan.blocks.filter((b) => csrLabels.has(b.label));
  const block = blocks[0];
  if (blocks.length !== 1 || block === undefined || scan.problems.length > 0) {
    const why = scan.problems[0]?.message ?? `expected exactly one CERTIFICATE REQUEST block, found ${blocks.length}`;
    return { error: finding('CSR_PARSES', 'fail', why, { blocks: scan.blocks.map((b) => b.label) }) };
  }
  try {
    return { csr: parseCsr(block.der) };
  } catch (err) {
    if (!(err instanceof PkiInputError)) throw err;
    return { error: finding('CSR_PARSES', 'fail', err.message, { reason: err.code }) };
  }
}

export async function checkCsr(pemText: string, opts: CsrCheckOptions): Promise<CsrReport> {
  const read = readCsrPem(pemText, opts.policy);
  if ('error' in read) return { ...summarise([read.error], opts.policy.warnBlocks), csr: null };
  return checkParsedCsr(read.csr, opts);
}

/** The rules on a CSR already read (the signing path parses once). */
export async function checkParsedCsr(csr: CsrView, opts: CsrCheckOptions): Promise<CsrReport> {
  const findings: Finding[] = [finding('CSR_PARSES', 'pass', `CSR for ${csr.subject.text}`, { sha256: csr.sha256 })];

  const signatureOk = verifySignature(csr, csr.signature, csr.signatureValue, csr.tbs) ?? false;
  findings.push(
    finding(
      'CSR_SIGNATURE_VALID',
      signatureOk ? 'pass' : 'fail',
      signatureOk
        ? 'self-signature verifies: the requester holds the private key'
        : 'the CSR signature does not verify (altered or corrupt CSR)',
      {},
    ),
  );
  findings.push(...checkKey(csr.key, opts.policy));
  findings.push(checkSignatureHash(csr.signature, opts.policy));

  const requested = csr.requested;
  const caAsks: string[] = [];
  if (requested.basicConstraints?.cA) caAsks.push('basicConstraints cA=TRUE');
  for (const usage of requested.keyUsage?.usages ?? []) if (usage === 'keyCertSign' || usage === 'cRLSign') caAsks.push(usage);
  findings.push(
    finding(
      'CSR_NO_CA_REQUEST',
      caAsks.length ? 'fail' : 'pass',
      caAsks.length ? `the CSR asks for CA powers: ${caAsks.join(', ')}` : 'no CA powers requested',
      {
        requested: caAsks,
      },
    ),
  );
  findings.push(checkSubject(csr.subject, opts.participant));
  findings.push(checkSans(requested.sanDns, requested.sanIps, opts.role === 'tls-server' ? undefined : opts.role, opts.participant));
  findings.push(checkKeyReuse(csr, opts));
  return {
    ...summarise(findings, opts.policy.warnBlocks),
    csr: {
      sha256: csr.sha256,
      subject: csr.subject.text,
      spkiSha256: csr.key.spkiSha256,
      sanDns: requested.sanDns,
      sanIps: requested.sanIps,
    },
  };
}

/**
 * A key serves one participant, one purpose (TLS and JWS keys differ) and one environment (the
 * production key is never the sandbox one); resubmitting the same request for the same step is fine.
 */
function checkKeyReuse(csr: CsrView, opts: CsrCheckOptions): Finding {
  if (opts.earlierKeyUses === undefined) {
    return finding('DUPLICATE_KEY', 'not-applicable', 'checked when the CSR is submitted to the hub CA', {
      spkiSha256: csr.key.spkiSha256,
    });
  }
  const sameStep = (use: KeyUse) =>
    use.participantId === opts.participant.participantId &&
    use.role === opts.role &&
    (use.environment === undefined || opts.environment === undefined || use.environment === opts.environment);
  const others = opts.earlierKeyUses.filter((use) => !sameStep(use));
  if (others.length === 0) {
    return finding(
      'DUPLICATE_KEY',
      'pass',
      opts.earlierKeyUses.length === 0 ? 'the public key is new to the hub' : 'the hub enrolled this key for this same step before',
      { spkiSha256: csr.key.spkiSha256 },
    );
  }
  const ownUses = others.filter((o) => o.participantId === opts.participant.participantId);
  if (ownUses.length < others.length) {
    return finding('DUPLICATE_KEY', 'fail', 'this public key is already enrolled for another participant', {
      spkiSha256: csr.key.spkiSha256,
      usedFor: ['another participant'],
    });
  }
  const where = ownUses.map((o) => (o.environment && o.environment !== opts.environment ? `${o.role} in ${o.environment}` : o.role));
  const otherEnvironment = ownUses.some((o) => o.role === opts.role);
  return finding(
    'DUPLICATE_KEY',
    'fail',
    otherEnvironment
      ? `this key is already enrolled as your ${where.join(', ')}: ${opts.environment ?? 'each environment'} needs a key pair of its own (generate a new key, never reuse the ${ownUses.find((o) => o.role === opts.role)?.environment ?? 'other'} one)`
      : `this key is already enrolled for ${where.join(', ')}: use a separate key per purpose`,
    { spkiSha256: csr.key.spkiSha256, usedFor: where },
  );
}

/** The seed's "400: mismatched CSR and certificate": same key, same subject. */
export function checkCsrMatchesCertificate(csr: CsrView, cert: CertificateView): Finding[] {
  const sameKey = csr.key.spkiSha256 === cert.key.spkiSha256;
  const sortedName = (attrs: { oid: string; value: string }[]) =>
    attrs
      .map((a) => `${a.oid}=${a.value}`)
      .sort()
      .join('\n');
  const sameSubject = sortedName(csr.subject.attributes) === sortedName(cert.subject.attributes);
  return [
    finding(
      'CSR_CERT_SAME_PUBLIC_KEY',
      sameKey ? 'pass' : 'fail',
      sameKey ? 'the certificate carries the CSR public key' : 'the certificate was not made from this CSR: the public keys differ',
      {
        csrKey: csr.key.spkiSha256,
        certificateKey: cert.key.spkiSha256,
      },
    ),
    finding(
      'CSR_CERT_SAME_SUBJECT',
      sameSubject ? 'pass' : 'fail',
      sameSubject ? 'same subject' : `subjects differ: CSR ${csr.subject.text}, certificate ${cert.subject.text}`,
      {
        csrSubject: csr.subject.text,
        certificateSubject: cert.subject.text,
      },
    ),
  ];
}

/**
 * Proof that the participant holds the private key of a certificate, without ever receiving it:
 * the participant signs a hub-issued challenge (e.g. `openssl dgst -sha256 -sign key.pem`) and
 * the hub verifies with the certificate's public key. RSA PKCS#1 v1.5 or ECDSA (DER signature).
 */
export function checkKeyPossession(publicKey: { spkiDer: Uint8Array; key: KeyView }, challenge: string, signature: Uint8Array): Finding {
  const detail = { spkiSha256: publicKey.key.spkiSha256 };
  const family = publicKey.key.algorithm === 'RSA' ? 'RSA' : publicKey.key.algorithm === 'EC' ? 'ECDSA' : 'unknown';
  const verified = verifySignature(
    { spkiDer: publicKey.spkiDer, key: publicKey.key },
    { oid: '', hash: 'SHA-256', family },
    signature,
    new TextEncoder().encode(challenge),
  );
  if (verified === null) {
    return finding(
      'KEY_POSSESSION_PROVEN',
      'fail',
      `cannot verify signatures of ${publicKey.key.algorithm} ${publicKey.key.curve ?? ''} keys`.trim(),
      detail,
    );
  }
  return finding(
    'KEY_POSSESSION_PROVEN',
    verified ? 'pass' : 'fail',
    verified
      ? 'the challenge signature verifies with the certificate key'
      : 'the challenge signature does not verify with the certificate key',
    detail,
  );
}
