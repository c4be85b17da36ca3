/**
 * Signing a participant's CSR by the hub CA (PKI-NOTES B): gated by the CSR checks, the profile
 * imposed instead of trusted, idempotent per onboarding step and CSR, and the result linted with
 * the same rules as any submitted certificate before it is returned.
 */
import ipaddr from 'ipaddr.js';
import type { Environment, OnboardingKind } from '../../workflows/vocabulary';
import { DomainError } from '../domain-error';
import { checkCertificateChain } from './bundle-checks';
import { hostDeclared } from './certificate-checks';
import { checkCsr, checkParsedCsr, CsrReport, readCsrPem } from './csr-checks';
import type { Finding } from './findings';
import type { IssuedCertificateRegistry, IssuedCertificateRecord } from './issued-registry';
import type * as pkijs from 'pkijs';
import { buildName, extensions, keyIdentifier, randomSerial } from './certificate-builder';
import type { CaSigner } from './local-hub-ca';
import { toPem } from './pem';
import { CertificateRole, ParticipantIdentity, PkiPolicy, policyFor } from './policy';
import { CsrView, oids, parseCertificate } from './x509-model';

export type CsrSigningErrorCode = 'CSR_REJECTED' | 'CA_PROFILE_VIOLATION';

export class CsrSigningError extends DomainError<CsrSigningErrorCode> {}

export type SignableRole = Extract<CertificateRole, 'tls-client' | 'tls-server'>;

export interface SignCsrRequest {
  csrPem: string;
  participant: ParticipantIdentity;
  kind: OnboardingKind;
  environment: Environment;
  role: SignableRole;
}

export interface IssuedCertificate {
  certificatePem: string;
  /** Issuing intermediate then root. */
  chainPem: string;
  serialHex: string;
  sha256: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  /** true when this CSR had already been signed for this step (a retry): the same certificate. */
  reused: boolean;
}

export interface CsrSigningConfig {
  validityDays: Record<Environment, number>;
  /** Clock skew allowance for notBefore. */
  backdateMinutes?: number;
  now?: () => Date;
}

const failing = (findings: Finding[]) => findings.filter((f) => f.result === 'fail' || f.result === 'warn');

export class CsrSigningService {
  private inFlight = new Map<string, Promise<IssuedCertificate>>();
  private readonly fixed = new Map<string, pkijs.Extension[]>();

  constructor(
    private readonly ca: CaSigner,
    private readonly registry: IssuedCertificateRegistry,
    private readonly config: CsrSigningConfig,
  ) {}

  /** Checks alone (what a participant can run before submitting). */
  async check(request: SignCsrRequest): Promise<CsrReport> {
    const policy = policyFor(request.kind, request.environment);
    const read = readCsrPem(request.csrPem, policy);
    if ('error' in read) return checkCsr(request.csrPem, { policy, role: request.role, participant: request.participant });
    return this.checkRead(request, read.csr, policy);
  }

  private async checkRead(request: SignCsrRequest, csr: CsrView, policy: PkiPolicy): Promise<CsrReport> {
    const earlierKeyUses = (await this.registry.findByPublicKey(csr.key.spkiSha256)).map((r) => ({
      participantId: r.participantId,
      role: r.role,
      environment: r.environment,
      csrSha256: r.csrSha256,
    }));
    return checkParsedCsr(csr, {
      policy,
      role: request.role,
      participant: request.participant,
      earlierKeyUses,
      environment: request.environment,
    });
  }

  /** Concurrent identical requests share one issuance; sequential ones find it in the registry. */
  sign(request: SignCsrRequest): Promise<IssuedCertificate> {
    return this.shared(request, async () => {
      const policy = policyFor(request.kind, request.environment);
      const read = readCsrPem(request.csrPem, policy);
      if ('error' in read) {
        throw new CsrSigningError('CSR_REJECTED', 'The CSR does not meet the hub policy', {
          findings: [{ code: read.error.code, result: read.error.result, message: read.error.message }],
        });
      }
      const existing = await this.registry.findIssued(issuanceKey(request), read.csr.sha256);
      if (existing) return this.toIssued(existing, true);
      const report = await this.checkRead(request, read.csr, policy);
      if (report.blocking) {
        throw new CsrSigningError('CSR_REJECTED', 'The CSR does not meet the hub policy', {
          findings: failing(report.findings).map(({ code, result, message }) => ({ code, result, message })),
        });
      }
      return this.issue(request, read.csr, policy);
    });
  }

  /**
   * The checks, and when nothing blocks, the signing — the CSR read once, one registry look-up of
   * its key: what a submission runs in one step. `issued` is null when the report blocks. A retry
   * (same step, same CSR) gets the same report and the certificate issued the first time.
   */
  async checkAndSign(request: SignCsrRequest): Promise<{ report: CsrReport; issued: IssuedCertificate | null }> {
    const policy = policyFor(request.kind, request.environment);
    const read = readCsrPem(request.csrPem, policy);
    if ('error' in read)
      return { report: await checkCsr(request.csrPem, { policy, role: request.role, participant: request.participant }), issued: null };
    const report = await this.checkRead(request, read.csr, policy);
    if (report.blocking) return { report, issued: null };
    const issued = await this.shared(request, async () => {
      const existing = await this.registry.findIssued(issuanceKey(request), read.csr.sha256);
      return existing ? this.toIssued(existing, true) : this.issue(request, read.csr, policy);
    });
    return { report, issued };
  }

  private shared(request: SignCsrRequest, run: () => Promise<IssuedCertificate>): Promise<IssuedCertificate> {
    const key = `${issuanceKey(request)}#${request.csrPem}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const issuance = run().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, issuance);
    return issuance;
  }

  /** Issues, lints and records the certificate for a CSR that passed the checks. */
  private async issue(request: SignCsrRequest, csr: CsrView, policy: PkiPolicy): Promise<IssuedCertificate> {
    const now = this.config.now?.() ?? new Date();
    const notBefore = new Date(now.getTime() - (this.config.backdateMinutes ?? 5) * 60_000);
    const requestedEnd = new Date(now.getTime() + this.config.validityDays[request.environment] * 86_400_000);
    const notAfter = requestedEnd > this.ca.issuing.notAfter ? this.ca.issuing.notAfter : requestedEnd;

    const der = await this.ca.issue({
      subject: buildName(subjectFor(request)),
      spkiDer: csr.spkiDer,
      serial: randomSerial(),
      notBefore,
      notAfter,
      extensions: this.profileExtensions(request, csr),
    });
    const issued = parseCertificate(der);
    const certificatePem = toPem('CERTIFICATE', der);

    // Lint what we are about to hand out with the rules applied to any certificate (B.11).
    const lint = await checkCertificateChain([issued, this.ca.issuing, this.ca.root], {
      policy,
      role: request.role,
      participant: request.participant,
      trustAnchors: [this.ca.root],
      now,
    });
    if (lint.verdict !== 'pass') {
      throw new CsrSigningError('CA_PROFILE_VIOLATION', 'The issued certificate does not pass the hub rules', {
        findings: failing(lint.findings).map(({ code, result, message }) => ({ code, result, message })),
      });
    }
    const record: IssuedCertificateRecord = {
      issuanceKey: issuanceKey(request),
      csrSha256: csr.sha256,
      spkiSha256: csr.key.spkiSha256,
      participantId: request.participant.participantId,
      environment: request.environment,
      role: request.role,
      serialHex: issued.serialHex,
      subject: issued.subject.text,
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      certificateSha256: issued.sha256,
      certificatePem,
      issuedAt: now.toISOString(),
    };
    await this.registry.record(record);
    return this.toIssued(record, false);
  }

  private toIssued(record: IssuedCertificateRecord, reused: boolean): IssuedCertificate {
    return {
      certificatePem: record.certificatePem,
      chainPem: this.ca.chainPem(),
      serialHex: record.serialHex,
      sha256: record.certificateSha256,
      subject: record.subject,
      notBefore: record.notBefore,
      notAfter: record.notAfter,
      reused,
    };
  }

  /** The profile: nothing the CSR asked for is copied except SANs the participant declared. */
  private profileExtensions(request: SignCsrRequest, csr: CsrView): pkijs.Extension[] {
    const hosts = request.participant.hosts;
    let dns = csr.requested.sanDns.filter((n) => hostDeclared(n, hosts));
    let ips = csr.requested.sanIps.filter((n) => hostDeclared(n, hosts));
    if (request.role === 'tls-server' && dns.length + ips.length === 0) {
      dns = hosts.filter((h) => !ipaddr.isValid(h) && !h.startsWith('*.'));
      ips = hosts.filter((h) => ipaddr.isValid(h));
    }
    const exts = [...this.fixedExtensions(request.role, csr.key.algorithm), extensions.subjectKeyIdentifier(keyIdentifier(csr.spkiDer))];
    if (dns.length + ips.length > 0) exts.push(extensions.subjectAltName(dns, ips));
    return exts;
  }

  /** The extensions that depend only on the role and key type (and the CA's key id), encoded once. */
  private fixedExtensions(role: SignableRole, keyAlgorithm: string): pkijs.Extension[] {
    const key = `${role}/${keyAlgorithm}`;
    let fixed = this.fixed.get(key);
    if (fixed === undefined) {
      fixed = [
        extensions.basicConstraints(false),
        extensions.keyUsage(keyAlgorithm === 'RSA' ? [0, 2] : [0]), // digitalSignature (+ keyEncipherment for RSA)
        extensions.extKeyUsage([role === 'tls-server' ? oids.serverAuth : oids.clientAuth]),
      ];
      const issuerSki = this.ca.issuing.ext.subjectKeyId;
      if (issuerSki) fixed.push(extensions.authorityKeyIdentifier(Buffer.from(issuerSki, 'hex')));
      this.fixed.set(key, fixed);
    }
    return fixed;
  }
}

export function issuanceKey(request: Pick<SignCsrRequest, 'participant' | 'environment' | 'role'>): string {
  return `${request.participant.participantId}/${request.environment}/${request.role}`;
}

/** Subject from the onboarding record, never from the CSR: CN is the participant id (clients) or its first host (servers). */
function subjectFor(request: SignCsrRequest): { CN: string; O: string; C: string } {
  const p = request.participant;
  const host = p.hosts.find((h) => !h.startsWith('*.'));
  return { CN: request.role === 'tls-server' && host ? host : p.participantId, O: p.legalName, C: p.country };
}
