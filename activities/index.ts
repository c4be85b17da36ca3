import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import { DomainError } from './domain-error';
import type { DeliveryReceipt, GateOpenedNotification, Notifier } from './notify/notifier';
import { BundleReport, checkBundle } from './pki/bundle-checks';
import type { CsrReport } from './pki/csr-checks';
import type { CsrSigningService, IssuedCertificate, SignCsrRequest } from './pki/csr-signing';
import type { CaSigner } from './pki/local-hub-ca';
import { CertificateRole, ParticipantIdentity, policyFor } from './pki/policy';
import type { Environment, OnboardingKind } from '../workflows/messages';

export interface ActivityDeps {
  notifier: Notifier;
  ca: CaSigner;
  csrSigning: CsrSigningService;
}

export interface CheckBundleInput {
  pem: string;
  kind: OnboardingKind;
  environment: Environment;
  role: CertificateRole;
  participant?: ParticipantIdentity;
  /** Require the chain to end at the hub CA (certificates the hub issued). */
  anchorAtHubCa?: boolean;
}

/**
 * Domain errors leave an activity once, here, as ApplicationFailures whose `type` is the stable
 * code; retryability is what the error says, not a list of class names.
 */
async function atEdge<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError) {
      throw ApplicationFailure.create({
        type: err.code,
        message: err.message,
        nonRetryable: !err.retryable,
        details: [err.details],
      });
    }
    throw err;
  }
}

/** The only place ports are wired to activities; tests pass fakes here. */
export function createActivities(deps: ActivityDeps) {
  return {
    async notifyGateOpened(notification: GateOpenedNotification): Promise<DeliveryReceipt> {
      const receipt = await deps.notifier.notifyGateOpened(notification);
      log.info('gate notification', {
        gate: notification.gate,
        role: notification.role,
        participantId: notification.participantId,
        firstDelivery: receipt.firstDelivery,
      });
      return receipt;
    },

    /** Gating checks of a submitted certificate bundle; the report decides, the workflow acts on `blocking`. */
    async checkCertificateBundle(input: CheckBundleInput): Promise<BundleReport> {
      return atEdge(() =>
        checkBundle(input.pem, {
          policy: policyFor(input.kind, input.environment),
          role: input.role,
          ...(input.participant ? { participant: input.participant } : {}),
          ...(input.anchorAtHubCa ? { trustAnchors: [deps.ca.root] } : {}),
        }),
      );
    },

    async checkParticipantCsr(request: SignCsrRequest): Promise<CsrReport> {
      return atEdge(() => deps.csrSigning.check(request));
    },

    /** Idempotent: a retry (same step, same CSR) returns the certificate issued the first time. */
    async signParticipantCsr(request: SignCsrRequest): Promise<IssuedCertificate> {
      const issued = await atEdge(() => deps.csrSigning.sign(request));
      log.info('certificate issued', {
        participantId: request.participant.participantId,
        environment: request.environment,
        role: request.role,
        serial: issued.serialHex,
        reused: issued.reused,
      });
      return issued;
    },
  };
}

export type OnboardingActivities = ReturnType<typeof createActivities>;
