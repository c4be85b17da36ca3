/**
 * Keycloak, the OAuth server Mojaloop schemes run, beside the project: the credential issuer's
 * Keycloak adapter is tested against it and a person can run it (`npm run keycloak:dev`).
 *
 * `npm run keycloak:install` fetches the pinned `org.keycloak:keycloak-quarkus-dist` tar.gz from
 * Maven Central (`mvn dependency:copy`, so it is cached in ~/.m2 like any Maven artifact) and
 * unpacks it into `.tools/` (git-ignored). `startKeycloak` runs `kc.sh start-dev` on loopback
 * ports with a bootstrap admin *client* (client credentials in the master realm: what the adapter
 * signs in with); the bootstrap variables only take effect on an empty database, so tests use
 * the in-memory one (`dev-mem`) and a person's instance a file database under DATA_DIR/keycloak.
 * Client-secret rotation (two valid secrets for an overlap) is a Keycloak preview feature: it is
 * switched on here, and a scheme's own Keycloak needs `--features=client-secret-rotation` too.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './dev-server';
import { projectRoot } from './temporal-dev-config';

export const keycloakPins = { keycloak: '26.7.3' } as const;

const toolsDir = path.join(projectRoot, '.tools');
export const keycloakHome = path.join(toolsDir, `keycloak-${keycloakPins.keycloak}`);
const kcSh = () => path.join(keycloakHome, 'bin', 'kc.sh');
/** The server features the adapter relies on. */
export const keycloakFeatures = ['client-secret-rotation'];

export class KeycloakSetupError extends Error {
  readonly code = 'KEYCLOAK_SETUP_FAILED';
}

function installedVersion(): string | null {
  const file = path.join(keycloakHome, 'version.txt');
  if (!existsSync(file) || !existsSync(kcSh())) return null;
  return /Keycloak - Version ([0-9.]+)/.exec(readFileSync(file, 'utf8'))?.[1] ?? null;
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Installs the pinned Keycloak unless it is there; a second run does nothing. */
export function ensureKeycloakInstalled(log: (line: string) => void = () => {}): void {
  if (!commandExists('java'))
    throw new KeycloakSetupError('Java (17+) is not on PATH: Keycloak needs it (`apt-get install default-jre-headless`).');
  if (installedVersion() === keycloakPins.keycloak) {
    log(`Keycloak ${keycloakPins.keycloak} ready in ${keycloakHome}`);
    return;
  }
  if (!commandExists('mvn'))
    throw new KeycloakSetupError('Maven is not installed: `apt-get install maven`, then run `npm run keycloak:install` again.');
  const archive = path.join(toolsDir, `keycloak-quarkus-dist-${keycloakPins.keycloak}.tar.gz`);
  log(`Fetching Keycloak ${keycloakPins.keycloak} (org.keycloak:keycloak-quarkus-dist, tar.gz) from Maven Central…`);
  mkdirSync(toolsDir, { recursive: true });
  run('mvn', [
    '-q',
    '-B',
    'dependency:copy',
    `-Dartifact=org.keycloak:keycloak-quarkus-dist:${keycloakPins.keycloak}:tar.gz`,
    `-DoutputDirectory=${toolsDir}`,
  ]);
  if (!existsSync(archive)) throw new KeycloakSetupError(`mvn finished but ${archive} is missing`);
  rmSync(keycloakHome, { recursive: true, force: true });
  run('tar', ['xzf', archive, '-C', toolsDir]);
  rmSync(archive);
  if (installedVersion() !== keycloakPins.keycloak)
    throw new KeycloakSetupError(`unpacked ${archive} but ${keycloakHome} does not hold Keycloak ${keycloakPins.keycloak}`);
  log(`Keycloak ${keycloakPins.keycloak} installed in ${keycloakHome}`);
}

function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    throw new KeycloakSetupError(`${command} ${args.join(' ')} failed: ${(err as Error).message}`);
  }
}

export interface KeycloakOptions {
  /** Where its log (and, for `database: 'file'`, its data) go. */
  dir: string;
  port?: number;
  managementPort?: number;
  /** The master realm's bootstrap admin client (client credentials). */
  adminClientId: string;
  adminClientSecret: string;
  /** `memory`: empty at every start (tests); `file`: kept under `dir` (a person's instance). */
  database: 'memory' | 'file';
  /** How long to wait for it to serve (the first start augments Quarkus: a minute on 2 cores). */
  readyTimeoutMs?: number;
}

export interface RunningKeycloak {
  /** http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts `kc.sh start-dev`; resolves when the master realm's discovery document answers. */
export async function startKeycloak(options: KeycloakOptions): Promise<RunningKeycloak> {
  if (installedVersion() !== keycloakPins.keycloak)
    throw new KeycloakSetupError(`Keycloak ${keycloakPins.keycloak} is not installed in ${keycloakHome}: run \`npm run keycloak:install\``);
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const managementPort = options.managementPort ?? (await freePort());
  const args = [
    'start-dev',
    '--http-host=127.0.0.1',
    `--http-port=${port}`,
    `--http-management-port=${managementPort}`,
    `--features=${keycloakFeatures.join(',')}`,
    ...(options.database === 'memory'
      ? ['--db=dev-mem']
      : ['--db=dev-file', `--db-url=jdbc:h2:file:${path.join(options.dir, 'data', 'keycloakdb')};NON_KEYWORDS=VALUE;AUTO_SERVER=TRUE`]),
  ];
  const logFile = path.join(options.dir, 'keycloak.log');
  const out = openSync(logFile, 'a');
  const child = spawn(kcSh(), args, {
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      KC_BOOTSTRAP_ADMIN_CLIENT_ID: options.adminClientId,
      KC_BOOTSTRAP_ADMIN_CLIENT_SECRET: options.adminClientSecret,
      JAVA_OPTS_KC_HEAP: '-XX:MaxRAMPercentage=10 -Xms64m -Xmx512m',
    },
    // Its own process group: kc.sh execs java, and a stop reaches the JVM.
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new KeycloakSetupError(`Keycloak exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    try {
      const answer = await fetch(`${url}/realms/master/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2000) });
      if (answer.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new KeycloakSetupError(`Keycloak did not serve ${url} within ${(options.readyTimeoutMs ?? 180_000) / 1000} s; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { url, child, logFile, stop: () => stopGroup(child) };
}

/** SIGTERM to kc.sh and its JVM (one process group), SIGKILL to both if they linger 15 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // already gone
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL');
}

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === 'install') {
    ensureKeycloakInstalled((line) => process.stdout.write(`${line}\n`));
    return;
  }
  if (command === 'start') {
    const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(projectRoot, '.data'));
    const adminClientId = process.env.KEYCLOAK_ADMIN_CLIENT_ID ?? 'hub-admin';
    const adminClientSecret = process.env.KEYCLOAK_ADMIN_CLIENT_SECRET;
    if (!adminClientSecret) throw new KeycloakSetupError('set KEYCLOAK_ADMIN_CLIENT_SECRET: the bootstrap admin client’s secret');
    const keycloak = await startKeycloak({
      dir: path.join(dataDir, 'keycloak'),
      port: Number(process.env.KEYCLOAK_PORT ?? 8080),
      adminClientId,
      adminClientSecret,
      database: 'file',
    });
    process.stdout.write(
      `Keycloak ${keycloakPins.keycloak} on ${keycloak.url} (admin console ${keycloak.url}/admin, log ${keycloak.logFile})\n` +
        `  worker, API and edge: KEYCLOAK_URL=${keycloak.url} KEYCLOAK_ADMIN_CLIENT_ID=${adminClientId} KEYCLOAK_ADMIN_CLIENT_SECRET=…\n`,
    );
    const stop = () => void keycloak.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  throw new KeycloakSetupError('usage: tsx scripts/keycloak.ts install|start');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
