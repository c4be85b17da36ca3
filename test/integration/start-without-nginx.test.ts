/**
 * A fresh machine without nginx: `npm start` (scripts/start.ts, as `npm start` runs it) says in one
 * line that the gateway is off and why, brings everything else up, serves the API, and stops
 * cleanly on SIGTERM. Its own dev server, ports and data folder (TEMPORAL_DEV_CONFIG), so it runs
 * beside the tests' server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { freePort } from '../support/dev-server';
import { eventually } from '../support/eventually';
import { startBody } from '../support/requests';

jest.setTimeout(240_000);

const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'start-no-nginx-'));
let child: ChildProcess | undefined;
const output: string[] = [];
let apiPort = 0;
let temporalAddress = '';
let dbFile = '';

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
});

it('prints one line naming nginx as missing and what is off, and stays up serving the API', async () => {
  const dev = YAML.parse(readFileSync(path.join(root, 'temporal-dev.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  const port = async () => freePort();
  const config = {
    ...dev,
    server: {
      ...dev.server,
      port: await port(),
      uiPort: await port(),
      metricsPort: await port(),
      dbFile: path.join(work, 'temporal.sqlite'),
    },
    ui: { codecEndpoint: `http://127.0.0.1:${(apiPort = await port())}/codec` },
    mailpit: { ...dev.mailpit, smtpPort: await port(), uiPort: await port(), dbFile: path.join(work, 'mail.db') },
  };
  const configFile = path.join(work, 'temporal-dev.yaml');
  writeFileSync(configFile, YAML.stringify(config));
  temporalAddress = `127.0.0.1:${config.server.port as number}`;
  dbFile = config.server.dbFile;
  const listen = async () => `127.0.0.1:${await port()}`;
  child = spawn(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_DEV_CONFIG: configFile,
      DATA_DIR: path.join(work, 'data'),
      NGINX_BINARY: path.join(work, 'no-such-nginx'),
      PORT: String(apiPort),
      GATEWAY_SANDBOX_LISTEN: await listen(),
      GATEWAY_PRODUCTION_LISTEN: await listen(),
      GATEWAY_ECHO_LISTEN: await listen(),
      AUTH_SERVER_LISTEN: await listen(),
      EDGE_VERIFIER_LISTEN: await listen(),
      EDGE_EGRESS_LISTEN: await listen(),
      WORKER_METRICS_ADDRESS: await listen(),
      TTK_ADMIN_LISTEN: 'off',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  const text = () => output.join('');
  await eventually(async () => (text().includes('[start] ready') || child?.exitCode !== null ? true : undefined), 200_000);
  // Still running (on failure, what it printed says why).
  expect({ exitCode: child.exitCode, output: child.exitCode === null ? '' : text() }).toEqual({ exitCode: null, output: '' });
  // One line says what is missing, which package brings it, and what is off.
  const lines = text()
    .split('\n')
    .filter((l) => l.includes('nginx is not installed'));
  expect(lines[0]).toMatch(
    /^\[start\] gateway off: nginx is not installed \(NGINX_BINARY=.*no-such-nginx; Debian: apt-get install nginx-light\) — no mTLS listeners/,
  );
  expect(text()).not.toMatch(/nginx refused the configuration|failed:/);
  // The rest of the stack serves: the API is ready (Temporal answers, a worker polls).
  const ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`);
  expect(ready.status).toBe(200);
  // Still up a moment later (no supervisor gave up on a missing gateway).
  await new Promise((r) => setTimeout(r, 2000));
  expect(child.exitCode).toBeNull();
});

it('keeps personal data out of the history at rest: ciphertext to the CLI and in the SQLite file, readable through the codec endpoint', async () => {
  const key = /export ONBOARDING_API_KEY=(\S+)/.exec(output.join(''))?.[1];
  expect(key).toBeDefined();
  const participant = { legalName: 'Restful Payments Ltd', country: 'GB', contactEmail: 'grace.hopper@restful.example' };
  const started = await fetch(`http://127.0.0.1:${apiPort}/onboardings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...startBody('rest-1'), participant }),
  });
  expect(started.status).toBe(201);
  const temporal = path.join(root, '.tools', 'bin', 'temporal');
  // Not execFileSync: npm start's output is piped to this process, which must keep reading it (a full pipe stalls the API).
  const show = async (...extra: string[]) =>
    (
      await run(temporal, ['workflow', 'show', '-w', 'onboarding-rest-1', '--address', temporalAddress, '--output', 'json', ...extra], {
        encoding: 'utf8',
        timeout: 60_000,
      })
    ).stdout;
  // The CLI's JSON carries each payload's data in base64: what the history says is those bytes.
  const payloadBytes = (json: string): string => {
    const parts: string[] = [];
    JSON.parse(json, (key, value: unknown) => {
      if (key === 'data' && typeof value === 'string') parts.push(Buffer.from(value, 'base64').toString('latin1'));
      return value;
    });
    return parts.join('\n');
  };
  const plain = await show();
  // Every payload the CLI prints is the codec's (its metadata base64 in the CLI's JSON).
  expect(plain).toContain(Buffer.from('binary/encrypted').toString('base64'));
  for (const secret of [participant.contactEmail, participant.legalName, 'Restful']) {
    expect([secret, plain.includes(secret) || payloadBytes(plain).includes(secret)]).toEqual([secret, false]);
  }
  // The server's SQLite file (and its write-ahead log) hold the same ciphertext.
  const bytes = Buffer.concat([dbFile, `${dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
  expect(bytes.length).toBeGreaterThan(0);
  for (const secret of [participant.contactEmail, participant.legalName]) expect([secret, bytes.includes(secret)]).toEqual([secret, false]);
  // Through the codec endpoint (the UI's own viewer key from npm start), the CLI reads the input.
  const uiKey = readFileSync(path.join(work, 'data', 'ui-codec.key'), 'utf8').trim();
  const probe = await fetch(`http://127.0.0.1:${apiPort}/codec/k/${uiKey}/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': '' },
    body: JSON.stringify({ payloads: [] }),
  });
  expect([probe.status, await probe.text()]).toEqual([200, '{"payloads":[]}']);
  const decoded = await show('--codec-endpoint', `http://127.0.0.1:${apiPort}/codec/k/${uiKey}`);
  expect(payloadBytes(decoded)).toContain(participant.contactEmail);
  // Without a valid credential the endpoint decodes nothing.
  await expect(show('--codec-endpoint', `http://127.0.0.1:${apiPort}/codec/k/obk_nobody`)).rejects.toThrow();
});

it('stops cleanly on SIGTERM', async () => {
  if (!child) throw new Error('npm start did not run');
  const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
