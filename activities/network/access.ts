/**
 * The network access activities' service: allowlists checked and applied, access revoked. Each
 * change computes the whole desired state with the change in it, has the gateway apply it, and
 * only then records it, so the registry never says what the gateway refused; a retried activity
 * (same write key) re-applies the same state — the same revision — and records it once. Each change
 * runs as the one gateway writer (`asGatewayWriter`: a database lock on PostgreSQL), so workers in
 * several processes never apply a state that misses another's recorded change.
 */
import { DomainError } from '../domain-error';
import type { Environment } from '../../workflows/vocabulary';
import type { NetworkRegistry } from './network-registry';
import { AllowlistPolicy, allowlistPolicyFor, AllowlistReport, checkAllowlist } from './allowlist-checks';
import type { Gateway, GatewayApplied, GatewayState } from './gateway';

export interface ApplyAllowlistRequest {
  participantId: string;
  environment: Environment;
  /** Normalised entries, as the accepted report gave them. */
  entries: string[];
  /** From the workflow and step: a retry with the same key changes nothing twice. */
  writeKey: string;
}

export interface GatewayChange {
  revision: number;
  configSha256: string;
  live: boolean;
}

export interface AppliedAllowlist extends GatewayChange {
  version: number;
  entries: string[];
}

export class NetworkAccessService {
  constructor(
    private readonly registry: NetworkRegistry,
    private readonly gateway: Gateway,
    private readonly policyOverrides: Partial<Record<Environment, Partial<AllowlistPolicy>>> = {},
  ) {}

  check(entries: string[], environment: Environment): AllowlistReport {
    return checkAllowlist(entries, allowlistPolicyFor(environment, this.policyOverrides[environment]));
  }

  /** Re-checks (never trust a caller's list), applies to the gateway, then records the version, the grant and the revision. */
  async applyAllowlist(request: ApplyAllowlistRequest, at = new Date()): Promise<AppliedAllowlist> {
    return this.registry.asGatewayWriter(async () => {
      const report = this.check(request.entries, request.environment);
      if (report.blocking) throw new DomainError('SUBMISSION_REFUSED', 'The allowlist does not pass the checks', { report });
      // The list is in force for the participant's access, which only the journey opens (`grant`): until then it is recorded, not admitted.
      const granted = await this.registry.isGranted(request.participantId, request.environment);
      const state = await this.withParticipant(request.participantId, request.environment, granted, at, report.entries);
      const applied = await this.applyState(state, request.writeKey, `allowlist of ${request.participantId} in ${request.environment}`);
      const version = await this.registry.replaceAllowlist(
        request.participantId,
        request.environment,
        report.entries,
        request.writeKey,
        at,
      );
      const recorded = await this.registry.recordRevision(
        request.writeKey,
        `allowlist v${version.version} of ${request.participantId} in ${request.environment}`,
        applied,
        at,
      );
      return {
        version: version.version,
        entries: version.entries,
        revision: recorded.revision,
        configSha256: applied.configSha256,
        live: applied.live,
      };
    });
  }

  /**
   * Opens the participant's access in the environment, as its journey decided (sandbox once the
   * environment's access steps are accepted, production once go-live is approved): the gateway
   * admits its live certificates from its allowlist. Applied first, recorded after; a retry (same
   * write key) re-applies the same state.
   */
  async grant(participantId: string, environment: Environment, writeKey: string, reason: string, at = new Date()): Promise<GatewayChange> {
    return this.registry.asGatewayWriter(async () => {
      const state = await this.withParticipant(participantId, environment, true, at);
      const applied = await this.applyState(state, writeKey, `access of ${participantId} in ${environment} opened`);
      await this.registry.setGrant(participantId, environment, 'granted', writeKey, at);
      const recorded = await this.registry.recordRevision(
        writeKey,
        `access of ${participantId} in ${environment} opened: ${reason}`,
        applied,
        at,
      );
      return { revision: recorded.revision, configSha256: applied.configSha256, live: applied.live };
    });
  }

  /**
   * Stops admitting one of the participant's client certificates (a replaced one whose grace is
   * over): revoked in the registry, then — where its access is open — the gateway applied again.
   * A retry (same write key) revokes nothing twice and re-applies the same state.
   */
  async retireCertificate(
    participantId: string,
    environment: Environment,
    sha256: string,
    writeKey: string,
    at = new Date(),
  ): Promise<GatewayChange | null> {
    return this.registry.asGatewayWriter(async () => {
      await this.registry.retireClientCertificate(participantId, environment, sha256, at);
      if (!(await this.registry.isGranted(participantId, environment))) return null;
      const state = await this.withParticipant(participantId, environment, true, at);
      const applied = await this.applyState(state, writeKey, `retirement of a certificate of ${participantId} in ${environment}`);
      const recorded = await this.registry.recordRevision(
        writeKey,
        `certificate ${sha256.slice(0, 16)}… of ${participantId} in ${environment} retired`,
        applied,
        at,
      );
      return { revision: recorded.revision, configSha256: applied.configSha256, live: applied.live };
    });
  }

  /** The desired state with the participant in the environment as given (admitted or not, with its allowlist in force or `allow`). */
  private async withParticipant(
    participantId: string,
    environment: Environment,
    admitted: boolean,
    at: Date,
    allow?: string[],
  ): Promise<GatewayState> {
    const state = await this.registry.desiredState(at);
    const others = state[environment].filter((p) => p.participantId !== participantId);
    if (!admitted) {
      state[environment] = others;
      return state;
    }
    const certificates = await this.registry.liveClientCertificates(participantId, environment, at);
    const entries = allow ?? (await this.registry.currentAllowlist(participantId, environment))?.entries ?? [];
    state[environment] = [...others, { participantId, certificates, allow: entries }];
    return state;
  }

  /** Takes the participant out of the gateway in the environment (suspension, expiry, cancellation, offboarding). */
  async revoke(participantId: string, environment: Environment, writeKey: string, at = new Date()): Promise<GatewayChange> {
    return this.registry.asGatewayWriter(async () => {
      const state = await this.withParticipant(participantId, environment, false, at);
      const applied = await this.applyState(state, writeKey, `revocation of ${participantId} in ${environment}`);
      await this.registry.setGrant(participantId, environment, 'revoked', writeKey, at);
      const recorded = await this.registry.recordRevision(writeKey, `access of ${participantId} in ${environment} revoked`, applied, at);
      return { revision: recorded.revision, configSha256: applied.configSha256, live: applied.live };
    });
  }

  private async applyState(state: GatewayState, writeKey: string, reason: string): Promise<GatewayApplied & { status: 'applied' }> {
    const applied = await this.gateway.apply(state, reason);
    if (applied.status === 'refused') {
      throw new DomainError('GATEWAY_CONFIG_REFUSED', `The gateway refused the configuration for the ${reason}: ${applied.message}`, {
        writeKey,
        configSha256: applied.configSha256,
        nginx: applied.message,
      });
    }
    if (applied.status === 'unavailable') {
      throw new DomainError('GATEWAY_NOT_RUNNING', `The gateway is not running; the ${reason} was not applied: ${applied.message}`, {
        writeKey,
        configSha256: applied.configSha256,
      });
    }
    if (applied.running && !applied.live) {
      throw new DomainError('GATEWAY_NOT_LIVE', `The gateway did not take the configuration for the ${reason}: ${applied.message}`, {
        writeKey,
        configSha256: applied.configSha256,
      });
    }
    return { ...applied, status: 'applied' };
  }
}
