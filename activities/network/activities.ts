/** The network capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { egressConfig, routeTo } from './egress';
import { log } from '@temporalio/activity';
import type { Environment } from '../../workflows/vocabulary';
import { logCheck, throughEdge, whileHeartbeating } from '../activity-edge';
import type { AppliedAllowlist, ApplyAllowlistRequest, GatewayChange, NetworkAccessService } from './access';
import type { AllowlistReport } from './allowlist-checks';
import { checkConnectivity, ConnectivityReport } from './connectivity-probe';
import { checkEndpoints, EndpointsReport } from './endpoint-checks';
import { checkRedirectUrls, type RedirectUrlsReport } from './redirect-url-checks';
import type { HubClientKeys } from '../pki/hub-client-keys';
import { HubClientKeyError } from '../pki/hub-client-keys';
import { scanPem, toPem } from '../pki/pem';
import type { CallbackEndpoint, CallbackRoutes } from './callback-routes';

/** What the network activities need, and nothing more. */
export interface NetworkDeps {
  network: NetworkAccessService;
  /** The hub's client key pairs towards participants (hub → participant mTLS). */
  hubClientKeys: HubClientKeys;
  /** Where the egress sends each DFSP's callbacks. */
  routes: CallbackRoutes;
  /** The hub's outbound calls to participants: connect timeout, and curl-style --connect-to overrides ("host:port" → where). */
  outbound: { timeoutMs: number; connectTo: Record<string, { host: string; port: number }> };
  /** Resolves callback host names for the production SSRF rules; the system resolver when absent. */
  resolveHost?: (host: string) => Promise<string[]>;
}

export interface CheckEndpointsInput {
  participantId: string;
  environment: Environment;
  callbacks: Record<string, string>;
  serverCertificateHosts: string[] | null;
  requestId?: string;
}

export interface ProveConnectivityInput {
  participantId: string;
  environment: Environment;
  /** The accepted callback URLs. */
  urls: string[];
  /** The accepted server certificate: its fingerprint, the normalised chain (leaf first) and the root it came with. */
  server: { leafSha256: string; chainPem: string; rootPem: string | null };
  requestId?: string;
}

export interface RecordCallbackRoutesInput {
  participantId: string;
  environment: Environment;
  endpoints: CallbackEndpoint[];
  server: { chainPem: string; rootPem: string | null };
}

/** What TLS trusts for a participant's servers: its root and intermediates (not the leaf), or null (the system's roots) when it sent no root. */
function serverTrust(server: { chainPem: string; rootPem: string | null }): string | null {
  const intermediates = scanPem(server.chainPem)
    .blocks.slice(1)
    .map((b) => toPem('CERTIFICATE', b.der));
  return server.rootPem ? [server.rootPem, ...intermediates].join('') : null;
}

export interface CheckAllowlistInput {
  participantId: string;
  environment: Environment;
  entries: string[];
  requestId?: string;
}

export interface GrantAccessInput {
  participantId: string;
  environment: Environment;
  writeKey: string;
  /** What opened it, for the revision's record (e.g. `go-live@production#1 approved`). */
  reason: string;
}

export interface RevokeAccessInput {
  participantId: string;
  environment: Environment;
  writeKey: string;
}

export function createNetworkActivities(deps: NetworkDeps) {
  return throughEdge({
    /** The allowlist checks (pure): findings and the normalised list. */
    async checkIpAllowlist(input: CheckAllowlistInput): Promise<AllowlistReport> {
      const report = deps.network.check(input.entries, input.environment);
      logCheck('allowlist', input, report.verdict);
      return report;
    },

    /** Idempotent by write key: the accepted list becomes the participant's allowlist on the gateway. */
    async applyIpAllowlist(request: ApplyAllowlistRequest): Promise<AppliedAllowlist> {
      const applied = await deps.network.applyAllowlist(request);
      log.info('allowlist applied', {
        participantId: request.participantId,
        environment: request.environment,
        version: applied.version,
        revision: applied.revision,
        live: applied.live,
      });
      return applied;
    },

    /**
     * The connectivity proof: each callback origin over mTLS with the hub's client certificate
     * towards the participant, the server held to the certificate it registered.
     */
    /** After a passed proof: the egress sends the DFSP's callbacks to these endpoints, trusting its servers' CA. Idempotent (replaces). */
    async recordCallbackRoutes(input: RecordCallbackRoutesInput): Promise<void> {
      await deps.routes.record(
        {
          participantId: input.participantId,
          environment: input.environment,
          endpoints: input.endpoints,
          serverCaPem: serverTrust(input.server),
        },
        new Date(),
      );
      log.info('callback routes recorded', {
        participantId: input.participantId,
        environment: input.environment,
        endpoints: input.endpoints.length,
      });
    },

    async proveConnectivity(input: ProveConnectivityInput): Promise<ConnectivityReport> {
      const identity = await deps.hubClientKeys.outboundIdentity(input.participantId, input.environment);
      if (identity === null)
        throw new HubClientKeyError(
          'HUB_CLIENT_KEY_MISSING',
          `the hub has no installed client certificate towards ${input.participantId} in ${input.environment}`,
        );
      // Trust what the participant registered: its root and intermediates (not the leaf), or the system's roots when it sent no root.
      const caPem = serverTrust(input.server);
      const egress = egressConfig(deps.outbound.connectTo, deps.resolveHost);
      const report = await whileHeartbeating(() =>
        checkConnectivity(input.urls, {
          identity,
          trust: { caPem, leafSha256: input.server.leafSha256 },
          timeoutMs: deps.outbound.timeoutMs,
          route: (origin) => routeTo(origin, egress, origin.origin),
        }),
      );
      log.info('connectivity proved', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        targets: report.targets.map((t) => ({ origin: t.origin, ok: t.ok, cause: t.cause, alert: t.alert, elapsedMs: t.elapsedMs })),
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** The callback URLs' checks (SSRF rules, https in production, hosts covered by the server certificate). */
    async checkCallbackEndpoints(input: CheckEndpointsInput): Promise<EndpointsReport> {
      const report = await checkEndpoints({
        callbacks: input.callbacks,
        environment: input.environment,
        serverCertificateHosts: input.serverCertificateHosts,
        ...(deps.resolveHost ? { resolve: deps.resolveHost } : {}),
      });
      logCheck('callback endpoints', input, report.verdict);
      return report;
    },

    /** An API client's redirect URIs (exact https) and callback URLs (SSRF rules). */
    async checkRedirectUrls(input: {
      participantId: string;
      environment: Environment;
      redirectUris: string[];
      callbackUrls: string[];
      requestId?: string;
    }): Promise<RedirectUrlsReport> {
      const report = await checkRedirectUrls(input, deps.resolveHost);
      logCheck('redirect urls', input, report.verdict);
      return report;
    },

    /** Opens the participant's access in one environment, as its journey granted it (the gateway admits it from now). */
    async grantGatewayAccess(input: GrantAccessInput): Promise<GatewayChange> {
      const change = await deps.network.grant(input.participantId, input.environment, input.writeKey, input.reason);
      log.info('gateway access opened', {
        participantId: input.participantId,
        environment: input.environment,
        reason: input.reason,
        revision: change.revision,
        live: change.live,
      });
      return change;
    },

    /** A replaced client certificate's grace is over: the gateway stops admitting it (the renewal stays). */
    async retireClientCertificate(input: {
      participantId: string;
      environment: Environment;
      sha256: string;
      writeKey: string;
    }): Promise<GatewayChange | null> {
      const change = await deps.network.retireCertificate(input.participantId, input.environment, input.sha256, input.writeKey);
      log.info('client certificate retired', {
        participantId: input.participantId,
        environment: input.environment,
        revision: change?.revision ?? null,
      });
      return change;
    },

    /** Takes the participant out of the gateway in one environment (suspension, expiry, cancellation, offboarding). */
    async revokeGatewayAccess(input: RevokeAccessInput): Promise<GatewayChange> {
      const change = await deps.network.revoke(input.participantId, input.environment, input.writeKey);
      log.info('gateway access revoked', {
        participantId: input.participantId,
        environment: input.environment,
        revision: change.revision,
        live: change.live,
      });
      return change;
    },
  });
}

export type NetworkActivities = ReturnType<typeof createNetworkActivities>;
