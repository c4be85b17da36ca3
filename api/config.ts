import type { ConnectionPackSettings } from './connection-pack';
import path from 'node:path';
import { ConfigError } from '../config/config-error';
import { registryLocation, registryUrlSetting } from '../activities/registry/database';
import { keycloakEndpoints, keycloakRealmSetting } from '../activities/credentials/keycloak-endpoints';
import { loadTemporalConnection, type TemporalConnectionConfig } from '../config/temporal-connection';
import { defaultGatePolicy, defaultJwsKeyOverlapMs } from '../workflows/messages';
import { z } from 'zod';
import type { JwtSettings } from './auth';
import { GatePolicyConfig, parseApprovals } from './gate-policy';
import { durationSchema } from './schemas/onboardings';

const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** An ISO 8601 duration, or `off` (never). */
const chaseInterval = z.union([z.literal('off').transform(() => null), durationSchema.refine((ms) => ms >= 1000, 'at least PT1S')]);

export const apiConfigSchema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('onboarding'),
    LOG_LEVEL: logLevel.default('info'),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(1024 * 1024),
    DATA_DIR: z.string().min(1).default('.data'),
    /** The registry database: a PostgreSQL URL; unset, the SQLite file under DATA_DIR. */
    REGISTRY_URL: registryUrlSetting,
    /** The hub CA chain served at GET /pki/ca; defaults to the embedded CA's file. */
    HUB_CA_CHAIN_FILE: z.string().min(1).optional(),
    /** The hub's TLS server certificate (leaf + issuing CA) served at GET /pki/hub-server-certificate; defaults to the gateway's. */
    HUB_SERVER_CERT_FILE: z.string().min(1).optional(),
    /** API keys: `{ "keys": [{ "name", "grants", "hash" }] }` (hashes only; `npm run api:key` makes entries). */
    API_KEYS_FILE: z.string().min(1).optional(),
    /** JWT access tokens (all three or none): issuer, audience and the issuer's JWKS URL. */
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    JWT_JWKS_URL: z.url().optional(),
    /** The claim that lists a token's grants (array or space-separated string). */
    JWT_GRANTS_CLAIM: z.string().min(1).default('grants'),
    /** The Temporal Web UI origins the codec endpoint admits (CORS), comma-separated. */
    TEMPORAL_UI_ORIGINS: z
      .string()
      .default('http://localhost:8233,http://127.0.0.1:8233')
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o !== ''),
      )
      .pipe(z.array(z.url().refine((o) => new URL(o).origin === o, 'an origin: scheme://host[:port], no path or trailing slash'))),
    /** Requests per principal per minute before 429. */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
    /** Distinct approvers per gate: `go-live=2`, per kind `tpp.contract=2`; comma-separated. */
    GATE_APPROVALS: z.string().default(
      Object.entries(defaultGatePolicy.approvals)
        .map(([gate, n]) => `${gate}=${n}`)
        .join(','),
    ),
    /** How open waits are chased (ISO 8601 durations or `off`): reminder interval, escalation, expiry. */
    WAIT_REMIND_EVERY: chaseInterval.default(defaultGatePolicy.timers.remindEveryMs),
    WAIT_ESCALATE_AFTER: chaseInterval.default(defaultGatePolicy.timers.escalateAfterMs),
    WAIT_EXPIRE_AFTER: chaseInterval.default(defaultGatePolicy.timers.expireAfterMs),
    /** After go-live: how long before a certificate expires its renewal opens. */
    RENEWAL_LEAD: durationSchema.default(defaultGatePolicy.renewalLeadMs),
    /** A rotated JWS key stays valid beside its successor this long (ISO 8601 duration). */
    JWS_KEY_OVERLAP: durationSchema.default(defaultJwsKeyOverlapMs),
    /** Connection packs: the gateway host:port DFSPs' SDKs connect to per environment (default: the gateway's listeners). */
    GATEWAY_SANDBOX_LISTEN: z.string().min(3).default('127.0.0.1:8443'),
    GATEWAY_PRODUCTION_LISTEN: z.string().min(3).default('127.0.0.1:9443'),
    PACK_GATEWAY_SANDBOX: z
      .string()
      .regex(/^[^\s:]+:\d+$/, 'host:port')
      .optional(),
    PACK_GATEWAY_PRODUCTION: z
      .string()
      .regex(/^[^\s:]+:\d+$/, 'host:port')
      .optional(),
    /** The authorization server (its token endpoint is in every pack). */
    AUTH_SERVER_LISTEN: z.string().min(3).default('127.0.0.1:9100'),
    /** The scheme's Keycloak, when it issues the tokens (the worker's KEYCLOAK_URL and KEYCLOAK_REALM): its realm's token endpoint goes in the packs. */
    KEYCLOAK_URL: z.string().url().optional(),
    KEYCLOAK_REALM: keycloakRealmSetting,
    /** The addresses the hub's calls to participants come from (comma-separated), in every pack for their firewalls. */
    HUB_EGRESS_ADDRESSES: z.string().min(1).default('127.0.0.1'),
    /** The FSP id the hub signs FSPIOP as: the file name of its JWS key in the packs. */
    HUB_FSP_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,32}$/)
      .default('hub'),
    /** The API's address as participants reach it (named in their key invitations and mails); default http://HOST:PORT. */
    API_PUBLIC_URL: z.url().optional(),
    /** `true`: a participant's key may start its own onboarding; default false (operators start them). */
    PARTICIPANT_SELF_START: z.enum(['true', 'false']).default('false'),
  })
  .refine(
    (e) =>
      [e.JWT_ISSUER, e.JWT_AUDIENCE, e.JWT_JWKS_URL].every((v) => v === undefined) ||
      [e.JWT_ISSUER, e.JWT_AUDIENCE, e.JWT_JWKS_URL].every((v) => v !== undefined),
    {
      path: ['JWT_JWKS_URL'],
      message: 'JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL go together: set all three or none',
    },
  );

export interface ApiConfig {
  /** Where the registry database and the secret-pickup key live (shared with the worker). */
  dataDir: string;
  /** The registry database: a PostgreSQL URL (REGISTRY_URL) or the SQLite file under DATA_DIR. */
  registry: string;
  host: string;
  port: number;
  namespace: string;
  /** Everything about reaching Temporal (envconfig: profile file + TEMPORAL_* variables). */
  temporal: TemporalConnectionConfig;
  taskQueue: string;
  logLevel: z.infer<typeof logLevel>;
  bodyLimitBytes: number;
  caChainFile: string;
  hubServerCertFile: string;
  apiKeysFile: string;
  jwt: JwtSettings | null;
  rateLimitPerMinute: number;
  gatePolicy: GatePolicyConfig;
  connectionPack: ConnectionPackSettings;
  publicUrl: string;
  participantSelfStart: boolean;
  /** The Web UI origins the codec endpoint admits. */
  uiOrigins: string[];
}

export { ConfigError };

/** Pure: parses the environment once at start-up; a bad value names its variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const parsed = apiConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw ConfigError.fromIssues('API', parsed.error.issues);
  }
  const e = parsed.data;
  const temporal = loadTemporalConnection(env);
  const approvals = parseApprovals(e.GATE_APPROVALS);
  if (typeof approvals === 'string') throw new ConfigError(`Invalid API configuration:\n  GATE_APPROVALS: ${approvals}`);
  return {
    gatePolicy: {
      approvals,
      timers: { remindEveryMs: e.WAIT_REMIND_EVERY, escalateAfterMs: e.WAIT_ESCALATE_AFTER, expireAfterMs: e.WAIT_EXPIRE_AFTER },
      renewalLeadMs: e.RENEWAL_LEAD,
      jwsKeyOverlapMs: e.JWS_KEY_OVERLAP,
    },
    host: e.HOST,
    port: e.PORT,
    namespace: temporal.namespace,
    temporal,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    dataDir: path.resolve(e.DATA_DIR),
    registry: registryLocation(env, path.resolve(e.DATA_DIR)),
    caChainFile: path.resolve(e.HUB_CA_CHAIN_FILE ?? path.join(e.DATA_DIR, 'pki', 'ca', 'ca-chain.pem')),
    hubServerCertFile: path.resolve(e.HUB_SERVER_CERT_FILE ?? path.join(e.DATA_DIR, 'gateway', 'tls', 'gateway.cert.pem')),
    apiKeysFile: path.resolve(e.API_KEYS_FILE ?? defaultApiKeysFile(e.DATA_DIR)),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    publicUrl: (e.API_PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    participantSelfStart: e.PARTICIPANT_SELF_START === 'true',
    uiOrigins: e.TEMPORAL_UI_ORIGINS,
    connectionPack: {
      gateway: {
        sandbox: e.PACK_GATEWAY_SANDBOX ?? e.GATEWAY_SANDBOX_LISTEN,
        production: e.PACK_GATEWAY_PRODUCTION ?? e.GATEWAY_PRODUCTION_LISTEN,
      },
      tokenEndpoint:
        e.KEYCLOAK_URL === undefined
          ? `https://${e.AUTH_SERVER_LISTEN}/token`
          : keycloakEndpoints({ url: e.KEYCLOAK_URL, realm: e.KEYCLOAK_REALM }).tokenEndpoint,
      egressAddresses: e.HUB_EGRESS_ADDRESSES.split(',')
        .map((a) => a.trim())
        .filter((a) => a !== ''),
      hubFspId: e.HUB_FSP_ID,
    },
    jwt:
      e.JWT_ISSUER && e.JWT_AUDIENCE && e.JWT_JWKS_URL
        ? { issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, jwksUrl: e.JWT_JWKS_URL, grantsClaim: e.JWT_GRANTS_CLAIM }
        : null,
  };
}

export function defaultApiKeysFile(dataDir: string): string {
  return path.join(dataDir, 'api-keys.json');
}
