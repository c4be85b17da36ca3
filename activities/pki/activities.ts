/** The pki capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { log } from '@temporalio/activity';
import type { Environment, OnboardingKind } from '../../workflows/vocabulary';
import { logCheck, throughEdge } from '../activity-edge';
import { BundleReport, checkBundle } from './bundle-checks';
import { evaluateClientCertificate, type ClientCertificateEvaluationInput } from './client-certificate-evaluation';
import type { CsrReport } from './csr-checks';
import type { CsrSigningService, IssuedCertificate, SignCsrRequest } from './csr-signing';
import { checkHubClientCertificate, HubClientCertificateReport } from './hub-client-certificate-checks';
import type { CaSigner } from './local-hub-ca';
import { CertificateRole, ParticipantIdentity, policyFor } from './policy';
import type { HubClientCertificate, HubClientKeyRecord, HubClientKeys } from './hub-client-keys';
import type { CertificateView } from './x509-model';
import { HubClientKeyError } from './hub-client-keys';

/** What the pki activities need, and nothing more. */
export interface PkiDeps {
  ca: CaSigner;
  csrSigning: CsrSigningService;
  /** The hub's client key pairs towards participants (hub → participant mTLS). */
  hubClientKeys: HubClientKeys;
  /** The CAs a TPP's own production certificate must chain to (TPP_TRUST_ANCHORS_FILE); null: none configured. */
  tppTrustAnchors: CertificateView[] | null;
}

export interface CheckBundleInput {
  pem: string;
  kind: OnboardingKind;
  environment: Environment;
  role: CertificateRole;
  participant?: ParticipantIdentity;
  /** Require the chain to end at the hub CA (certificates the hub issued). */
  anchorAtHubCa?: boolean;
  /** The API request that led here (x-request-id), for the logs. */
  requestId?: string;
}

export interface HubClientKeyInput {
  participantId: string;
  environment: Environment;
}

export interface CheckHubClientCertificateInput extends HubClientKeyInput {
  kind: OnboardingKind;
  pem: string;
  requestId?: string;
}

export interface InstallHubClientCertificateInput extends HubClientKeyInput {
  spkiSha256: string;
  certificate: HubClientCertificate;
}

/** What a workflow may know of the hub's client key: public parts only. */
export type HubClientKeyView = Omit<HubClientKeyRecord, 'certificate'> & {
  certificate: Omit<HubClientCertificate, 'certificatePem' | 'rootPem'> | null;
};

function publicView(record: HubClientKeyRecord): HubClientKeyView {
  const { certificate, ...rest } = record;
  if (certificate === null) return { ...rest, certificate: null };
  const { serialHex, sha256, subject, issuer, notBefore, notAfter } = certificate;
  return { ...rest, certificate: { serialHex, sha256, subject, issuer, notBefore, notAfter } };
}

export function createPkiActivities(deps: PkiDeps) {
  return throughEdge({
    /** Gating checks of a submitted certificate bundle; the report decides, the workflow acts on `blocking`. */
    async checkCertificateBundle(input: CheckBundleInput): Promise<BundleReport> {
      const report = await checkBundle(input.pem, {
        policy: policyFor(input.kind, input.environment),
        role: input.role,
        ...(input.participant ? { participant: input.participant } : {}),
        ...(input.anchorAtHubCa ? { trustAnchors: [deps.ca.root] } : {}),
      });
      log.info('certificate bundle checked', {
        participantId: input.participant?.participantId ?? null,
        verdict: report.verdict,
        blocking: report.blocking,
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** An API client's certificate bundle, the CSR it came from (optional) and the challenge signed with its key. */
    async evaluateClientCertificate(
      input: ClientCertificateEvaluationInput & {
        kind: OnboardingKind;
        environment: Environment;
        participant?: ParticipantIdentity;
        requestId?: string;
      },
    ): Promise<BundleReport> {
      const { kind, environment, participant, requestId, ...evaluation } = input;
      const report = await evaluateClientCertificate(evaluation, {
        policy: policyFor(kind, environment),
        ...(participant ? { participant } : {}),
        // Production identity from a client's own CA only when that CA is on the hub's trust list.
        ...(environment === 'production' ? { trustAnchors: deps.tppTrustAnchors } : {}),
      });
      log.info('client certificate evaluated', {
        participantId: participant?.participantId ?? null,
        environment,
        verdict: report.verdict,
        blocking: report.blocking,
        requestId: requestId ?? null,
      });
      return report;
    },

    /**
     * A submitted CSR checked and, when nothing blocks, signed — one activity, the CSR read once.
     * Idempotent like signParticipantCsr: a retry returns the certificate issued the first time.
     */
    async checkAndSignParticipantCsr(request: SignCsrRequest): Promise<{ report: CsrReport; issued: IssuedCertificate | null }> {
      const { report, issued } = await deps.csrSigning.checkAndSign(request);
      if (issued !== null) logIssued(request, issued);
      return { report, issued };
    },

    /**
     * TLS, hub → participant: the hub's key pair and CSR for its client certificate towards the
     * participant (made once per participant and environment; the private key stays encrypted in
     * the registry). Returns the public parts only.
     */
    async prepareHubClientCsr(input: HubClientKeyInput): Promise<HubClientKeyView> {
      const record = await deps.hubClientKeys.prepare(input.participantId, input.environment, new Date());
      log.info('hub client key ready', {
        participantId: input.participantId,
        environment: input.environment,
        spkiSha256: record.spkiSha256,
        state: record.state,
      });
      return publicView(record);
    },

    /** The certificate the participant's CA issued for the hub's CSR, judged; nothing is installed here. */
    async checkHubClientCertificate(input: CheckHubClientCertificateInput): Promise<HubClientCertificateReport> {
      const live = await deps.hubClientKeys.live(input.participantId, input.environment);
      if (live === null)
        throw new HubClientKeyError(
          'HUB_CLIENT_KEY_MISSING',
          `the hub has no client key for ${input.participantId} in ${input.environment}`,
        );
      const report = await checkHubClientCertificate(input.pem, {
        policy: policyFor(input.kind, input.environment),
        expectedSpkiSha256: live.spkiSha256,
        hubCaSha256: [deps.ca.root.sha256, deps.ca.issuing.sha256],
      });
      logCheck('hub client certificate', input, report.verdict);
      return report;
    },

    /** Installs the checked certificate for the hub's outbound calls to the participant. Idempotent. */
    async installHubClientCertificate(input: InstallHubClientCertificateInput): Promise<HubClientKeyView> {
      const record = await deps.hubClientKeys.install(
        input.participantId,
        input.environment,
        input.spkiSha256,
        input.certificate,
        new Date(),
      );
      if (record === null)
        throw new HubClientKeyError(
          'HUB_CLIENT_KEY_REPLACED',
          `the hub's client key for ${input.participantId} in ${input.environment} is no longer ${input.spkiSha256}`,
        );
      log.info('hub client certificate installed', {
        participantId: input.participantId,
        environment: input.environment,
        serial: input.certificate.serialHex,
      });
      return publicView(record);
    },

    /** Retires the hub's client key towards the participant (cancellation, offboarding). */
    async retireHubClientKey(input: HubClientKeyInput): Promise<number> {
      return deps.hubClientKeys.retire(input.participantId, input.environment, new Date());
    },

    /** Idempotent: a retry (same step, same CSR) returns the certificate issued the first time. */
    async signParticipantCsr(request: SignCsrRequest): Promise<IssuedCertificate> {
      const issued = await deps.csrSigning.sign(request);
      logIssued(request, issued);
      return issued;
    },
  });
}

function logIssued(request: SignCsrRequest, issued: IssuedCertificate): void {
  log.info('certificate issued', {
    participantId: request.participant.participantId,
    environment: request.environment,
    role: request.role,
    serial: issued.serialHex,
    reused: issued.reused,
  });
}

export type PkiActivities = ReturnType<typeof createPkiActivities>;
