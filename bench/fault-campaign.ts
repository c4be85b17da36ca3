/**
 * The fault campaign: complete DFSP, TPP and bank onboardings through the stack as `npm start` runs it (its own dev
 * server, ports and data folder), each with one fault injected mid-journey — a worker SIGKILL, an
 * API SIGKILL mid-request, the nginx master SIGKILLed during an allowlist apply, the authorization
 * server SIGKILLed, the Temporal dev server SIGKILLed, Kafka and central-ledger paused (SIGSTOP) for
 * 20 s while the hub sets a DFSP up in the ledger — then checks that every artifact exists
 * exactly once (registry, central-ledger, gateway configuration, Mailpit, the workflow's own record) and reports
 * runs, how many reached `live`, the longest stall per fault kind, 5xx answers and duplicates.
 *
 * The participants are driven as they would drive themselves: the participant kit (in this
 * process, real HTTP) for every submission, staff decisions through the API with an
 * Idempotency-Key, everything retried through the faults. `bench/faults.ts` prints the table;
 * test/integration/fault-campaign.test.ts runs the short form in `npm test`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import YAML from 'yaml';
import { allStaffGrants, newApiKey } from '../api/auth';
import { runKit } from '../kit/program';
import { addApiKeyEntry } from '../scripts/api-key-file';
import { startLedgerStack } from '../scripts/ledger-stack';
import { freePort, stopChild, workflowHistoryJson } from '../scripts/dev-server';
import { loadDevConfig, temporalBinaryPath } from '../scripts/temporal-dev-config';
import { onboardingWorkflowId, type OnboardingStatus } from '../workflows/messages';
import { openRegistry, registryFile } from '../activities/registry/database';
import pg from 'pg';
import { stopOnSignal } from './stats';

export const faultKinds = ['worker-kill', 'api-kill', 'nginx-master-kill', 'auth-server-kill', 'temporal-kill', 'ledger-stop'] as const;
/**
 * The faults of the many-process layout (`layout: 'multi'`: a second worker and a second API process beside
 * npm start's, all on one PostgreSQL registry): the worker holding the gateway's writer lock SIGKILLed
 * while it applies a production allowlist, and the second API process SIGKILLed mid-request.
 */
export const multiProcessFaultKinds = ['apply-worker-kill', 'peer-api-kill'] as const;
/** How long the hub ledger (Kafka and central-ledger) is paused with SIGSTOP for `ledger-stop`. */
export const ledgerStopSeconds = 20;
export type FaultKind = (typeof faultKinds)[number] | (typeof multiProcessFaultKinds)[number];
export type JourneyKind = 'tpp' | 'bank' | 'dfsp';

export interface RunResult {
  participantId: string;
  kind: JourneyKind;
  fault: FaultKind;
  live: boolean;
  /**
   * Seconds from the fault until the journey moved again: the first action begun after the fault
   * completed, or the action the fault hit if that took longer (for the authorization server: its
   * port answers). For `ledger-stop`: from the ledger's resume (SIGCONT), since a paused ledger
   * holds the journey for as long as it is paused by design.
   */
  stallSeconds: number | null;
  /** For `ledger-stop`: how long the sandbox ledger set-up took (≥ the pause when the pause held it, as it should). */
  ledgerTaskSeconds?: number;
  error?: string;
}

export interface CampaignReport {
  runs: RunResult[];
  /** API answers ≥ 500 other than 503 (503 + retry-after is the honest answer while a component restarts). */
  answers5xx: number;
  /** Each 5xx other than 503: the request and the body answered. */
  details5xx: string[];
  answers503: number;
  /** Mail: a notification in two messages; the rest: an artifact more than once. `mailResent`: transmissions of one message again under its Message-ID (not a duplicate: a receiver drops it). */
  duplicates: { mail: number; registry: number; ledger: number; gateway: number; history: number; details: string[]; mailResent: number };
  stackStartSeconds: number;
}

const root = path.join(__dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Milliseconds as seconds with one decimal. */
const seconds = (ms: number) => Math.round(ms / 100) / 10;

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The descendants of a process (Linux /proc), with their command lines. */
export async function descendants(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const found: { pid: number; cmdline: string }[] = [];
  const walk = async (p: number) => {
    const tasks = await readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    for (const task of tasks) {
      const children = (await readFile(`/proc/${p}/task/${task}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
      for (const c of children.map(Number)) {
        const cmdline = (await readFile(`/proc/${c}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
        found.push({ pid: c, cmdline });
        await walk(c);
      }
    }
  };
  await walk(pid);
  return found;
}

function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The stack as `npm start` runs it, on free ports under `work` (the hub ledger at `ledgerUrl`, or none). */
export async function startStack(
  work: string,
  connectTo: string,
  ledgerUrl: string | null,
  log: (line: string) => void,
  extraEnv: Record<string, string> = {},
) {
  const dev = YAML.parse(readFileSync(path.join(root, 'temporal-dev.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  const ports = {
    temporal: await freePort(),
    ui: await freePort(),
    metrics: await freePort(),
    api: await freePort(),
    smtp: await freePort(),
    mailUi: await freePort(),
    auth: await freePort(),
    sandbox: await freePort(),
    production: await freePort(),
    echo: await freePort(),
    verifier: await freePort(),
    egress: await freePort(),
    workerMetrics: await freePort(),
  };
  const config = {
    ...dev,
    server: {
      ...dev.server,
      port: ports.temporal,
      uiPort: ports.ui,
      metricsPort: ports.metrics,
      dbFile: path.join(work, 'temporal.sqlite'),
    },
    ui: { codecEndpoint: `http://127.0.0.1:${ports.api}/codec` },
    // Every transmission kept (no --ignore-duplicate-ids): a resend would be counted as a duplicate here.
    mailpit: { ...dev.mailpit, smtpPort: ports.smtp, uiPort: ports.mailUi, dbFile: path.join(work, 'mail.db'), ignoreDuplicateIds: false },
  };
  const configFile = path.join(work, 'temporal-dev.yaml');
  writeFileSync(configFile, YAML.stringify(config));
  const dataDir = path.join(work, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Two staff members (go-live needs two distinct approvers), in the key file npm start reads.
  const staff = [newApiKey('ops-one@hub', allStaffGrants), newApiKey('ops-two@hub', allStaffGrants)];
  const apiKeysFile = path.join(dataDir, 'api-keys.json');
  for (const s of staff) await addApiKeyEntry(apiKeysFile, s.entry);
  const child = spawn(
    process.execPath,
    [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'scripts', 'start.ts')],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TEMPORAL_DEV_CONFIG: configFile,
        DATA_DIR: dataDir,
        API_KEYS_FILE: apiKeysFile,
        PORT: String(ports.api),
        GATEWAY_SANDBOX_LISTEN: `127.0.0.1:${ports.sandbox}`,
        GATEWAY_PRODUCTION_LISTEN: `127.0.0.1:${ports.production}`,
        GATEWAY_ECHO_LISTEN: `127.0.0.1:${ports.echo}`,
        AUTH_SERVER_LISTEN: `127.0.0.1:${ports.auth}`,
        EDGE_VERIFIER_LISTEN: `127.0.0.1:${ports.verifier}`,
        EDGE_EGRESS_LISTEN: `127.0.0.1:${ports.egress}`,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.workerMetrics}`,
        ...(connectTo ? { OUTBOUND_CONNECT_TO: connectTo } : {}),
        TTK_ADMIN_LISTEN: 'off',
        // One central-ledger for both environments (one participant per DFSP), with its settlement model made on first use.
        ...(ledgerUrl === null
          ? {}
          : { HUB_LEDGER_SANDBOX_URL: ledgerUrl, HUB_LEDGER_PRODUCTION_URL: ledgerUrl, HUB_LEDGER_DEFAULT_SETTLEMENT_MODEL: 'true' }),
        ...extraEnv,
        LOG_LEVEL: 'warn',
        // Every attempt of the participant's tool and of staff goes through the faults.
        RATE_LIMIT_PER_MINUTE: '100000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const keep = (c: Buffer) => {
    output.push(c.toString('utf8'));
    if (output.length > 4000) output.splice(0, 1000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Interrupted, the bench stops npm start (which stops its children) instead of leaving them orphaned.
  child.once(
    'exit',
    stopOnSignal(() => stopStack(child)),
  );
  const started = Date.now();
  while (!output.join('').includes('[start] ready')) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output.join('').slice(-4000)}`);
    if (Date.now() - started > 300_000) throw new Error(`npm start not ready in 300 s:\n${output.join('').slice(-4000)}`);
    await sleep(250);
  }
  log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    child,
    output,
    ports,
    dataDir,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    /** The API processes requests are spread over (a second one joins in the many-process layout). */
    apis: [`http://127.0.0.1:${ports.api}`],
    /** Armed by `peer-api-kill`: the next request sent to this API process kills it while in flight. */
    killOnRequest: null as { url: string; pid: number; done: () => void } | null,
    registry: extraEnv.REGISTRY_URL ?? registryFile(dataDir),
    mailUrl: `http://127.0.0.1:${ports.mailUi}`,
    staffKeys: staff.map((s) => ({ name: s.entry.name, key: s.key })),
    temporalBinary: temporalBinaryPath(loadDevConfig(configFile)),
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    startSeconds: (Date.now() - started) / 1000,
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** Stops npm start, which stops its children (a minute's grace: the worker lets running activities finish). */
export const stopStack = (child: ChildProcess) => stopChild(child, 60_000);

/** A failed run's event history (`temporal workflow show`), kept in the campaign's folder for replay and reading. */
function saveHistory(stack: Stack, participantId: string, work: string): string {
  const file = path.join(work, `${participantId}.history.json`);
  try {
    writeFileSync(file, workflowHistoryJson(stack.temporalBinary, stack.temporalAddress, onboardingWorkflowId(participantId)));
    return file;
  } catch (err) {
    return `(not saved: ${(err as Error).message.slice(0, 200)})`;
  }
}

/** A bank's authorization service: a Bearer JWT that verifies with a key the bank installed passes. */
function bankAuthService(work: string): { server: Server; installed: Map<string, JWK>; caFile: string; listen(): Promise<number> } {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'root.key',
      '-out',
      'root.pem',
      '-days',
      '30',
      '-subj',
      '/CN=Campaign Bank Root',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    work,
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'auth.key', '-out', 'auth.csr', '-subj', '/CN=auth.campaign-bank.example'],
    work,
  );
  writeFileSync(
    path.join(work, 'auth.ext'),
    'subjectAltName=DNS:auth.campaign-bank.example\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'auth.csr',
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-out',
      'auth.pem',
      '-days',
      '30',
      '-extfile',
      'auth.ext',
    ],
    work,
  );
  const installed = new Map<string, JWK>();
  const server = createServer(
    {
      key: readFileSync(path.join(work, 'auth.key')),
      cert: readFileSync(path.join(work, 'auth.pem'), 'utf8') + readFileSync(path.join(work, 'root.pem'), 'utf8'),
    },
    (req, res) => {
      const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      let kid: string | undefined;
      try {
        kid = jwt ? decodeProtectedHeader(jwt).kid : undefined;
      } catch {
        kid = undefined;
      }
      const jwk = kid ? installed.get(kid) : undefined;
      void (async () =>
        jwk
          ? jwtVerify(jwt, await importJWK(jwk, 'ES256')).then(
              () => true,
              () => false,
            )
          : false)().then((ok) => res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok })));
    },
  );
  return {
    server,
    installed,
    caFile: path.join(work, 'root.pem'),
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
  };
}

/**
 * A DFSP's callback server per environment: mTLS with the certificate the DFSP's kit made, trusting
 * the DFSP's own CA (which signs the hub's client certificate). Runs are one at a time: each DFSP's
 * certificates are put in place before its connectivity step (`use`).
 */
function dfspCallbackServers() {
  const make = () =>
    createServer({ requestCert: true, rejectUnauthorized: true }, (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
  const servers = { sandbox: make(), production: make() };
  return {
    servers,
    listen: async () => ({
      sandbox: await new Promise<number>((resolve) =>
        servers.sandbox.listen(0, '127.0.0.1', () => resolve((servers.sandbox.address() as AddressInfo).port)),
      ),
      production: await new Promise<number>((resolve) =>
        servers.production.listen(0, '127.0.0.1', () => resolve((servers.production.address() as AddressInfo).port)),
      ),
    }),
    use(kitDir: string, environment: 'sandbox' | 'production') {
      const ca = readFileSync(path.join(kitDir, 'public', 'ca.cert.pem'), 'utf8');
      servers[environment].setSecureContext({
        key: readFileSync(path.join(kitDir, 'private', environment, 'server.key')),
        cert: readFileSync(path.join(kitDir, 'public', environment, 'server.cert.pem'), 'utf8') + ca,
        ca,
      });
    },
    close: () => Promise.all(Object.values(servers).map((srv) => new Promise((resolve) => srv.close(resolve)))),
  };
}

/** Counts what the API answered, for the table; every 5xx other than 503 is kept with its request and body (and the onboarding's history, once). */
const answers = { s5xx: 0, s503: 0, details: [] as string[], historySaved: new Set<string>() };
function counted(res: Response, what: string): Response {
  if (res.status === 503) answers.s503 += 1;
  else if (res.status >= 500) {
    answers.s5xx += 1;
    void res
      .clone()
      .text()
      .then((body) => answers.details.push(`${res.status} ${what}: ${body.slice(0, 300)}`));
  }
  return res;
}

let apiTurn = 0;

/** A staff call with an Idempotency-Key, sent again (same key) through restarts until it is answered (not 503). */
async function staffCall(stack: Stack, key: string, method: 'GET' | 'POST', url: string, body?: unknown, idempotencyKey?: string) {
  const giveUpAt = Date.now() + 180_000;
  for (;;) {
    // Spread over the API processes, as a load balancer would; a retry goes to the next one.
    // Armed by peer-api-kill, the next write goes to the API process that is to die with it in flight.
    const kill = stack.killOnRequest !== null && body !== undefined ? stack.killOnRequest : null;
    const api = kill?.url ?? stack.apis[apiTurn++ % stack.apis.length] ?? stack.apiUrl;
    if (kill !== null) {
      stack.killOnRequest = null;
      // Killed while the request is in flight: the caller sees the connection die and sends it again, same key.
      setTimeout(
        () => {
          stack.apis.splice(stack.apis.indexOf(api), 1);
          process.kill(kill.pid, 'SIGKILL');
          kill.done();
        },
        5 + Math.floor(Math.random() * 40),
      );
    }
    try {
      const res = counted(
        await fetch(`${api}${url}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body === undefined
              ? {}
              : {
                  'content-type': 'application/json',
                  'idempotency-key': (idempotencyKey ?? randomUUID()).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
                }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        }),
        `${method} ${url}`,
      );
      if (res.status !== 503 && res.status < 500) return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      // A status read the API could not answer: the onboarding's history is kept for replay (once per onboarding).
      const read = method === 'GET' ? /^\/onboardings\/([^/?]+)$/.exec(url) : null;
      if (read && res.status !== 503 && !answers.historySaved.has(read[1]!)) {
        answers.historySaved.add(read[1]!);
        answers.details.push(`  its history: ${saveHistory(stack, read[1]!, path.dirname(stack.dataDir))}`);
      }
    } catch {
      // The API is restarting: the same request again.
    }
    if (Date.now() > giveUpAt) throw new Error(`${method} ${url}: no answer within 180 s`);
    await sleep(500);
  }
}

async function statusOf(stack: Stack, id: string): Promise<OnboardingStatus | null> {
  const res = await staffCall(stack, stack.staffKeys[0]!.key, 'GET', `/onboardings/${id}`);
  return res.status === 200 ? ((res.json.onboarding as OnboardingStatus | null) ?? null) : null;
}

interface Participant {
  id: string;
  kind: JourneyKind;
  kitDir: string;
  apiKey: string;
}

async function kit(stack: Stack, who: Participant, work: string, ...args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await runKit(args, {
    env: { ONBOARDING_API_KEY: who.apiKey, KIT_DIR: who.kitDir, KIT_RETRY_SECONDS: '120' },
    cwd: work,
    out: (t) => (out += t),
    err: (t) => (err += t),
    fetch: async (input, init) => counted(await fetch(input, init), `kit ${init?.method ?? 'GET'} ${String(input)}`),
  });
  if (code !== 0) throw new Error(`kit ${args.join(' ')} exited ${code}: ${out}${err}`);
  return out;
}

/** Every DFSP's callbacks: one name in sandbox, a public address in production, both routed to the campaign's mTLS servers. */
const dfspCallbackHosts = { sandbox: 'api.campaign-dfsp.example', production: '93.184.216.34' };

export function startBody(id: string, kind: JourneyKind) {
  const participant = { legalName: `${id} Ltd`, country: kind === 'bank' ? 'UA' : 'GB', contactEmail: `it@${id}.example` };
  if (kind === 'dfsp')
    return {
      participantId: id,
      kind,
      participant,
      registration: {
        currencies: [{ currency: 'XOF', netDebitCap: 10_000 }],
        contacts: { business: { name: 'B', email: `business@${id}.example` }, technical: { name: 'T', email: `tech@${id}.example` } },
        callbackHosts: { sandbox: [dfspCallbackHosts.sandbox], production: [dfspCallbackHosts.production] },
        notificationEmails: {
          netDebitCapAdjustment: `ndc@${id}.example`,
          settlementPositionChange: `settlement@${id}.example`,
          netDebitCapThresholdBreach: `breach@${id}.example`,
        },
      },
    };
  if (kind === 'tpp')
    return {
      participantId: id,
      kind,
      participant,
      application: { useCase: 'Account aggregation', expectedMonthlyVolume: 50_000, apis: ['accounts', 'transactions'] },
    };
  return {
    participantId: id,
    kind,
    participant,
    registration: {
      alias: id.replace(/[^a-z0-9]/g, ''),
      assetCode: 'UAH',
      firstEmployeeEmail: `first@${id}.example`,
      authorizationUrls: { sandbox: 'https://auth.campaign-bank.example/dcm/check', production: 'https://93.184.216.34/dcm/check' },
    },
  };
}

/** The kit command a participant runs for an open submission. */
function submitArgs(name: string, environment: string, who: Participant, caFile: string): string[] {
  const env = ['--environment', environment];
  switch (name) {
    case 'redirect-urls':
      return ['submit', name, ...env, '--redirect-uri', `https://app.${who.id}.example/oauth/callback`];
    case 'ip-allowlist':
      return ['submit', name, ...env, '--entries', '93.184.216.34'];
    case 'identifiers':
      return ['submit', name, ...env, '--identifiers', `${who.id.toUpperCase()}-${environment === 'sandbox' ? '0001' : '9001'}`];
    case 'authorization-service':
      return environment === 'sandbox' ? ['submit', name, ...env, '--ca', caFile] : ['submit', name, ...env, '--hub-cannot-reach'];
    default:
      return ['submit', name, ...env];
  }
}

export interface CampaignOptions {
  runs: number;
  seed?: number;
  log?: (line: string) => void;
  /** Only these faults (in turn); default every kind. */
  faults?: readonly FaultKind[];
  /** Only these journeys (in turn, where the fault allows); default every kind. */
  kinds?: readonly JourneyKind[];
  /**
   * `multi`: a second worker and a second API process beside npm start's (started from the same
   * environment, kept at two each before every run), every process on the PostgreSQL registry
   * `registryUrl`; staff requests spread over both APIs. Default `single` (npm start alone, SQLite).
   */
  layout?: 'single' | 'multi';
  registryUrl?: string;
}

/** Runs the campaign; the stack is started once and stopped at the end. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (options.layout === 'multi' && !options.registryUrl?.startsWith('postgres'))
    throw new Error('the many-process layout needs registryUrl: a PostgreSQL database (SQLite is one writing process)');
  let seed = options.seed ?? 20261203;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const work = mkdtempSync(path.join(tmpdir(), 'fault-campaign-'));
  const bank = bankAuthService(work);
  const bankPort = await bank.listen();
  const callbacks = dfspCallbackServers();
  const callbackPorts = await callbacks.listen();
  answers.s5xx = 0;
  answers.s503 = 0;
  answers.details = [];
  answers.historySaved.clear();
  const faults = options.faults ?? faultKinds;
  const kinds = options.kinds ?? (['tpp', 'bank', 'dfsp'] as const);
  const connectTo = [
    `auth.campaign-bank.example:443:127.0.0.1:${bankPort}`,
    `${dfspCallbackHosts.sandbox}:443:127.0.0.1:${callbackPorts.sandbox}`,
    `${dfspCallbackHosts.production}:443:127.0.0.1:${callbackPorts.production}`,
  ].join(',');
  // The hub ledger (MariaDB, Kafka, central-ledger) once for the campaign, started beside the stack.
  const ledgerPort = await freePort();
  const ledgerUrl = `http://127.0.0.1:${ledgerPort}`;
  // Every port of the ledger chosen here, with the stack's, so that the two starting side by side never pick the same one.
  const ledgerPorts = { ledgerPort, mariadbPort: await freePort(), kafkaPort: await freePort(), kafkaControllerPort: await freePort() };
  const [ledgerStart, stackStart] = await Promise.allSettled([
    startLedgerStack({ dataDir: path.join(work, 'ledger'), ...ledgerPorts }),
    startStack(work, connectTo, ledgerUrl, log, options.registryUrl ? { REGISTRY_URL: options.registryUrl } : {}),
  ]);
  if (ledgerStart.status === 'rejected' || stackStart.status === 'rejected') {
    if (ledgerStart.status === 'fulfilled') await ledgerStart.value.stop();
    if (stackStart.status === 'fulfilled') stackStart.value.child.kill('SIGKILL');
    throw ledgerStart.status === 'rejected' ? ledgerStart.reason : (stackStart as PromiseRejectedResult).reason;
  }
  const ledger = ledgerStart.value;
  const stack = stackStart.value;
  log(`hub ledger at ${ledger.url}`);
  const paused = [ledger.pids.kafka, ledger.pids.centralLedger];
  const resumeLedger = () => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone.
      }
    }
  };
  const [ops1, ops2] = stack.staffKeys as [{ name: string; key: string }, { name: string; key: string }];
  const runs: RunResult[] = [];

  /** The pid of one of npm start's processes, found afresh (restarts change it). */
  const pidOf = async (fault: Exclude<FaultKind, 'ledger-stop' | (typeof multiProcessFaultKinds)[number]>): Promise<number | null> => {
    if (fault === 'nginx-master-kill') {
      const file = path.join(stack.dataDir, 'gateway', 'run', 'nginx.pid');
      return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : null;
    }
    const pattern = {
      'worker-kill': /worker\/main\.ts/,
      'api-kill': /api\/server\.ts/,
      'auth-server-kill': /edge\/auth-server\.ts/,
      'temporal-kill': /\/temporal server start-dev/,
    }[fault];
    const match = (await descendants(stack.child.pid ?? -1)).find((p) => pattern.test(p.cmdline) && !p.cmdline.includes('tsx/dist/cli'));
    return match?.pid ?? null;
  };

  const peers = options.layout === 'multi' ? peerProcesses(stack, work, log) : null;
  try {
    for (let n = 0; n < options.runs; n++) {
      // Two workers and two API processes at the start of every run (a peer killed by the last run is replaced).
      await peers?.ensure();
      const fault = faults[n % faults.length]!;
      // Every fault meets every kind over 18 runs (the rotation shifts by one each round of faults). A bank has
      // no allowlist: the gateway's fault strikes a TPP's or a DFSP's production allowlist apply; only a DFSP
      // uses the hub ledger.
      const rotated = kinds[(n + Math.floor(n / faults.length)) % kinds.length]!;
      const kind: JourneyKind =
        fault === 'ledger-stop'
          ? 'dfsp'
          : (fault === 'nginx-master-kill' || fault === 'apply-worker-kill') && rotated === 'bank'
            ? n % 2 === 0
              ? 'tpp'
              : 'dfsp'
            : rotated;
      const id = `${kind}-fault-${n + 1}`;
      const result: RunResult = { participantId: id, kind, fault, live: false, stallSeconds: null };
      runs.push(result);
      try {
        const who: Participant = { id, kind, kitDir: path.join(work, id), apiKey: '' };
        const started = await staffCall(stack, ops1.key, 'POST', '/onboardings', startBody(id, kind), `start-${id}`);
        if (started.status >= 300) throw new Error(`start: ${started.status} ${JSON.stringify(started.json)}`);
        const issued = await staffCall(stack, ops1.key, 'POST', `/participants/${id}/api-keys`, {}, `key-${id}`);
        who.apiKey = String((issued.json.secret as { value?: string } | undefined)?.value ?? '');
        if (!who.apiKey) throw new Error(`no API key: ${JSON.stringify(issued.json)}`);
        await kit(stack, who, work, 'init', '--api', stack.apiUrl, '--participant', id);

        // The fault strikes at one of the journey's actions (for nginx: the production allowlist's apply; for
        // the ledger: the sandbox connectivity proof, after which the hub sets the DFSP up in the ledger).
        const actionsBeforeFault = 1 + Math.floor(random() * 6);
        let actions = 0;
        let faulted = false;
        const strike = async (name: string): Promise<boolean> => {
          if (faulted) return false;
          const due =
            fault === 'nginx-master-kill' || fault === 'apply-worker-kill'
              ? name === 'ip-allowlist@production'
              : fault === 'ledger-stop'
                ? name === 'connectivity@sandbox'
                : ++actions >= actionsBeforeFault;
          if (!due) return false;
          faulted = true;
          const delay = Math.floor(random() * 150);
          if (fault === 'ledger-stop') {
            void (async () => {
              await sleep(delay);
              for (const pid of paused) process.kill(pid, 'SIGSTOP');
              log(`  ${id}: ledger-stop (Kafka ${paused[0]}, central-ledger ${paused[1]}) for ${ledgerStopSeconds} s during ${name}`);
              await sleep(ledgerStopSeconds * 1000);
              resumeLedger();
              faultAt = Date.now();
            })();
            return true;
          }
          if (fault === 'apply-worker-kill') {
            // The worker that holds the gateway's writer lock, killed while it applies (found through PostgreSQL).
            void (async () => {
              const during = actionsCompleted;
              const holder = await (peers as PeerProcesses).lockHolder(() => actionsCompleted === during);
              if (holder !== null) {
                faultAt = Date.now();
                process.kill(holder.pid, 'SIGKILL');
              }
              log(
                `  ${id}: apply-worker-kill (${holder === null ? 'no worker held the gateway lock' : `${holder.which} worker, pid ${holder.pid}`}) during ${name}`,
              );
            })();
            return true;
          }
          if (fault === 'peer-api-kill') {
            const peer = (peers as PeerProcesses).api();
            if (peer === null) throw new Error('peer-api-kill: no second API process');
            // Armed: the next staff request that goes to the second API dies with it (see staffCall).
            stack.killOnRequest = {
              ...peer,
              done: () => {
                faultAt = Date.now();
                log(`  ${id}: peer-api-kill (pid ${peer.pid}) mid-request during ${name}`);
              },
            };
            return true;
          }
          void (async () => {
            await sleep(delay);
            const pid = await pidOf(fault);
            faultAt = Date.now();
            if (pid !== null) process.kill(pid, 'SIGKILL');
            log(`  ${id}: ${fault} (pid ${pid}) during ${name}`);
          })();
          return true;
        };
        let faultAt = 0;
        /** Actions of this run finished so far (a fault that waits for its moment gives up when its action is over). */
        let actionsCompleted = 0;
        /** How long after the fault the action it hit completed (the stall is decided by the next action). */
        let hitActionMs: number | null = null;

        const deadline = Date.now() + 600_000;
        let lastAction = '';
        let repeats = 0;
        while (Date.now() < deadline) {
          const status = await statusOf(stack, id);
          if (status?.state === 'live') break;
          if (status && ['failed', 'rejected', 'expired', 'cancelled'].includes(status.state)) throw new Error(`ended ${status.state}`);
          const next = status?.awaiting[0];
          if (!next) {
            await sleep(200);
            continue;
          }
          const label = `${next.name}@${next.environment}`;
          repeats = label === lastAction ? repeats + 1 : 0;
          lastAction = label;
          if (repeats > 50) throw new Error(`${label} stays open`);
          const actionStartedAt = Date.now();
          await strike(label);
          if (next.type === 'gate') {
            const body = {
              gate: next.name,
              environment: next.environment,
              decision: 'approved',
              evidence: [{ label: 'campaign evidence', url: 'https://docs.hub.example/campaign.pdf' }],
            };
            // Two distinct approvers where the gate asks for them; the second decision of one approver is refused (409), not repeated.
            for (const staff of [ops1, ops2]) {
              const answer = await staffCall(
                stack,
                staff.key,
                'POST',
                `/onboardings/${id}/approvals`,
                body,
                `${next.instanceId}-${staff.name}`,
              );
              if (answer.status !== 200 && answer.status !== 409)
                log(`  ${id}: ${next.instanceId} by ${staff.name}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
              if (answer.status === 200) {
                const still = (await statusOf(stack, id))?.awaiting.some((a) => a.instanceId === next.instanceId);
                if (!still) break;
              }
            }
          } else if (next.role === 'participant') {
            if (next.name === 'authorization-service') {
              await kit(stack, who, work, 'fetch', 'jwt-key', '--environment', next.environment);
              const jwk = JSON.parse(
                readFileSync(path.join(who.kitDir, 'public', next.environment, 'hub-jwt-key.jwk.json'), 'utf8'),
              ) as JWK;
              bank.installed.set(String(jwk.kid), jwk);
            }
            if (next.name === 'connectivity') callbacks.use(who.kitDir, next.environment);
            await kit(stack, who, work, ...submitArgs(next.name, next.environment, who, bank.caFile));
          } else {
            await sleep(200);
          }
          actionsCompleted += 1;
          if (faultAt !== 0 && result.stallSeconds === null) {
            // The stall: from the fault until the first action begun after it completed — or the action the
            // fault hit, if that took longer (one that was about done when the fault fell does not hide the
            // fault from the next). The authorization server, which no action of these journeys calls: until its port answers.
            if (fault === 'auth-server-kill') {
              while (!(await tcpAnswers(stack.ports.auth))) await sleep(100);
              result.stallSeconds = seconds(Date.now() - faultAt);
            } else if (actionStartedAt >= faultAt) {
              result.stallSeconds = seconds(Math.max(hitActionMs ?? 0, Date.now() - faultAt));
            } else {
              hitActionMs = Date.now() - faultAt;
            }
          }
        }
        const final = await statusOf(stack, id);
        // The fault hit the journey's last action: the stall ends with the journey live.
        if (faultAt !== 0 && result.stallSeconds === null) result.stallSeconds = seconds(Date.now() - faultAt);
        result.live = final?.state === 'live';
        if (!result.live) throw new Error(`not live: ${final?.state ?? 'unknown'}`);
        if (fault === 'ledger-stop') {
          const task = final?.tasks.find((t) => t.id === 'hub-ledger@sandbox');
          if (task?.finishedAt) result.ledgerTaskSeconds = seconds(Date.parse(task.finishedAt) - Date.parse(task.startedAt));
        }
        log(`  ${id}: live (${fault}, stall ${result.stallSeconds ?? '-'} s)`);
      } catch (err) {
        result.error = (err as Error).message.slice(0, 500);
        log(`  ${id}: FAILED ${result.error}; its history: ${saveHistory(stack, id, work)}`);
      }
    }
    const duplicates = await exactlyOnce(stack, runs, ledger.url);
    return {
      runs,
      answers5xx: answers.s5xx,
      details5xx: answers.details,
      answers503: answers.s503,
      duplicates,
      stackStartSeconds: stack.startSeconds,
    };
  } finally {
    resumeLedger();
    await peers?.stop();
    await stopStack(stack.child);
    await new Promise((resolve) => bank.server.close(resolve));
    await callbacks.close();
    await ledger.stop();
  }
}

type PeerProcesses = ReturnType<typeof peerProcesses>;

/**
 * The second worker and the second API process of the many-process layout: started with the very
 * environment npm start gave its own (read from /proc), the worker without a metrics port, the API
 * on a port of its own; neither is supervised (a killed one is replaced by `ensure`, before a run).
 */
function peerProcesses(stack: Stack, work: string, log: (line: string) => void) {
  let worker: ReturnType<typeof spawn> | null = null;
  let api: { child: ReturnType<typeof spawn>; url: string } | null = null;
  const alive = (child: ReturnType<typeof spawn> | null) => child !== null && child.exitCode === null && child.signalCode === null;
  /** The node process npm start runs `script` in (not tsx's wrapper). */
  const startPid = async (script: RegExp) =>
    (await descendants(stack.child.pid ?? -1)).find((p) => script.test(p.cmdline) && !p.cmdline.includes('tsx/dist/cli'))?.pid ?? null;
  const environOf = async (pid: number) =>
    Object.fromEntries(
      (await readFile(`/proc/${pid}/environ`, 'utf8'))
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ) as Record<string, string>;
  const spawnPeer = async (script: string, from: RegExp, overrides: Record<string, string>, logName: string) => {
    const pid = await startPid(from);
    if (pid === null) throw new Error(`npm start runs no ${script} to copy the environment of`);
    const out = openSync(path.join(work, logName), 'a');
    // tsx as a loader (one process, no CLI wrapper): the pid is the worker's or the API's own.
    return spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], {
      cwd: root,
      env: { ...(await environOf(pid)), ...overrides },
      stdio: ['ignore', out, out],
    });
  };
  const db = new pg.Pool({ connectionString: stack.registry, max: 1 });
  return {
    async ensure(): Promise<void> {
      // Connected before any fault needs it: the first look for the lock holder must not wait for a connection.
      await db.query('select 1');
      if (!alive(worker)) {
        worker = await spawnPeer(
          'worker/main.ts',
          /worker\/main\.ts/,
          { WORKER_METRICS_ADDRESS: 'off', LOG_LEVEL: 'info' },
          'peer-worker.log',
        );
        const logFile = path.join(work, 'peer-worker.log');
        const since = Date.now();
        while (!(await readFile(logFile, 'utf8')).slice(-20_000).includes('worker polling')) {
          if (!alive(worker)) throw new Error(`the second worker exited: ${(await readFile(logFile, 'utf8')).slice(-2000)}`);
          if (Date.now() - since > 120_000) throw new Error('the second worker did not poll within 120 s');
          await sleep(250);
        }
        log(`second worker polling (pid ${worker.pid})`);
      }
      if (!alive(api?.child ?? null)) {
        const port = await freePort();
        const child = await spawnPeer('api/server.ts', /api\/server\.ts/, { PORT: String(port) }, 'peer-api.log');
        const url = `http://127.0.0.1:${port}`;
        const since = Date.now();
        while (
          !(await fetch(`${url}/readyz`).then(
            (r) => r.ok,
            () => false,
          ))
        ) {
          if (!alive(child)) throw new Error('the second API process exited');
          if (Date.now() - since > 120_000) throw new Error('the second API process was not ready within 120 s');
          await sleep(250);
        }
        api = { child, url };
        if (!stack.apis.includes(url)) stack.apis.push(url);
        log(`second API process ready at ${url} (pid ${child.pid})`);
      }
    },
    /** The second API process, if it runs. */
    api: () => (api !== null && alive(api.child) ? { url: api.url, pid: api.child.pid as number } : null),
    /**
     * The worker holding the gateway's writer lock (a PostgreSQL advisory lock), waited for while
     * `meanwhile()` holds (the action that should make it take the lock): the lock's backend names its client port, and the worker owning the socket of that
     * port is found through /proc (its fds and /proc/net/tcp).
     */
    async lockHolder(meanwhile: () => boolean): Promise<{ pid: number; which: 'first' | 'second' } | null> {
      while (meanwhile()) {
        const held = await db.query<{ client_port: number }>(
          `select a.client_port from pg_locks l join pg_stat_activity a on a.pid = l.pid where l.locktype = 'advisory' and l.granted`,
        );
        const port = held.rows[0]?.client_port;
        if (port !== undefined) {
          const candidates: { pid: number | null; which: 'first' | 'second' }[] = [
            { pid: await startPid(/worker\/main\.ts/), which: 'first' },
            { pid: worker?.pid ?? null, which: 'second' },
          ];
          for (const candidate of candidates) {
            if (candidate.pid !== null && (await ownsLocalPort(candidate.pid, port))) return { pid: candidate.pid, which: candidate.which };
          }
        }
        await sleep(1);
      }
      return null;
    },
    async stop(): Promise<void> {
      for (const child of [worker, api?.child ?? null]) if (alive(child)) child?.kill('SIGKILL');
      await db.end();
    },
  };
}

/** Whether process `pid` has a TCP socket bound to local port `port` (Linux: its fds' inodes in /proc/net/tcp). */
async function ownsLocalPort(pid: number, port: number): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const inodes = new Set<string>();
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  for (const table of ['tcp', 'tcp6']) {
    const lines = (await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (local !== undefined && parseInt(local.split(':')[1] ?? '', 16) === port && inodes.has(cols[9] ?? '')) return true;
    }
  }
  return false;
}

/** Every artifact once: the registry, the gateway's live configuration, Mailpit, the workflow's record. */
async function exactlyOnce(stack: Stack, runs: RunResult[], ledgerUrl: string): Promise<CampaignReport['duplicates']> {
  const details: string[] = [];
  const found = { mail: 0, registry: 0, ledger: 0, gateway: 0, history: 0 };
  // The hub ledger: each live DFSP once, active, with one position and one settlement account in its currency.
  const ledgerParticipants = (await (await fetch(`${ledgerUrl}/participants`)).json()) as { name: string }[];
  for (const run of runs.filter((r) => r.live && r.kind === 'dfsp')) {
    const named = ledgerParticipants.filter((p) => p.name === run.participantId).length;
    const participant = (await (await fetch(`${ledgerUrl}/participants/${run.participantId}`)).json()) as {
      isActive?: number | boolean;
      accounts?: { currency: string; ledgerAccountType: string }[];
    };
    const accounts = (participant.accounts ?? []).map((a) => `${a.currency}/${a.ledgerAccountType}`).sort();
    if (named !== 1 || !participant.isActive || accounts.join(',') !== 'XOF/POSITION,XOF/SETTLEMENT') {
      found.ledger += 1;
      details.push(
        `${run.participantId}: ledger participants ${named}, active ${String(participant.isActive)}, accounts ${accounts.join(',')}`,
      );
    }
  }
  // Mail: each notification's key in one message only (one Message-ID; digests carry several keys). A message
  // transmitted again under its own Message-ID — a worker killed between the SMTP transaction and the outbox's
  // delivered record resends exactly that message — is counted apart: a receiver drops it by its Message-ID
  // (Mailpit does with --ignore-duplicate-ids, as temporal-dev.yaml runs it; the campaign keeps every transmission).
  const res = await fetch(`${stack.mailUrl}/api/v1/messages?limit=5000`);
  const messages = ((await res.json()) as { messages: { ID: string; MessageID: string }[] }).messages;
  const byId = new Map<string, number>();
  for (const m of messages) byId.set(m.MessageID, (byId.get(m.MessageID) ?? 0) + 1);
  let resent = 0;
  for (const count of byId.values()) resent += count - 1;
  const keysSeen = new Map<string, Set<string>>();
  for (const m of messages) {
    const headers = (await (await fetch(`${stack.mailUrl}/api/v1/message/${m.ID}/headers`)).json()) as Record<string, string[]>;
    for (const key of headers['X-Onboarding-Key'] ?? []) {
      if (!key.startsWith('digest of')) keysSeen.set(key, (keysSeen.get(key) ?? new Set()).add(m.MessageID));
    }
  }
  for (const [key, ids] of keysSeen) {
    if (ids.size > 1) {
      found.mail += ids.size - 1;
      details.push(`mail key ${key} in ${ids.size} messages: ${[...ids].join(', ')}`);
    }
  }
  // Registry and gateway: the registry npm start's processes share (SQLite, or PostgreSQL in the many-process layout).
  const db = await openRegistry(stack.registry);
  const conf = await readFile(path.join(stack.dataDir, 'gateway', 'nginx.conf'), 'utf8').catch(() => '');
  // The running gateway serves the live file's revision (no orphan of a killed master serves an old one).
  const served = await fetch(`http://127.0.0.1:${stack.ports.echo}/.gateway-revision`).then(
    (r) => r.text(),
    () => '(no answer)',
  );
  if (!conf.includes(`"${served}"`)) {
    found.gateway += 1;
    details.push(`the gateway serves revision ${served.slice(0, 16)}, not the live file's`);
  }
  try {
    for (const run of runs.filter((r) => r.live)) {
      const id = run.participantId;
      const clients = await db.selectFrom('oauthClients').select(['environment']).where('participantId', '=', id).execute();
      for (const env of ['sandbox', 'production']) {
        const n = clients.filter((c) => c.environment === env).length;
        if (n > 1) {
          found.registry += n - 1;
          details.push(`${id}: ${n} OAuth clients in ${env}`);
        }
      }
      if (run.kind === 'tpp' || run.kind === 'dfsp') {
        const issued = await db
          .selectFrom('issuedCertificates')
          .select(['serialHex', 'environment'])
          .where('participantId', '=', id)
          .execute();
        for (const env of run.kind === 'dfsp' ? ['sandbox', 'production'] : ['production']) {
          const n = issued.filter((c) => c.environment === env).length;
          if (n !== 1) {
            found.registry += Math.abs(n - 1);
            details.push(`${id}: ${n} hub-issued ${env} certificates`);
          }
        }
        if (run.kind === 'dfsp') {
          const jws = await db
            .selectFrom('participantKeys')
            .select('environment')
            .where('participantId', '=', id)
            .where('type', '=', 'jws-key')
            .execute();
          for (const env of ['sandbox', 'production']) {
            const n = jws.filter((k) => k.environment === env).length;
            if (n !== 1) {
              found.registry += Math.abs(n - 1);
              details.push(`${id}: ${n} JWS keys in ${env}`);
            }
          }
        }
        // The gateway admits its one production certificate, once, from its one allowlist entry.
        const production = conf.slice(conf.indexOf('# production:'));
        const pins = production.split('\n').filter((l) => l.trim().endsWith(`"${id}";`)).length;
        const locations = production.split('\n').filter((l) => l.includes(`location /@participant/${id}/`)).length;
        if (pins !== 1 || locations !== 1) {
          found.gateway += 1;
          details.push(`${id}: gateway production pins ${pins}, locations ${locations}`);
        }
      } else {
        const identifiers = await db
          .selectFrom('processingIdentifiers')
          .innerJoin('processingCounterparties', 'processingCounterparties.id', 'processingIdentifiers.counterpartyId')
          .select('identifier')
          .where('processingCounterparties.participantId', '=', id)
          .where('withdrawnAt', 'is', null)
          .execute();
        if (identifiers.length !== 2) {
          found.registry += 1;
          details.push(`${id}: ${identifiers.length} live identifiers (2 expected)`);
        }
      }
      // The workflow's own record: every instance once, every accepted submission accepted once.
      const status = await statusOf(stack, id);
      const ids = (status?.instances ?? []).map((i) => i.id);
      if (new Set(ids).size !== ids.length) {
        found.history += ids.length - new Set(ids).size;
        details.push(`${id}: repeated instances in the record`);
      }
    }
  } finally {
    await db.destroy();
  }
  return { ...found, details, mailResent: resent };
}

/** The campaign's table. */
export function formatReport(report: CampaignReport): string {
  const lines: string[] = [];
  const live = report.runs.filter((r) => r.live).length;
  lines.push(`runs ${report.runs.length}, reached live ${live} (${Math.round((100 * live) / Math.max(1, report.runs.length))}%)`);
  lines.push('| fault | runs | live | max stall (s) | stalls (s) |');
  lines.push('|---|---|---|---|---|');
  for (const kind of [...faultKinds, ...multiProcessFaultKinds]) {
    const of = report.runs.filter((r) => r.fault === kind);
    if (of.length === 0) continue;
    const stalls = of.map((r) => r.stallSeconds).filter((s): s is number => s !== null);
    lines.push(
      `| ${kind} | ${of.length} | ${of.filter((r) => r.live).length} | ${stalls.length ? Math.max(...stalls).toFixed(1) : '-'} | ${stalls.map((s) => s.toFixed(1)).join(', ')} |`,
    );
  }
  const held = report.runs.filter((r) => r.ledgerTaskSeconds !== undefined).map((r) => r.ledgerTaskSeconds!.toFixed(1));
  if (held.length > 0) lines.push(`ledger set-up under the ${ledgerStopSeconds} s pause took (s): ${held.join(', ')}`);
  lines.push(`5xx answered (not 503): ${report.answers5xx}; 503 + retry-after: ${report.answers503}`);
  for (const detail of report.details5xx) lines.push(`  ${detail}`);
  const d = report.duplicates;
  lines.push(`duplicates: mail ${d.mail}, registry ${d.registry}, ledger ${d.ledger}, gateway ${d.gateway}, history ${d.history}`);
  lines.push(`mail transmitted again under its own Message-ID (dropped by the receiver; not a duplicate): ${d.mailResent}`);
  for (const detail of d.details) lines.push(`  ${detail}`);
  for (const r of report.runs.filter((x) => x.error)) lines.push(`  ${r.participantId} (${r.fault}): ${r.error}`);
  lines.push(`stack start: ${report.stackStartSeconds.toFixed(1)} s`);
  return lines.join('\n');
}
