/**
 * A submitted certificate bundle (PKI-NOTES A.1–A.5): parse every block, find the certificate that
 * will be used (the leaf), build leaf → intermediates → root, verify each link, then apply the
 * per-certificate rules along the path. Never throws on input: every problem is a finding.
 */
import type { CertificateIdentity } from '../../workflows/vocabulary';
import { checkCertificate } from './certificate-checks';
import { CheckReport, Finding, finding, summarise } from './findings';
import { scanPem, toPem } from './pem';
import type { CertificateRole, ParticipantIdentity, PkiPolicy } from './policy';
import { CertificateView, isSelfSigned, parseCertificate, PkiInputError, signedBy } from './x509-model';

export interface BundleCheckOptions {
  policy: PkiPolicy;
  role: CertificateRole;
  participant?: ParticipantIdentity;
  /** Certificates the path must end at (hub CA root, or the participant CA registered earlier). */
  trustAnchors?: CertificateView[];
  now?: Date;
}

/** The identity of a certificate in use (the vocabulary's shape: artifacts record it as is). */
export type CertificateSummary = CertificateIdentity;

export interface BundleReport extends CheckReport {
  /** The certificate that will be used, when one could be identified. */
  leaf: CertificateSummary | null;
  /** leaf first, root (or last certificate found) last. */
  path: CertificateSummary[];
  /**
   * What the hub stores and uses, repaired: the leaf then its intermediates in order, once each,
   * nothing else (no root, no stray certificate, no text); `rootPem` is the self-signed root the
   * bundle carried, if any. Null when no leaf could be identified.
   */
  normalised: { chainPem: string; rootPem: string | null } | null;
}

export function summariseCertificate(c: CertificateView): CertificateSummary {
  return {
    subject: c.subject.text,
    issuer: c.issuer.text,
    serialHex: c.serialHex,
    sha256: c.sha256,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    sanDns: c.ext.sanDns,
    sanIps: c.ext.sanIps,
  };
}

const privateKeyLabels = /PRIVATE KEY/;

/** Could `issuer` have issued `child`? By names and key identifiers only (cheap); signatures later. */
function mayHaveIssued(issuer: CertificateView, child: CertificateView): boolean {
  if (issuer.subject.text !== child.issuer.text) return false;
  const aki = child.ext.authorityKeyId;
  const ski = issuer.ext.subjectKeyId;
  return aki === null || ski === null || aki === ski;
}

function report(
  findings: Finding[],
  policy: PkiPolicy,
  leaf: CertificateView | null,
  path: CertificateView[],
  rootInPath = false,
): BundleReport {
  const chain = rootInPath ? path.slice(0, -1) : path;
  return {
    ...summarise(findings, policy.warnBlocks),
    leaf: leaf ? summariseCertificate(leaf) : null,
    path: path.map(summariseCertificate),
    normalised: leaf
      ? {
          chainPem: chain.map((c) => toPem('CERTIFICATE', c.der)).join(''),
          rootPem: rootInPath ? toPem('CERTIFICATE', path[path.length - 1]!.der) : null,
        }
      : null,
  };
}

export async function checkBundle(pemText: string, opts: BundleCheckOptions): Promise<BundleReport> {
  const { policy } = opts;
  const findings: Finding[] = [];
  const inputBytes = Buffer.byteLength(pemText, 'utf8');
  if (inputBytes > policy.maxInputBytes) {
    findings.push(
      finding('INPUT_TOO_LARGE', 'fail', `${inputBytes} bytes; at most ${policy.maxInputBytes} accepted`, { bytes: inputBytes }),
    );
    return report(findings, policy, null, []);
  }

  const scan = scanPem(pemText);
  for (const problem of scan.problems) {
    findings.push(finding('PEM_BLOCK_PARSES', 'fail', problem.message, { block: problem.index, label: problem.label }));
  }
  if (scan.junkCharacters > 0) {
    findings.push(
      finding('PEM_NO_JUNK', 'warn', `${scan.junkCharacters} characters of text outside PEM blocks were ignored`, {
        characters: scan.junkCharacters,
      }),
    );
  }
  for (const block of scan.blocks.filter((b) => b.label !== 'CERTIFICATE')) {
    const isKey = privateKeyLabels.test(block.label);
    findings.push(
      finding(
        'PEM_NON_CERTIFICATE_BLOCK',
        isKey ? 'fail' : 'warn',
        isKey
          ? `block ${block.index} is a ${block.label}: never send a private key; it was discarded, replace it`
          : `block ${block.index} (${block.label}) is not a certificate and was ignored`,
        { block: block.index, label: block.label },
      ),
    );
  }
  const certBlocks = scan.blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certBlocks.length > policy.maxBundleCertificates) {
    findings.push(
      finding('BUNDLE_SIZE', 'fail', `${certBlocks.length} certificates; at most ${policy.maxBundleCertificates} accepted`, {
        certificates: certBlocks.length,
      }),
    );
    return report(findings, policy, null, []);
  }

  const parsed: CertificateView[] = [];
  for (const block of certBlocks) {
    try {
      parsed.push(parseCertificate(block.der));
    } catch (err) {
      if (!(err instanceof PkiInputError)) throw err;
      const code = err.code === 'DER_TRAILING_DATA' ? 'DER_NO_TRAILING_DATA' : 'PEM_BLOCK_PARSES';
      findings.push(finding(code, 'fail', `block ${block.index}: ${err.message}`, { block: block.index, reason: err.code }));
    }
  }
  return checkCertificateChain(parsed, opts, findings);
}

/**
 * The chain rules on certificates already read: find the leaf, build and verify the path, apply
 * the per-certificate rules. Also how the hub CA lints what it issues.
 */
export async function checkCertificateChain(
  parsed: CertificateView[],
  opts: BundleCheckOptions,
  earlier: Finding[] = [],
): Promise<BundleReport> {
  const { policy } = opts;
  const now = opts.now ?? new Date();
  const findings = [...earlier];
  if (parsed.length === 0) {
    findings.push(finding('BUNDLE_NOT_EMPTY', 'fail', 'no readable certificate in the input', {}));
    return report(findings, policy, null, []);
  }
  findings.push(finding('BUNDLE_NOT_EMPTY', 'pass', `${parsed.length} certificate(s) read`, { certificates: parsed.length }));

  // Duplicates are reported once and ignored after.
  const unique: CertificateView[] = [];
  const duplicates: string[] = [];
  for (const cert of parsed) {
    if (unique.some((u) => u.sha256 === cert.sha256)) duplicates.push(cert.subject.text);
    else unique.push(cert);
  }
  findings.push(
    finding(
      'CHAIN_NO_DUPLICATES',
      duplicates.length ? 'warn' : 'pass',
      duplicates.length ? `repeated certificates: ${duplicates.join('; ')}` : 'no repeated certificate',
      {
        duplicates,
      },
    ),
  );

  // The leaf issued nothing in the bundle. Prefer end-entity certificates among the candidates.
  const issuedSomething = (c: CertificateView) => unique.some((o) => o !== c && !sameSubjectAsIssuer(o) && mayHaveIssued(c, o));
  let candidates = unique.filter((c) => !issuedSomething(c));
  const endEntities = candidates.filter((c) => c.ext.basicConstraints?.cA !== true);
  if (endEntities.length > 0) candidates = endEntities;
  if (candidates.length !== 1) {
    findings.push(
      finding(
        'LEAF_IDENTIFIED',
        'fail',
        candidates.length === 0
          ? 'no certificate stands at the end of a chain (the bundle loops)'
          : `${candidates.length} certificates could be the one in use: send one leaf with its chain`,
        { candidates: candidates.map((c) => c.subject.text) },
      ),
    );
    return report(findings, policy, null, []);
  }
  const leaf = candidates[0] as CertificateView;
  findings.push(
    finding('LEAF_IDENTIFIED', 'pass', `the certificate in use is ${leaf.subject.text}`, {
      subject: leaf.subject.text,
      sha256: leaf.sha256,
    }),
  );

  // Build the path upward, verifying each link's signature.
  const anchors = opts.trustAnchors ?? [];
  const path: CertificateView[] = [leaf];
  const badSignatures: string[] = [];
  let anchoredBy: CertificateView | null = null;
  let selfSignedTop = false;
  for (;;) {
    const child = path[path.length - 1] as CertificateView;
    selfSignedTop = isSelfSigned(child);
    if (anchors.some((a) => a.sha256 === child.sha256)) anchoredBy = child;
    if (selfSignedTop || anchoredBy) break;
    // The bundle's own issuers first, so a root sent along is part of the path; anchors after.
    const issuer = unique.find((c) => !path.includes(c) && mayHaveIssued(c, child));
    if (issuer) {
      if (!signedBy(child, issuer)) {
        badSignatures.push(`${child.subject.text} is not signed by ${issuer.subject.text}`);
        break;
      }
      path.push(issuer);
      continue;
    }
    const anchor = anchors.find((a) => mayHaveIssued(a, child));
    if (anchor && signedBy(child, anchor)) anchoredBy = anchor;
    break;
  }

  const top = path[path.length - 1] as CertificateView;
  const complete = selfSignedTop || anchoredBy !== null;
  findings.push(
    finding(
      'CHAIN_BUILDS_TO_ROOT',
      complete ? 'pass' : 'fail',
      complete
        ? `path of ${path.length} certificate(s) from the leaf to ${anchoredBy && !selfSignedTop ? 'a trust anchor' : 'a root'}`
        : path.length > 1
          ? // The participant sent its CA chain and it stops short: what is missing may be the root itself.
            `the issuer of ${top.subject.text} (${top.issuer.text}) is missing: add it — your root, or the next intermediate up to it`
          : `the issuer of ${top.subject.text} (${top.issuer.text}) is missing: add the intermediate certificate(s) and the root`,
      { length: path.length, missingIssuer: complete ? null : top.issuer.text },
    ),
  );
  findings.push(
    finding(
      'CHAIN_SIGNATURES_VALID',
      badSignatures.length ? 'fail' : 'pass',
      badSignatures.length ? badSignatures.join('; ') : 'every link verifies',
      {
        failures: badSignatures,
      },
    ),
  );
  if (anchors.length === 0) {
    findings.push(finding('CHAIN_TRUSTED_ANCHOR', 'not-applicable', 'no trust anchor configured for this check', {}));
  } else {
    findings.push(
      finding(
        'CHAIN_TRUSTED_ANCHOR',
        anchoredBy ? 'pass' : 'fail',
        anchoredBy ? `ends at the trusted ${anchoredBy.subject.text}` : 'the chain does not end at a CA this hub trusts',
        { anchor: anchoredBy?.subject.text ?? null },
      ),
    );
  }

  // Order: the bundle should list the path leaf first, each issuer after the certificate it signed.
  const positions = path.map((c) => unique.indexOf(c));
  const inOrder = positions.every((p, i) => i === 0 || p > (positions[i - 1] as number));
  findings.push(
    finding(
      'CHAIN_ORDER',
      inOrder && positions[0] === 0 ? 'pass' : 'warn',
      inOrder && positions[0] === 0 ? 'leaf first, then each issuer' : 'the bundle is not in leaf → root order (it was reordered)',
      { bundleOrder: unique.map((c) => c.subject.text), pathOrder: path.map((c) => c.subject.text) },
    ),
  );
  const unrelated = unique.filter((c) => !path.includes(c));
  findings.push(
    finding(
      'CHAIN_NO_UNRELATED',
      unrelated.length ? 'warn' : 'pass',
      unrelated.length
        ? `not part of the chain: ${unrelated.map((c) => c.subject.text).join('; ')}`
        : 'every certificate is part of the chain',
      {
        unrelated: unrelated.map((c) => c.subject.text),
      },
    ),
  );

  const leafSelfSigned = selfSignedTop && path.length === 1;
  path.forEach((cert, i) => {
    const position = i === 0 ? 'leaf' : i === path.length - 1 && selfSignedTop ? 'root' : 'intermediate';
    findings.push(
      ...checkCertificate(cert, {
        policy,
        now,
        position,
        role: opts.role,
        ...(opts.participant ? { participant: opts.participant } : {}),
        selfSigned: i === 0 ? leafSelfSigned : false,
        casBelow: Math.max(0, i - 1),
      }),
    );
  });
  // A self-signed top above the leaf is the participant's root: kept apart from the chain to present.
  return report(findings, policy, leaf, path, selfSignedTop && path.length > 1);
}

function sameSubjectAsIssuer(c: CertificateView): boolean {
  return c.subject.text === c.issuer.text && (c.ext.authorityKeyId === null || c.ext.authorityKeyId === c.ext.subjectKeyId);
}
