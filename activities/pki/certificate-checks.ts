/** Rules for one certificate (PKI-NOTES A.6–A.14), or one CSR's key and names. */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { CheckCode, Finding, finding } from './findings';
import type { CertificateRole, ParticipantIdentity, PkiPolicy } from './policy';
import { CertificateView, KeyView, NameView, oids, SignatureView } from './x509-model';

const dayMs = 24 * 60 * 60 * 1000;

export type ChainPosition = 'leaf' | 'intermediate' | 'root';

export interface CertificateCheckContext {
  policy: PkiPolicy;
  now: Date;
  position: ChainPosition;
  /** The leaf's purpose; ignored for issuers. */
  role?: CertificateRole;
  participant?: ParticipantIdentity;
  selfSigned: boolean;
  /** Issuers only: CA certificates below this one in the path (for pathLen). */
  casBelow?: number;
}

/** Who a finding is about, so a report over a bundle says which certificate failed. */
function about(cert: CertificateView, position: ChainPosition): Record<string, unknown> {
  return { certificate: position, subject: cert.subject.text, sha256: cert.sha256 };
}

export function checkKey(key: KeyView, policy: PkiPolicy, who: Record<string, unknown> = {}, ofCa = false): Finding[] {
  const out: Finding[] = [];
  const allowed = ofCa ? policy.allowedCaKeyAlgorithms : policy.allowedKeyAlgorithms;
  const algorithmAllowed = (allowed as string[]).includes(key.algorithm);
  out.push(
    finding(
      'KEY_ALGORITHM_ALLOWED',
      algorithmAllowed ? 'pass' : 'fail',
      algorithmAllowed ? `${key.algorithm} key` : `${key.algorithm} keys are not accepted here (allowed: ${allowed.join(', ')})`,
      { ...who, algorithm: key.algorithm, oid: key.oid },
    ),
  );
  if (key.algorithm === 'RSA') {
    const bits = key.rsaBits ?? 0;
    out.push(
      finding('KEY_SIZE_MIN', bits >= policy.minRsaBits ? 'pass' : 'fail', `RSA modulus of ${bits} bits (minimum ${policy.minRsaBits})`, {
        ...who,
        bits,
        minimum: policy.minRsaBits,
      }),
    );
    const exponentOk = key.rsaExponent === policy.requiredRsaExponent;
    out.push(
      finding(
        'RSA_EXPONENT',
        exponentOk ? 'pass' : 'fail',
        `RSA public exponent ${key.rsaExponent ?? 'unreadable'} (required ${policy.requiredRsaExponent})`,
        {
          ...who,
          exponent: key.rsaExponent,
        },
      ),
    );
  } else if (key.algorithm === 'EC') {
    const curveOk = key.curve !== null && policy.allowedCurves.includes(key.curve);
    out.push(
      finding(
        'KEY_SIZE_MIN',
        curveOk ? 'pass' : 'fail',
        `EC curve ${key.curve ?? 'unknown'} (allowed: ${policy.allowedCurves.join(', ')})`,
        {
          ...who,
          curve: key.curve,
        },
      ),
    );
    out.push(finding('RSA_EXPONENT', 'not-applicable', 'not an RSA key', who));
  } else {
    out.push(finding('KEY_SIZE_MIN', 'fail', 'key type unsupported: size cannot be judged', who));
    out.push(finding('RSA_EXPONENT', 'not-applicable', 'not an RSA key', who));
  }
  return out;
}

export function checkSignatureHash(signature: SignatureView, policy: PkiPolicy, who: Record<string, unknown> = {}): Finding {
  const ok = signature.hash !== null && policy.allowedSignatureHashes.includes(signature.hash);
  return finding(
    'SIGNATURE_HASH_ALLOWED',
    ok ? 'pass' : 'fail',
    ok
      ? `signed with ${signature.family}/${signature.hash}`
      : `signature hash ${signature.hash ?? signature.oid} is not accepted (allowed: ${policy.allowedSignatureHashes.join(', ')})`,
    { ...who, algorithm: signature.oid, hash: signature.hash },
  );
}

/** Does a certificate/CSR name (DNS or IP) belong to the participant's declared hosts? */
export function hostDeclared(name: string, hosts: string[]): boolean {
  if (hosts.length === 0) return false;
  const wanted = normaliseHost(name);
  return hosts.some((declared) => {
    const d = normaliseHost(declared);
    if (d === wanted) return true;
    // A declared wildcard covers exactly one label; a requested wildcard must be declared as such.
    if (d.startsWith('*.') && !wanted.startsWith('*.')) {
      const dot = wanted.indexOf('.');
      return dot > 0 && wanted.slice(dot + 1) === d.slice(2);
    }
    return false;
  });
}

function normaliseHost(host: string): string {
  const trimmed = host.trim().toLowerCase().replace(/\.$/, '');
  // Only the standard textual forms are addresses (net.isIP); "010.1.1.1" or "0x7f.1" stay names.
  return isIP(trimmed) !== 0 ? ipaddr.parse(trimmed).toNormalizedString() : trimmed;
}

function attribute(name: NameView, type: string): string[] {
  return name.attributes.filter((a) => a.type === type).map((a) => a.value);
}

/** CN is the participant id or a declared host; O is its legal name; C, when present, its country. */
export function checkSubject(subject: NameView, participant: ParticipantIdentity | undefined, who: Record<string, unknown> = {}): Finding {
  if (participant === undefined) {
    return finding('SUBJECT_MATCHES_PARTICIPANT', 'not-applicable', 'no participant to compare with', who);
  }
  const problems: string[] = [];
  const cns = attribute(subject, 'CN');
  const os = attribute(subject, 'O');
  const cs = attribute(subject, 'C');
  const cn = cns[0];
  if (cns.length !== 1 || cn === undefined) problems.push(`exactly one CN expected, found ${cns.length}`);
  else if (cn !== participant.participantId && !hostDeclared(cn, participant.hosts)) {
    problems.push(`CN "${cn}" is neither the participant id nor a declared host`);
  }
  if (os.length !== 1 || os[0]?.trim().toLowerCase() !== participant.legalName.trim().toLowerCase()) {
    problems.push(
      `O must be the participant's legal name "${participant.legalName}" (found ${os.length ? `"${os.join('", "')}"` : 'none'})`,
    );
  }
  if (cs.length > 1 || (cs.length === 1 && cs[0] !== participant.country)) {
    problems.push(`C must be ${participant.country} (found ${cs.join(', ')})`);
  }
  const duplicates = subject.attributes.filter((a, i) => subject.attributes.findIndex((b) => b.oid === a.oid) !== i);
  if (duplicates.length > 0) problems.push(`duplicate attributes: ${duplicates.map((d) => d.type).join(', ')}`);
  return finding(
    'SUBJECT_MATCHES_PARTICIPANT',
    problems.length === 0 ? 'pass' : 'fail',
    problems.length === 0 ? `subject ${subject.text} belongs to ${participant.participantId}` : problems.join('; '),
    { ...who, subject: subject.text, participantId: participant.participantId },
  );
}

/** Every SAN must be a declared host; a server certificate must carry at least one. */
export function checkSans(
  sanDns: string[],
  sanIps: string[],
  role: CertificateRole | undefined,
  participant: ParticipantIdentity | undefined,
  who: Record<string, unknown> = {},
): Finding {
  const names = [...sanDns, ...sanIps];
  if (participant === undefined) return finding('SAN_MATCHES_ENDPOINT', 'not-applicable', 'no participant to compare with', who);
  if (role === 'tls-server' && names.length === 0) {
    return finding('SAN_MATCHES_ENDPOINT', 'fail', 'a server certificate needs subjectAltName entries for its host names', who);
  }
  if (names.length === 0) return finding('SAN_MATCHES_ENDPOINT', 'not-applicable', 'no subjectAltName', who);
  const undeclared = names.filter((n) => !hostDeclared(n, participant.hosts));
  return finding(
    'SAN_MATCHES_ENDPOINT',
    undeclared.length === 0 ? 'pass' : 'fail',
    undeclared.length === 0
      ? `all ${names.length} subjectAltName entries are declared hosts`
      : `not declared by the participant: ${undeclared.join(', ')}`,
    { ...who, names, undeclared, declared: participant.hosts },
  );
}

function checkValidity(cert: CertificateView, ctx: CertificateCheckContext, who: Record<string, unknown>): Finding[] {
  const now = ctx.now.getTime();
  const notBefore = cert.notBefore.getTime();
  const notAfter = cert.notAfter.getTime();
  const dates = { ...who, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() };
  const out = [
    finding('CERT_NOT_EXPIRED', notAfter >= now ? 'pass' : 'fail', notAfter >= now ? 'not expired' : `expired on ${dates.notAfter}`, dates),
    finding(
      'CERT_NOT_YET_VALID',
      notBefore <= now ? 'pass' : 'fail',
      notBefore <= now ? 'already valid' : `not valid before ${dates.notBefore}`,
      dates,
    ),
  ];
  const daysLeft = Math.floor((notAfter - now) / dayMs);
  if (notAfter < now) {
    out.push(finding('CERT_MIN_REMAINING_VALIDITY', 'not-applicable', 'already expired', dates));
  } else {
    const result = daysLeft < ctx.policy.minRemainingDays ? 'fail' : daysLeft < ctx.policy.expiryWarningDays ? 'warn' : 'pass';
    out.push(
      finding(
        'CERT_MIN_REMAINING_VALIDITY',
        result,
        `${daysLeft} days of validity left (minimum ${ctx.policy.minRemainingDays}, warning under ${ctx.policy.expiryWarningDays})`,
        {
          ...dates,
          daysLeft,
        },
      ),
    );
  }
  return out;
}

function checkStructure(cert: CertificateView, who: Record<string, unknown>): Finding[] {
  const serialOk = !cert.serialNegative && cert.serialOctets <= 20 && /[1-9a-f]/.test(cert.serialHex);
  const problems: string[] = [];
  if (cert.ext.unknownCritical.length > 0) problems.push(`unknown critical extensions: ${cert.ext.unknownCritical.join(', ')}`);
  if (cert.ext.duplicated.length > 0) problems.push(`duplicated extensions: ${cert.ext.duplicated.join(', ')}`);
  if (!cert.signatureAlgorithmsMatch) problems.push('inner and outer signature algorithms differ');
  return [
    finding(
      'SERIAL_VALID',
      serialOk ? 'pass' : 'fail',
      serialOk ? 'serial is positive and at most 20 octets' : `serial ${cert.serialHex} is zero, negative or longer than 20 octets`,
      {
        ...who,
        serialOctets: cert.serialOctets,
        negative: cert.serialNegative,
      },
    ),
    finding(
      'NO_UNKNOWN_CRITICAL_EXTENSION',
      problems.length === 0 ? 'pass' : 'fail',
      problems.length === 0 ? 'extensions well formed' : problems.join('; '),
      {
        ...who,
        unknownCritical: cert.ext.unknownCritical,
        duplicated: cert.ext.duplicated,
      },
    ),
  ];
}

function checkIssuerIsCa(cert: CertificateView, ctx: CertificateCheckContext, who: Record<string, unknown>): Finding[] {
  const bc = cert.ext.basicConstraints;
  let bcResult: Finding;
  if (bc === null || !bc.cA) {
    bcResult = finding('CA_BASIC_CONSTRAINTS', 'fail', 'issuer lacks basicConstraints cA=TRUE', who);
  } else if (bc.pathLen !== null && (ctx.casBelow ?? 0) > bc.pathLen) {
    bcResult = finding(
      'CA_BASIC_CONSTRAINTS',
      'fail',
      `pathLenConstraint ${bc.pathLen} exceeded by ${ctx.casBelow} CA certificates below`,
      {
        ...who,
        pathLen: bc.pathLen,
      },
    );
  } else if (!bc.critical) {
    bcResult = finding('CA_BASIC_CONSTRAINTS', 'warn', 'basicConstraints cA=TRUE is not marked critical', who);
  } else {
    bcResult = finding('CA_BASIC_CONSTRAINTS', 'pass', 'cA=TRUE, critical', { ...who, pathLen: bc.pathLen });
  }
  const ku = cert.ext.keyUsage;
  const kuResult =
    ku === null
      ? finding('CA_KEY_CERT_SIGN', 'warn', 'issuer has no keyUsage extension (keyCertSign expected)', who)
      : ku.usages.includes('keyCertSign')
        ? finding('CA_KEY_CERT_SIGN', 'pass', 'keyUsage includes keyCertSign', { ...who, keyUsage: ku.usages })
        : finding('CA_KEY_CERT_SIGN', 'fail', `keyUsage ${ku.usages.join(', ')} lacks keyCertSign`, { ...who, keyUsage: ku.usages });
  return [bcResult, kuResult];
}

const ekuByRole: Partial<Record<CertificateRole, { code: CheckCode; oid: string; name: string }>> = {
  'tls-client': { code: 'EKU_CLIENT_AUTH', oid: oids.clientAuth, name: 'clientAuth' },
  'tls-server': { code: 'EKU_SERVER_AUTH', oid: oids.serverAuth, name: 'serverAuth' },
};

function checkLeaf(cert: CertificateView, ctx: CertificateCheckContext, who: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  const bc = cert.ext.basicConstraints;
  const caUsages = (cert.ext.keyUsage?.usages ?? []).filter((u) => u === 'keyCertSign' || u === 'cRLSign');
  const isCa = bc?.cA === true || caUsages.length > 0;
  out.push(
    finding(
      'LEAF_NOT_CA',
      !isCa ? 'pass' : ctx.selfSigned ? 'warn' : 'fail',
      !isCa
        ? 'end-entity certificate'
        : `the certificate in use is a CA certificate (cA=${bc?.cA === true}, ${caUsages.join(', ') || 'no CA key usages'})`,
      who,
    ),
  );
  const selfSignedResult = !ctx.selfSigned ? 'pass' : ctx.policy.allowSelfSigned ? 'warn' : 'fail';
  out.push(
    finding(
      'SELF_SIGNED',
      selfSignedResult,
      !ctx.selfSigned
        ? 'signed by a CA'
        : ctx.policy.allowSelfSigned
          ? 'self-signed (accepted in this environment)'
          : 'self-signed certificates are not accepted here',
      who,
    ),
  );
  for (const [role, spec] of Object.entries(ekuByRole) as [CertificateRole, { code: CheckCode; oid: string; name: string }][]) {
    if (ctx.role !== role) {
      out.push(finding(spec.code, 'not-applicable', `not a ${role} certificate`, who));
      continue;
    }
    const eku = cert.ext.extKeyUsage;
    if (eku === null) out.push(finding(spec.code, 'warn', `no extendedKeyUsage: ${spec.name} is implied, not stated`, who));
    else if (eku.includes(spec.oid)) out.push(finding(spec.code, 'pass', `extendedKeyUsage includes ${spec.name}`, { ...who, eku }));
    else out.push(finding(spec.code, 'fail', `extendedKeyUsage lacks ${spec.name}`, { ...who, eku }));
  }
  out.push(checkSubject(cert.subject, ctx.participant, who));
  out.push(checkSans(cert.ext.sanDns, cert.ext.sanIps, ctx.role, ctx.participant, who));
  return out;
}

/** All rules for one certificate at its place in the path. */
export function checkCertificate(cert: CertificateView, ctx: CertificateCheckContext): Finding[] {
  const who = about(cert, ctx.position);
  return [
    ...checkKey(cert.key, ctx.policy, who, ctx.position !== 'leaf'),
    checkSignatureHash(cert.signature, ctx.policy, who),
    ...checkValidity(cert, ctx, who),
    ...checkStructure(cert, who),
    ...(ctx.position === 'leaf' ? checkLeaf(cert, ctx, who) : checkIssuerIsCa(cert, ctx, who)),
  ];
}
