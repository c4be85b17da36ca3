import path from 'node:path';
import { booleanSetting, ConfigError } from '../config/config-error';
import { keycloakEndpoints, keycloakRealmSetting, type KeycloakSettings } from '../activities/credentials/keycloak-endpoints';
import { loadTemporalConnection, type TemporalConnectionConfig } from '../config/temporal-connection';
import { z } from 'zod';
import type { MailConfig } from '../activities/notify/smtp-mail';
import { registryLocation, registryUrlSetting } from '../activities/registry/database';

const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
const days = z.coerce.number().int().min(1).max(3650);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port');
const upstreamUrl = z.string().regex(/^http:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'http://host[:port] (no path)');

/** The worker's memory defaults, sized together (bench/RESULTS.md): the cache, and the heap bound npm start runs it in. */
export const defaultWorkflowCacheSize = 100;
export const defaultWorkerHeapMb = 512;

export const workerConfigSchema = z
  .object({
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('onboarding'),
    LOG_LEVEL: logLevel.default('info'),
    /**
     * How many onboardings the worker keeps in memory between their tasks (the SDK's sticky cache). An
     * onboarding outside it is replayed from its history at its next task: memory stays bounded however
     * many are open (~2 MB of heap per cached onboarding of the DFSP/TPP mix, bench/RESULTS.md), at some CPU per
     * replay. 100 with npm start's 512 MB heap bound keeps the worker near 620 MB resident; status reads come from the
     * read model and never need the cache.
     */
    WORKFLOW_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(defaultWorkflowCacheSize),
    /** The workflow bundle `npm run build` made (production mode); absent: workflows/ is bundled at start. */
    WORKFLOW_BUNDLE: z.string().min(1).optional(),
    /** Where embedded adapters keep their files (notification outbox, hub CA, issued certificates). */
    DATA_DIR: z.string().min(1).default('.data'),
    /** The registry database: a PostgreSQL URL; unset, the SQLite file under DATA_DIR. */
    REGISTRY_URL: registryUrlSetting,
    HUB_NAME: z.string().min(1).max(64).default('Onboarding Hub'),
    /** `embedded`: generate the CA once under DATA_DIR/pki/ca; `files`: load it from the HUB_CA_* files. */
    HUB_CA_MODE: z.enum(['embedded', 'files']).default('embedded'),
    HUB_CA_ROOT_CERT_FILE: z.string().min(1).optional(),
    HUB_CA_ISSUING_CERT_FILE: z.string().min(1).optional(),
    HUB_CA_ISSUING_KEY_FILE: z.string().min(1).optional(),
    HUB_CA_ISSUING_KEY_PASSPHRASE: z.string().min(1).optional(),
    CERT_VALIDITY_DAYS_SANDBOX: days.default(90),
    CERT_VALIDITY_DAYS_PRODUCTION: days.default(365),
    /** The gateway (nginx): its binary, each environment's mTLS listener, the echo server, optional upstreams. */
    NGINX_BINARY: z.string().min(1).default('/usr/sbin/nginx'),
    GATEWAY_SANDBOX_LISTEN: hostPort.default('127.0.0.1:8443'),
    GATEWAY_PRODUCTION_LISTEN: hostPort.default('127.0.0.1:9443'),
    GATEWAY_ECHO_LISTEN: hostPort.default('127.0.0.1:8480'),
    GATEWAY_SANDBOX_UPSTREAM: upstreamUrl.optional(),
    GATEWAY_PRODUCTION_UPSTREAM: upstreamUrl.optional(),
    /** The edge's verifying hop between nginx and the upstreams (tokens, FSPIOP rules): host:port, or `off` (mTLS and allowlist only). */
    EDGE_VERIFIER_LISTEN: z.union([z.literal('off'), hostPort]).default('127.0.0.1:8490'),
    /** The edge's egress for the switch's calls to DFSPs (`/<environment>/<fspId>/<path>`, loopback): host:port, or `off`. */
    EDGE_EGRESS_LISTEN: z.union([z.literal('off'), hostPort]).default('127.0.0.1:8491'),
    /** The Mojaloop Testing Toolkit's admin API: when set, the sandbox switch is that TTK (the hub-ledger step registers each DFSP with it). */
    SANDBOX_SWITCH_TTK_URL: z.string().url().optional(),
    /** The FSP id the hub signs FSPIOP as (the API's HUB_FSP_ID: the name of its key in the packs): the payer in UAT runs. */
    HUB_FSP_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,32}$/)
      .default('hub'),
    /** The amount of the UAT run's transfer, in the DFSP's first currency. */
    UAT_AMOUNT: z
      .string()
      .regex(/^[0-9]{1,15}(\.[0-9]{1,4})?$/)
      .default('10'),
    /** The CA certificates (PEM) a TPP's own production certificate must chain to (e.g. the QTSP roots a PSD2 hub trusts); without them, production takes no ca-signed certificate. */
    TPP_TRUST_ANCHORS_FILE: z.string().min(1).optional(),
    /** The OAuth scope FSPIOP traffic needs at the edge (a DFSP's gateway client). */
    EDGE_FSPIOP_SCOPE: z
      .string()
      .regex(/^[A-Za-z0-9:._-]+$/)
      .default('fspiop'),
    /** Names in the gateway's server certificate (comma-separated DNS names and IPs). */
    GATEWAY_HOSTS: z
      .string()
      .regex(/^[A-Za-z0-9.:-]+(,[A-Za-z0-9.:-]+)*$/, 'comma-separated host names or IPs')
      .default('localhost,127.0.0.1'),
    /** The embedded authorization server (oidc-provider): where it listens, the token audience, scopes, token lifetime. */
    AUTH_SERVER_LISTEN: hostPort.default('127.0.0.1:9100'),
    AUTH_AUDIENCE: z.string().url().default('https://hub.local/api'),
    OAUTH_SCOPES: z
      .string()
      .regex(/^[a-z][a-z0-9:._-]*( [a-z][a-z0-9:._-]*)*$/, 'space-separated scope names')
      .default('accounts transactions payments balances fspiop'),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
    /** How long a rotated-out client secret stays valid. */
    /** The scheme's own OAuth server: set, Keycloak holds the participants' clients instead of the embedded server. */
    KEYCLOAK_URL: z.string().url().optional(),
    KEYCLOAK_REALM: keycloakRealmSetting,
    /** A master-realm client with the admin role (client credentials) the adapter signs in as. */
    KEYCLOAK_ADMIN_CLIENT_ID: z.string().min(1).default('hub-admin'),
    KEYCLOAK_ADMIN_CLIENT_SECRET: z.string().min(1).optional(),
    SECRET_ROTATION_OVERLAP_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(86_400),
    /** Mojaloop central-ledger admin APIs per environment; absent: the ledger set-up is manual (ops confirm at the ledger-setup gate). */
    HUB_LEDGER_SANDBOX_URL: z.string().url().optional(),
    HUB_LEDGER_PRODUCTION_URL: z.string().url().optional(),
    HUB_LEDGER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** Create Mojaloop's default DEFERREDNET settlement model for a currency that has none (dev ledgers). */
    HUB_LEDGER_DEFAULT_SETTLEMENT_MODEL: booleanSetting.default(false),
    /**
     * Accept private ranges (RFC 1918, loopback, …) in production IP allowlists: for hubs whose
     * participants connect over a private link or VPN. Off by default: production lists are public addresses.
     */
    ALLOWLIST_PRODUCTION_PRIVATE: booleanSetting.default(false),
    /** The hub's outbound calls to participants (the connectivity proof): connect-and-answer timeout per origin. */
    OUTBOUND_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    /**
     * curl's --connect-to for the hub's outbound calls: `host:port:address:port` entries, comma-separated
     * (a participant reached through a VPN or NAT address). The TLS name checked stays the URL's host.
     */
    OUTBOUND_CONNECT_TO: z
      .string()
      .regex(/^([^\s:,]+:\d{1,5}:[^\s:,]+:\d{1,5})(,[^\s:,]+:\d{1,5}:[^\s:,]+:\d{1,5})*$/, 'host:port:address:port[,…]')
      .optional(),
    /**
     * Notifications by e-mail through this SMTP server (smtp://host:port, or smtps://); absent: the
     * outbox file only (DATA_DIR/outbox/notifications.jsonl). `npm start` points it at its Mailpit.
     */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^\s/]+(:\d{1,5})?\/?$/, 'smtp://host:port or smtps://host:port')
      .optional(),
    MAIL_FROM: z.string().min(3).max(200).default('Onboarding Hub <onboarding@hub.local>'),
    /** Each hub team's address; a team without one is notified in the outbox only. */
    NOTIFY_BUSINESS_EMAIL: z.email().optional(),
    NOTIFY_LEGAL_EMAIL: z.email().optional(),
    NOTIFY_SECURITY_EMAIL: z.email().optional(),
    NOTIFY_OPS_EMAIL: z.email().optional(),
    /** Who is told when a wait is overdue past its escalation interval (and when it expires). */
    NOTIFY_ESCALATION_EMAIL: z.email().optional(),
    /** The scheme's list of every DFSP's technical contact: told when a peer's JWS key rotates. */
    NOTIFY_PEERS_EMAIL: z.email().optional(),
    /** Where the links in messages point: the API as participants and staff reach it, and the Temporal Web UI. */
    PUBLIC_API_URL: z.url().default('http://127.0.0.1:3000'),
    TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
    /** host:port of the worker's Prometheus exporter (SDK + workflow metrics); `off` disables it. */
    WORKER_METRICS_ADDRESS: z
      .union([z.literal('off'), z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port or off')])
      .default('127.0.0.1:9464'),
  })
  .superRefine((env, ctx) => {
    if (env.KEYCLOAK_URL !== undefined && env.KEYCLOAK_ADMIN_CLIENT_SECRET === undefined)
      ctx.addIssue({ code: 'custom', path: ['KEYCLOAK_ADMIN_CLIENT_SECRET'], message: 'required when KEYCLOAK_URL is set' });
    if (env.HUB_CA_MODE !== 'files') return;
    for (const key of ['HUB_CA_ROOT_CERT_FILE', 'HUB_CA_ISSUING_CERT_FILE', 'HUB_CA_ISSUING_KEY_FILE'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when HUB_CA_MODE=files' });
    }
  });

export type HubCaConfig =
  | { mode: 'embedded'; dir: string; hubName: string }
  | { mode: 'files'; rootCertFile: string; issuingCertFile: string; issuingKeyFile: string; passphrase?: string };

export interface WorkerConfig {
  /** The trust list of TPPs' own production certificates (TPP_TRUST_ANCHORS_FILE); null: production takes none. */
  tppTrustAnchorsFile: string | null;
  namespace: string;
  /** Everything about reaching Temporal (envconfig: profile file + TEMPORAL_* variables). */
  temporal: TemporalConnectionConfig;
  taskQueue: string;
  logLevel: z.infer<typeof logLevel>;
  /** Onboardings kept in the worker's memory between tasks (WORKFLOW_CACHE_SIZE). */
  workflowCacheSize: number;
  /** The built workflow bundle to load (WORKFLOW_BUNDLE); null: bundle workflows/ at start. */
  workflowBundle: string | null;
  dataDir: string;
  /** The registry database: a PostgreSQL URL (REGISTRY_URL) or the SQLite file under DATA_DIR. */
  registry: string;
  hubCa: HubCaConfig;
  certificateValidityDays: { sandbox: number; production: number };
  /** null: no Prometheus exporter. */
  metricsAddress: string | null;
  gateway: GatewayConfig;
  oauth: OauthConfig;
  ledger: LedgerConfig;
  /** The hub's name, in what it issues and the subjects of its own CSRs. */
  hubName: string;
  outbound: OutboundConfig;
  /** null: notifications go to the outbox file only. */
  mail: MailConfig | null;
  /** Whether production allowlists may hold private ranges (participants on a private link). */
  allowlist: { productionAllowsNonPublic: boolean };
  /** The automated UAT runs (through the sandbox TTK, when there is one). */
  uat: UatConfig;
}

export interface UatConfig {
  hubFspId: string;
  amount: string;
}

export interface OutboundConfig {
  timeoutMs: number;
  /** "host:port" → where to connect instead. */
  connectTo: Record<string, { host: string; port: number }>;
}

/** `a:443:b:8443,c:443:d:9443` → { 'a:443': { host: 'b', port: 8443 }, … }. */
export function parseConnectTo(value: string | undefined): OutboundConfig['connectTo'] {
  const map: OutboundConfig['connectTo'] = {};
  for (const entry of value ? value.split(',') : []) {
    const [host, port, toHost, toPort] = entry.split(':') as [string, string, string, string];
    map[`${host.toLowerCase()}:${Number(port)}`] = { host: toHost, port: Number(toPort) };
  }
  return map;
}

export interface LedgerConfig {
  /** central-ledger admin API per environment; null: manual set-up. */
  url: { sandbox: string | null; production: string | null };
  timeoutMs: number;
  defaultSettlementModel: boolean;
  /** The sandbox switch is this Testing Toolkit (its admin API), routing through the egress at `egressUrl`; null: central-ledger or manual. */
  sandboxTtk?: { adminUrl: string; egressUrl: string } | null;
}

export interface OauthConfig {
  /** Where the embedded server listens (unused with Keycloak). */
  listen: string;
  /** The issuer participants ask for tokens: https://<listen>, or the Keycloak realm's. */
  issuer: string;
  /** Its signing keys, which the edge verifies tokens with. */
  jwksUri: string;
  tokenEndpoint: string;
  /** The scheme's Keycloak (KEYCLOAK_URL); null: the embedded server (oidc-provider). */
  keycloak: KeycloakSettings | null;
  audience: string;
  scopes: string[];
  accessTokenTtlSeconds: number;
  rotationOverlapSeconds: number;
}

export interface GatewayConfig {
  binary: string;
  listen: { sandbox: string; production: string };
  echoListen: string;
  upstream: { sandbox: string | null; production: string | null };
  hosts: string[];
  /** host:port of the edge's verifying hop; null: none (nginx hands requests straight to the upstream). */
  verifier: string | null;
  /** host:port of the edge's egress for the switch's calls to DFSPs; null: none. */
  egress?: string | null;
  /** The scope FSPIOP traffic needs at the edge. */
  fspiopScope: string;
}

export { ConfigError };

/** The embedded server's endpoints when it listens on `listen` (host:port). */
export function embeddedOauthEndpoints(listen: string): Pick<OauthConfig, 'issuer' | 'jwksUri' | 'tokenEndpoint' | 'keycloak'> {
  const issuer = `https://${listen}`;
  return { issuer, jwksUri: `${issuer}/jwks`, tokenEndpoint: `${issuer}/token`, keycloak: null };
}

/** The Keycloak realm's endpoints when KEYCLOAK_URL is set, else the embedded server's. */
function oauthEndpoints(e: {
  AUTH_SERVER_LISTEN: string;
  KEYCLOAK_URL?: string | undefined;
  KEYCLOAK_REALM: string;
  KEYCLOAK_ADMIN_CLIENT_ID: string;
  KEYCLOAK_ADMIN_CLIENT_SECRET?: string | undefined;
}): Pick<OauthConfig, 'issuer' | 'jwksUri' | 'tokenEndpoint' | 'keycloak'> {
  if (e.KEYCLOAK_URL === undefined) return embeddedOauthEndpoints(e.AUTH_SERVER_LISTEN);
  const keycloak: KeycloakSettings = {
    url: e.KEYCLOAK_URL.replace(/\/$/, ''),
    realm: e.KEYCLOAK_REALM,
    adminClientId: e.KEYCLOAK_ADMIN_CLIENT_ID,
    adminClientSecret: e.KEYCLOAK_ADMIN_CLIENT_SECRET ?? '',
  };
  return { ...keycloakEndpoints(keycloak), keycloak };
}

/** Pure: parses the environment once at start-up; a bad value names its variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = workerConfigSchema.safeParse(env);
  if (!parsed.success) {
    // Values are not echoed: a passphrase must not end up in a log.
    throw ConfigError.fromIssues('worker', parsed.error.issues);
  }
  const e = parsed.data;
  const temporal = loadTemporalConnection(env);
  const dataDir = path.resolve(e.DATA_DIR);
  const hubCa: HubCaConfig =
    e.HUB_CA_MODE === 'files'
      ? {
          mode: 'files',
          rootCertFile: path.resolve(e.HUB_CA_ROOT_CERT_FILE as string),
          issuingCertFile: path.resolve(e.HUB_CA_ISSUING_CERT_FILE as string),
          issuingKeyFile: path.resolve(e.HUB_CA_ISSUING_KEY_FILE as string),
          ...(e.HUB_CA_ISSUING_KEY_PASSPHRASE ? { passphrase: e.HUB_CA_ISSUING_KEY_PASSPHRASE } : {}),
        }
      : { mode: 'embedded', dir: path.join(dataDir, 'pki', 'ca'), hubName: e.HUB_NAME };
  return {
    namespace: temporal.namespace,
    temporal,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    logLevel: e.LOG_LEVEL,
    workflowBundle: e.WORKFLOW_BUNDLE === undefined ? null : path.resolve(e.WORKFLOW_BUNDLE),
    workflowCacheSize: e.WORKFLOW_CACHE_SIZE,
    dataDir,
    registry: registryLocation(env, dataDir),
    hubCa,
    tppTrustAnchorsFile: e.TPP_TRUST_ANCHORS_FILE === undefined ? null : path.resolve(e.TPP_TRUST_ANCHORS_FILE),
    certificateValidityDays: { sandbox: e.CERT_VALIDITY_DAYS_SANDBOX, production: e.CERT_VALIDITY_DAYS_PRODUCTION },
    metricsAddress: e.WORKER_METRICS_ADDRESS === 'off' ? null : e.WORKER_METRICS_ADDRESS,
    gateway: {
      binary: e.NGINX_BINARY,
      listen: { sandbox: e.GATEWAY_SANDBOX_LISTEN, production: e.GATEWAY_PRODUCTION_LISTEN },
      echoListen: e.GATEWAY_ECHO_LISTEN,
      upstream: { sandbox: e.GATEWAY_SANDBOX_UPSTREAM ?? null, production: e.GATEWAY_PRODUCTION_UPSTREAM ?? null },
      hosts: e.GATEWAY_HOSTS.split(','),
      verifier: e.EDGE_VERIFIER_LISTEN === 'off' ? null : e.EDGE_VERIFIER_LISTEN,
      egress: e.EDGE_EGRESS_LISTEN === 'off' ? null : e.EDGE_EGRESS_LISTEN,
      fspiopScope: e.EDGE_FSPIOP_SCOPE,
    },
    oauth: {
      listen: e.AUTH_SERVER_LISTEN,
      ...oauthEndpoints(e),
      audience: e.AUTH_AUDIENCE,
      scopes: e.OAUTH_SCOPES.split(' '),
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      rotationOverlapSeconds: e.SECRET_ROTATION_OVERLAP_SECONDS,
    },
    ledger: {
      url: { sandbox: e.HUB_LEDGER_SANDBOX_URL ?? null, production: e.HUB_LEDGER_PRODUCTION_URL ?? null },
      timeoutMs: e.HUB_LEDGER_TIMEOUT_MS,
      defaultSettlementModel: e.HUB_LEDGER_DEFAULT_SETTLEMENT_MODEL,
      sandboxTtk:
        e.SANDBOX_SWITCH_TTK_URL === undefined
          ? null
          : {
              adminUrl: e.SANDBOX_SWITCH_TTK_URL,
              // The switch's callbacks leave through the edge's egress; without one TTK could only call DFSPs directly, which the hub never does.
              egressUrl: `http://${e.EDGE_EGRESS_LISTEN === 'off' ? '127.0.0.1:8491' : e.EDGE_EGRESS_LISTEN}`,
            },
    },
    hubName: e.HUB_NAME,
    outbound: { timeoutMs: e.OUTBOUND_TIMEOUT_MS, connectTo: parseConnectTo(e.OUTBOUND_CONNECT_TO) },
    allowlist: { productionAllowsNonPublic: e.ALLOWLIST_PRODUCTION_PRIVATE },
    uat: { hubFspId: e.HUB_FSP_ID, amount: e.UAT_AMOUNT },
    mail: e.SMTP_URL
      ? {
          smtpUrl: e.SMTP_URL,
          from: e.MAIL_FROM,
          roleAddresses: {
            ...(e.NOTIFY_BUSINESS_EMAIL ? { business: e.NOTIFY_BUSINESS_EMAIL } : {}),
            ...(e.NOTIFY_LEGAL_EMAIL ? { legal: e.NOTIFY_LEGAL_EMAIL } : {}),
            ...(e.NOTIFY_SECURITY_EMAIL ? { security: e.NOTIFY_SECURITY_EMAIL } : {}),
            ...(e.NOTIFY_OPS_EMAIL ? { ops: e.NOTIFY_OPS_EMAIL } : {}),
          },
          escalationAddress: e.NOTIFY_ESCALATION_EMAIL ?? null,
          peersAddress: e.NOTIFY_PEERS_EMAIL ?? null,
          apiUrl: e.PUBLIC_API_URL,
          uiUrl: e.TEMPORAL_UI_URL,
          namespace: temporal.namespace,
          timeoutMs: 10_000,
        }
      : null,
  };
}
