/**
 * A real Mojaloop central-ledger beside the project, for the DFSP journey's tests and for a person
 * (`npm run ledger:dev`): MariaDB from Debian, a single-node KRaft Kafka from Maven Central jars,
 * and `@mojaloop/central-ledger`'s admin API (handlers off, proxy cache off, metrics off).
 *
 * `npm run ledger:install` fetches the pinned pieces into `.tools/` (git-ignored): central-ledger
 * with `npm install` in its own directory (~800 MB with node-rdkafka compiled; never in the
 * project's package.json), Kafka's runtime jars with `mvn dependency:copy-dependencies`. Nothing
 * is downloaded when the stack starts.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, stopChild } from './dev-server';
import { projectRoot } from './temporal-dev-config';

export const ledgerPins = {
  centralLedger: '19.5.5',
  kafka: '4.1.1',
  log4j: '2.24.3',
} as const;

const toolsDir = path.join(projectRoot, '.tools');
export const centralLedgerDir = path.join(toolsDir, 'central-ledger');
export const kafkaDir = path.join(toolsDir, 'kafka');
const centralLedgerPackage = path.join(centralLedgerDir, 'node_modules', '@mojaloop', 'central-ledger');

export class LedgerStackError extends Error {
  readonly code = 'LEDGER_STACK_FAILED';
}

function findBinary(name: string, candidates: string[]): string | null {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

const mariadbd = () => findBinary('mariadbd', ['/usr/sbin/mariadbd']);
const mariadbInstallDb = () => findBinary('mariadb-install-db', ['/usr/bin/mariadb-install-db']);

function installedCentralLedger(): string | null {
  const file = path.join(centralLedgerPackage, 'package.json');
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? null;
}

const kafkaJar = () => path.join(kafkaDir, 'libs', `kafka_2.13-${ledgerPins.kafka}.jar`);

/** The Maven project whose runtime dependencies are a Kafka broker (server, raft, storage) with log4j2. */
function kafkaPom(): string {
  const dep = (g: string, a: string, v: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.onboarding</groupId><artifactId>kafka-runtime</artifactId><version>1</version>',
    '  <dependencies>',
    dep('org.apache.kafka', 'kafka_2.13', ledgerPins.kafka),
    dep('org.apache.logging.log4j', 'log4j-slf4j-impl', ledgerPins.log4j),
    dep('org.apache.logging.log4j', 'log4j-core', ledgerPins.log4j),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

/**
 * The compiled install (node-rdkafka takes minutes to build) is kept per version outside the
 * checkout too, like Go's module cache, so a fresh clone on the same machine links it in (hard
 * links: no copy) instead of building again. A new machine builds it; nothing is downloaded ready-made.
 */
function cachedInstallDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'onboarding-orchestrator', `central-ledger-${ledgerPins.centralLedger}`);
}

function reuseCachedInstall(): boolean {
  const cached = cachedInstallDir();
  if (existsSync(centralLedgerDir) || !existsSync(path.join(cached, 'node_modules', '@mojaloop', 'central-ledger', 'package.json')))
    return false;
  mkdirSync(path.dirname(centralLedgerDir), { recursive: true });
  const link = spawnSync('cp', ['-al', cached, centralLedgerDir], { encoding: 'utf8' });
  return link.status === 0 && installedCentralLedger() === ledgerPins.centralLedger;
}

function cacheInstall(): void {
  const cached = cachedInstallDir();
  if (existsSync(cached)) return;
  mkdirSync(path.dirname(cached), { recursive: true });
  // Best effort: a cache on another filesystem (no hard links) is simply not kept.
  spawnSync('cp', ['-al', centralLedgerDir, cached]);
}

/** Installs what is missing or at another version; a second run with everything in place does nothing. */
export function ensureLedgerInstalled(log: (line: string) => void = () => {}): void {
  if (mariadbd() === null || mariadbInstallDb() === null) {
    throw new LedgerStackError(
      'MariaDB is not installed: `apt-get install mariadb-server` (Debian), then run `npm run ledger:install` again.',
    );
  }
  if (findBinary('java', []) === null)
    throw new LedgerStackError('Java (17+) is not on PATH: Kafka needs it (`apt-get install default-jre-headless`).');

  if (installedCentralLedger() !== ledgerPins.centralLedger && reuseCachedInstall())
    log(`Reused the central-ledger ${ledgerPins.centralLedger} install cached in ${cachedInstallDir()}`);
  if (installedCentralLedger() !== ledgerPins.centralLedger) {
    log(
      `Installing @mojaloop/central-ledger ${ledgerPins.centralLedger} into ${centralLedgerDir} (node-rdkafka compiles librdkafka: a few minutes)…`,
    );
    mkdirSync(centralLedgerDir, { recursive: true });
    writeFileSync(
      path.join(centralLedgerDir, 'package.json'),
      `${JSON.stringify({ name: 'central-ledger-runtime', private: true, dependencies: { '@mojaloop/central-ledger': ledgerPins.centralLedger } }, null, 2)}\n`,
    );
    run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], centralLedgerDir);
    if (installedCentralLedger() !== ledgerPins.centralLedger)
      throw new LedgerStackError(
        `npm install finished but @mojaloop/central-ledger ${ledgerPins.centralLedger} is not in ${centralLedgerDir}`,
      );
    cacheInstall();
  }

  if (!existsSync(kafkaJar())) {
    if (findBinary('mvn', ['/usr/bin/mvn']) === null)
      throw new LedgerStackError('Maven is not installed: `apt-get install maven`, then run `npm run ledger:install` again.');
    log(`Fetching Kafka ${ledgerPins.kafka} (KRaft) jars from Maven Central into ${kafkaDir}…`);
    mkdirSync(kafkaDir, { recursive: true });
    writeFileSync(path.join(kafkaDir, 'pom.xml'), kafkaPom());
    run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DoutputDirectory=libs', '-DincludeScope=runtime'], kafkaDir);
    if (!existsSync(kafkaJar())) throw new LedgerStackError(`mvn finished but ${kafkaJar()} is missing`);
  }
  log(`central-ledger ${ledgerPins.centralLedger}, Kafka ${ledgerPins.kafka} and MariaDB ready`);
}

function run(command: string, args: string[], cwd: string, quiet = false): void {
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
  } catch (err) {
    throw new LedgerStackError(`${command} ${args.join(' ')} failed in ${cwd}: ${(err as Error).message}`);
  }
}

export interface LedgerStackOptions {
  /** Where MariaDB's and Kafka's data and the generated configuration live. */
  dataDir: string;
  /** 0 picks a free port. */
  mariadbPort?: number;
  kafkaPort?: number;
  /** Kafka's KRaft controller listener. */
  kafkaControllerPort?: number;
  ledgerPort?: number;
  log?: (line: string) => void;
}

export interface LedgerStack {
  /** The central-ledger admin API, e.g. http://127.0.0.1:3001 */
  url: string;
  mariadbPort: number;
  kafkaPort: number;
  /** The processes (e.g. for a fault test to pause Kafka and central-ledger). */
  pids: { mariadb: number; kafka: number; centralLedger: number };
  stop(): Promise<void>;
}

async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  child: ChildProcess,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new LedgerStackError(`${what} exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was ready; see ${logFile}`);
    }
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LedgerStackError(`${what} was not ready within ${timeoutMs / 1000} s; see ${logFile}`);
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

function startLogged(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env, cwd?: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(command, args, { stdio: ['ignore', out, out], env, ...(cwd ? { cwd } : {}) });
}

async function startMariaDb(dir: string, port: number): Promise<ChildProcess> {
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  if (!existsSync(path.join(dataDir, 'mysql'))) {
    mkdirSync(dataDir, { recursive: true });
    run(
      mariadbInstallDb() ?? 'mariadb-install-db',
      ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
      dir,
      true,
    );
  }
  const logFile = path.join(dir, 'mariadb.log');
  const child = startLogged(
    mariadbd() ?? 'mariadbd',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      '--skip-name-resolve',
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--innodb-buffer-pool-size=128M',
    ],
    logFile,
  );
  await waitFor('MariaDB', () => portOpen(port), child, 60_000, logFile);
  // The schema and account central-ledger's default configuration expects.
  const sql = [
    'CREATE DATABASE IF NOT EXISTS central_ledger',
    "CREATE USER IF NOT EXISTS 'central_ledger'@'127.0.0.1' IDENTIFIED BY 'password'",
    "GRANT ALL ON central_ledger.* TO 'central_ledger'@'127.0.0.1'",
  ].join('; ');
  run('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-e', sql], dir);
  return child;
}

async function startKafka(dir: string, port: number, controllerPort: number): Promise<ChildProcess> {
  const logDirs = path.join(dir, 'data');
  const properties = path.join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${logDirs}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'auto.create.topics.enable=true',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const classpath = `${path.join(kafkaDir, 'libs')}/*`;
  if (!existsSync(path.join(logDirs, 'meta.properties'))) {
    const clusterId =
      execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' }).trim().split('\n').pop() ??
      '';
    run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties], dir, true);
  }
  const logFile = path.join(dir, 'kafka.log');
  const child = startLogged('java', ['-Xms128m', '-Xmx512m', '-cp', classpath, 'kafka.Kafka', properties], logFile);
  await waitFor('Kafka', () => portOpen(port), child, 90_000, logFile);
  return child;
}

/** central-ledger's defaults with the broker list, database and switches of this stack (rc's `--config`). */
function centralLedgerConfig(ledgerPort: number, mariadbPort: number, kafkaPort: number): Record<string, unknown> {
  const defaults = JSON.parse(readFileSync(path.join(centralLedgerPackage, 'config', 'default.json'), 'utf8')) as Record<string, unknown>;
  const brokers = `127.0.0.1:${kafkaPort}`;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'metadata.broker.list' || k === 'bootstrap.servers' ? brokers : rewrite(v)]),
    );
  };
  const config = rewrite(defaults) as Record<string, Record<string, unknown>>;
  return {
    ...config,
    PORT: ledgerPort,
    HOSTNAME: `http://127.0.0.1:${ledgerPort}`,
    DATABASE: { ...config.DATABASE, HOST: '127.0.0.1', PORT: mariadbPort, POOL_MIN_SIZE: 1, POOL_MAX_SIZE: 5 },
    MONGODB: { ...config.MONGODB, DISABLED: true },
    HANDLERS: { ...config.HANDLERS, DISABLED: true },
    PROXY_CACHE: { ...config.PROXY_CACHE, enabled: false },
    INSTRUMENTATION: { ...config.INSTRUMENTATION, METRICS: { ...(config.INSTRUMENTATION?.METRICS as object), DISABLED: true } },
  };
}

async function startCentralLedger(dir: string, ledgerPort: number, mariadbPort: number, kafkaPort: number): Promise<ChildProcess> {
  const configFile = path.join(dir, 'central-ledger.json');
  writeFileSync(configFile, `${JSON.stringify(centralLedgerConfig(ledgerPort, mariadbPort, kafkaPort), null, 2)}\n`);
  const logFile = path.join(dir, 'central-ledger.log');
  const child = startLogged(
    process.execPath,
    [path.join(centralLedgerPackage, 'src', 'api', 'index.js'), '--config', configFile],
    logFile,
    { ...process.env, LOG_LEVEL: 'warn', CSL_LOG_LEVEL: 'warn' },
    centralLedgerPackage,
  );
  const healthy = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${ledgerPort}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  };
  // The first start runs all migrations (~a minute); later starts take seconds.
  await waitFor('central-ledger', healthy, child, 240_000, logFile);
  return child;
}

/** Starts MariaDB, Kafka and central-ledger's admin API; `stop()` ends them in reverse order. */
export async function startLedgerStack(options: LedgerStackOptions): Promise<LedgerStack> {
  const log = options.log ?? (() => {});
  if (installedCentralLedger() !== ledgerPins.centralLedger || !existsSync(kafkaJar())) {
    throw new LedgerStackError('central-ledger or Kafka is not installed: run `npm run ledger:install` first.');
  }
  const mariadbPort = options.mariadbPort || (await freePort());
  const kafkaPort = options.kafkaPort || (await freePort());
  const ledgerPort = options.ledgerPort || (await freePort());
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
  };
  try {
    const mariaDir = path.join(options.dataDir, 'mariadb');
    const kafkaData = path.join(options.dataDir, 'kafka');
    mkdirSync(mariaDir, { recursive: true });
    mkdirSync(kafkaData, { recursive: true });
    log(`starting MariaDB on 127.0.0.1:${mariadbPort} and Kafka on 127.0.0.1:${kafkaPort}…`);
    const [maria, kafka] = await Promise.all([
      startMariaDb(mariaDir, mariadbPort),
      startKafka(kafkaData, kafkaPort, options.kafkaControllerPort || (await freePort())),
    ]);
    children.push(maria, kafka);
    log(`starting central-ledger on 127.0.0.1:${ledgerPort}…`);
    const ledger = await startCentralLedger(options.dataDir, ledgerPort, mariadbPort, kafkaPort);
    children.push(ledger);
    const pids = { mariadb: maria.pid ?? -1, kafka: kafka.pid ?? -1, centralLedger: ledger.pid ?? -1 };
    return { url: `http://127.0.0.1:${ledgerPort}`, mariadbPort, kafkaPort, pids, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
