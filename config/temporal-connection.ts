/**
 * How every process reaches Temporal (the API, the worker, the benches and scripts): Temporal's own
 * environment configuration (`@temporalio/envconfig`) — a profile from a TOML file
 * (`TEMPORAL_CONFIG_FILE`, default ~/.config/temporalio/temporal.toml; `TEMPORAL_PROFILE`, default
 * `default`) with the standard `TEMPORAL_*` variables over it: address, namespace, TLS (server CA,
 * server name, client certificate and key), API key, gRPC metadata. The same settings the
 * `temporal` CLI reads, so one profile serves the CLI and the hub alike: a dev server, a secured
 * cluster (mTLS), Temporal Cloud (API key or mTLS).
 */
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { ConfigError } from './config-error';

export const defaultTemporalAddress = '127.0.0.1:7233';
export const defaultTemporalNamespace = 'default';

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  /** For `Connection` (client) and `NativeConnection` (worker) alike: address, TLS, API key, metadata. */
  connectionOptions: {
    address: string;
    tls?: NativeConnectionOptions['tls'];
    apiKey?: string;
    metadata?: Record<string, string>;
  };
  /** What the settings amount to, for logs (never a key or a secret). */
  summary: { address: string; namespace: string; tls: 'off' | 'server' | 'mutual'; apiKey: boolean; profile: string };
}

/** The connection settings in `env` (a profile file and TEMPORAL_* variables); a bad file or profile stops the process with the reason. */
export function loadTemporalConnection(env: NodeJS.ProcessEnv): TemporalConnectionConfig {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: vars });
  } catch (err) {
    throw new ConfigError(
      `Temporal connection settings (TEMPORAL_CONFIG_FILE${vars.TEMPORAL_PROFILE ? `, profile ${vars.TEMPORAL_PROFILE}` : ''}): ${(err as Error).message}`,
    );
  }
  const options = loaded.connectionOptions;
  const address = options.address ?? defaultTemporalAddress;
  const namespace = loaded.namespace ?? defaultTemporalNamespace;
  const tls = options.tls;
  const mutual = typeof tls === 'object' && tls !== null && tls.clientCertPair !== undefined;
  if (typeof tls === 'object' && tls !== null && (vars.TEMPORAL_TLS_CLIENT_CERT_PATH || vars.TEMPORAL_TLS_CLIENT_CERT_DATA) && !mutual) {
    throw new ConfigError('Temporal connection settings: a client certificate needs its key too (TEMPORAL_TLS_CLIENT_KEY_PATH or _DATA)');
  }
  return {
    address,
    namespace,
    // Only what is set: envconfig leaves the rest undefined.
    connectionOptions: {
      address,
      ...(tls === undefined ? {} : { tls }),
      ...(typeof options.apiKey === 'string' ? { apiKey: options.apiKey } : {}),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata as Record<string, string> }),
    },
    summary: {
      address,
      namespace,
      tls: tls === undefined || tls === false ? 'off' : mutual ? 'mutual' : 'server',
      apiKey: options.apiKey !== undefined,
      profile: vars.TEMPORAL_PROFILE ?? 'default',
    },
  };
}
