import path from 'node:path';
import { z } from 'zod';

const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export const apiConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('onboarding'),
  LOG_LEVEL: logLevel.default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  DATA_DIR: z.string().min(1).default('.data'),
  /** The hub CA chain served at GET /pki/ca; defaults to the embedded CA's file. */
  HUB_CA_CHAIN_FILE: z.string().min(1).optional(),
});

export interface ApiConfig {
  host: string;
  port: number;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  logLevel: z.infer<typeof logLevel>;
  bodyLimitBytes: number;
  caChainFile: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** Pure: parses the environment once at start-up; a bad value names its variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const parsed = apiConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid API configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    caChainFile: path.resolve(e.HUB_CA_CHAIN_FILE ?? path.join(e.DATA_DIR, 'pki', 'ca', 'ca-chain.pem')),
  };
}
