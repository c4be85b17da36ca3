/**
 * TLS, hub → participant: the certificate the participant's CA issued for the hub's client CSR.
 * The bundle rules of a tls-client certificate (chain, signatures, validity, clientAuth, key), then
 * what makes it the hub's: it certifies the key of the hub's CSR, and it was issued by the
 * participant's own CA (a root it sent along), not by the hub CA or by nobody (self-signed).
 */
import { BundleReport, checkBundle } from './bundle-checks';
import { finding, Finding, summarise } from './findings';
import type { HubClientCertificate } from './hub-client-keys';
import { scanPem } from './pem';
import type { PkiPolicy } from './policy';
import { isSelfSigned, parseCertificate } from './x509-model';

export interface HubClientCertificateCheckOptions {
  policy: PkiPolicy;
  /** The SubjectPublicKeyInfo sha256 of the hub's live client key (its CSR). */
  expectedSpkiSha256: string;
  /** sha256 of the hub CA's own certificates (root, issuing): a chain ending there is the wrong CA. */
  hubCaSha256: string[];
  now?: Date;
}

export interface HubClientCertificateReport extends BundleReport {
  /** What the hub installs, when the report does not block. */
  certificate: HubClientCertificate | null;
}

export async function checkHubClientCertificate(pem: string, opts: HubClientCertificateCheckOptions): Promise<HubClientCertificateReport> {
  const bundle = await checkBundle(pem, { policy: opts.policy, role: 'tls-client', ...(opts.now ? { now: opts.now } : {}) });
  const findings: Finding[] = [...bundle.findings];
  const leafBlock = bundle.normalised ? scanPem(bundle.normalised.chainPem).blocks[0] : undefined;
  const leaf = leafBlock ? parseCertificate(leafBlock.der) : null;
  if (leaf === null) {
    findings.push(finding('CSR_CERT_SAME_PUBLIC_KEY', 'not-applicable', 'no certificate in use could be identified', {}));
    findings.push(finding('ISSUED_BY_PARTICIPANT_CA', 'not-applicable', 'no certificate in use could be identified', {}));
  } else {
    const same = leaf.key.spkiSha256 === opts.expectedSpkiSha256;
    findings.push(
      finding(
        'CSR_CERT_SAME_PUBLIC_KEY',
        same ? 'pass' : 'fail',
        same
          ? "the certificate certifies the key of the hub's CSR"
          : 'the certificate is for another key: sign the CSR the hub provided (provided.csrPem), not a new one',
        { expected: opts.expectedSpkiSha256, found: leaf.key.spkiSha256 },
      ),
    );
    const top = bundle.path[bundle.path.length - 1];
    const root = bundle.normalised?.rootPem ?? null;
    const byHubCa = bundle.path.slice(1).some((c) => opts.hubCaSha256.includes(c.sha256));
    const [result, message] = byHubCa
      ? ([
          'fail',
          "issued by the hub's own CA: the hub's client certificate must be issued by your CA, the one your servers trust for clients",
        ] as const)
      : bundle.path.length < 2
        ? isSelfSigned(leaf)
          ? (['fail', 'self-signed: it must be issued by your CA'] as const)
          : ([
              'fail',
              `issued by ${leaf.issuer.text}, which you did not send: send your CA chain up to and including its root, the hub checks who issued it`,
            ] as const)
        : root === null
          ? (['fail', 'send your CA chain up to and including its root: the hub checks who issued it'] as const)
          : (['pass', `issued by ${top?.subject ?? 'your CA'}`] as const);
    findings.push(finding('ISSUED_BY_PARTICIPANT_CA', result, message, { issuer: leaf.issuer.text, root: top?.subject ?? null }));
  }
  const verdict = summarise(findings, opts.policy.warnBlocks);
  const certificate: HubClientCertificate | null =
    !verdict.blocking && leaf && bundle.normalised
      ? {
          serialHex: leaf.serialHex,
          sha256: leaf.sha256,
          subject: leaf.subject.text,
          issuer: leaf.issuer.text,
          notBefore: leaf.notBefore.toISOString(),
          notAfter: leaf.notAfter.toISOString(),
          certificatePem: bundle.normalised.chainPem,
          rootPem: bundle.normalised.rootPem,
        }
      : null;
  return { ...bundle, ...verdict, certificate };
}
