import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** The project root: every relative path in temporal-dev.yaml is resolved from here. */
export const projectRoot = path.resolve(__dirname, '..');
export const defaultDevConfigPath = path.join(projectRoot, 'temporal-dev.yaml');

const searchAttributeType = z.enum(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);
const port = z.number().int().min(1).max(65535);
const dynamicConfigValue = z.union([z.string(), z.number(), z.boolean()]);

export const devConfigSchema = z.strictObject({
  cli: z.strictObject({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a version like 1.5.1'),
    module: z.string().min(1),
    versionVariable: z.string().min(1),
    installDir: z.string().min(1),
  }),
  server: z.strictObject({
    ip: z.string().min(1),
    port,
    uiPort: port,
    metricsPort: port,
    dbFile: z.string().min(1).nullable(),
    namespace: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a Temporal namespace name'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'never']),
  }),
  searchAttributes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), searchAttributeType),
  dynamicConfig: z.record(z.string().min(1), dynamicConfigValue),
  mailpit: z.strictObject({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a version like 1.27.11'),
    module: z.string().min(1),
    versionVariable: z.string().min(1),
    installDir: z.string().min(1),
    ip: z.string().min(1),
    smtpPort: port,
    uiPort: port,
    dbFile: z.string().min(1).nullable(),
    /** Mailpit's --ignore-duplicate-ids: a message resent with the same Message-ID (after a crash) is shown once. */
    ignoreDuplicateIds: z.boolean().default(true),
  }),
  ui: z.strictObject({
    codecEndpoint: z.string().refine((v) => v === '' || (/^https?:\/\//.test(v) && !v.endsWith('/')), {
      message: 'must be empty or an http(s) URL without a trailing slash',
    }),
  }),
});

export type DevConfig = z.infer<typeof devConfigSchema>;
export type SearchAttributeTypeName = z.infer<typeof searchAttributeType>;

export class DevConfigError extends Error {
  readonly code = 'DEV_CONFIG_INVALID';
}

/** Parses and validates the YAML text; errors name the offending key path. */
export function parseDevConfig(text: string, source = 'temporal-dev.yaml'): DevConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new DevConfigError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const result = devConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const at = [...issue.path, ...(keys.length === 1 ? keys : [])].join('.') || '(root)';
      return `  ${at}: ${issue.message}`;
    });
    throw new DevConfigError(`${source} is invalid:\n${lines.join('\n')}`);
  }
  return result.data;
}

export function loadDevConfig(file = defaultDevConfigPath): DevConfig {
  return parseDevConfig(readFileSync(file, 'utf8'), path.relative(process.cwd(), file) || file);
}

export function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.join(projectRoot, p);
}

export function temporalBinaryPath(config: DevConfig): string {
  return path.join(resolveFromRoot(config.cli.installDir), 'temporal');
}

export function frontendAddress(config: DevConfig): string {
  return `${config.server.ip}:${config.server.port}`;
}

export interface StartDevOverrides {
  /** Run without the Web UI (tests). */
  headless?: boolean;
  port?: number;
  uiPort?: number;
  metricsPort?: number;
  /** `null` keeps the server in memory. */
  dbFile?: string | null;
}

/** Turns the config into `temporal server start-dev` arguments. */
export function startDevArgs(config: DevConfig, overrides: StartDevOverrides = {}): string[] {
  const s = config.server;
  const dbFile = overrides.dbFile === undefined ? s.dbFile : overrides.dbFile;
  const args = [
    'server',
    'start-dev',
    '--ip',
    s.ip,
    '--port',
    String(overrides.port ?? s.port),
    '--metrics-port',
    String(overrides.metricsPort ?? s.metricsPort),
    '--namespace',
    s.namespace,
    '--log-level',
    s.logLevel,
  ];
  if (overrides.headless) {
    args.push('--headless');
  } else {
    args.push('--ui-port', String(overrides.uiPort ?? s.uiPort));
    if (config.ui.codecEndpoint !== '') args.push('--ui-codec-endpoint', config.ui.codecEndpoint);
  }
  if (dbFile !== null) args.push('--db-filename', resolveFromRoot(dbFile));
  for (const [name, type] of Object.entries(config.searchAttributes)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const [key, value] of Object.entries(config.dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}
