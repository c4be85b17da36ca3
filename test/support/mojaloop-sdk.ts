/**
 * Mojaloop's sdk-scheme-adapter (the pinned one under .tools/) as a DFSP runs it: from the folder of
 * its connection pack (the SDK reads `.env` there), with the DFSP's own systems — ports, Redis,
 * its core backend — given in the environment. And a small core backend for the payee side
 * (party lookup, quote, transfer), as a DFSP's own system would answer them.
 */
import { stopChild } from '../../scripts/dev-server';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eventually } from './eventually';

const sdkPackage = path.resolve(__dirname, '..', '..', '.tools', 'sdk-scheme-adapter', 'node_modules', '@mojaloop', 'sdk-scheme-adapter');

export function sdkInstalled(): boolean {
  return existsSync(path.join(sdkPackage, 'src', 'index.js'));
}

export interface SdkPorts {
  inbound: number;
  outbound: number;
  test: number;
  metrics: number;
}

export interface RunningSdk {
  ports: SdkPorts;
  output: string[];
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the SDK in `packDir`; ready when its outbound API answers. */
export async function startSdk(
  packDir: string,
  local: { ports: SdkPorts; cacheUrl: string; backend: string; overrides?: Record<string, string> },
): Promise<RunningSdk> {
  const output: string[] = [];
  const child = spawn(process.execPath, [path.join(sdkPackage, 'src', 'index.js')], {
    cwd: packDir,
    // Only the DFSP's own systems come from the environment; everything else is the pack's .env.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      INBOUND_LISTEN_PORT: String(local.ports.inbound),
      OUTBOUND_LISTEN_PORT: String(local.ports.outbound),
      TEST_LISTEN_PORT: String(local.ports.test),
      METRICS_SERVER_LISTEN_PORT: String(local.ports.metrics),
      CACHE_URL: local.cacheUrl,
      BACKEND_ENDPOINT: local.backend,
      LOG_LEVEL: 'info',
      // A bench's baseline only (the SDK pointed somewhere else than the pack says).
      ...(local.overrides ?? {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`sdk-scheme-adapter exited ${child.exitCode}: ${output.join('').slice(-3000)}`);
    const answered = await fetch(`http://127.0.0.1:${local.ports.outbound}/`).then(
      () => true,
      () => false,
    );
    return answered ? true : undefined;
  }, 60_000);
  return {
    ports: local.ports,
    output,
    child,
    stop: () => stopChild(child, 5000),
  };
}

/** What the payee's core backend saw. */
export interface BackendLog {
  method: string;
  url: string;
  body: unknown;
}

/**
 * A DFSP's core backend (sdk-scheme-adapter's backend API): one named party; every quote at no fee;
 * every transfer committed. `quoteDelayMs`: how long it thinks over a quote (a test's slow backend).
 */
export async function startCoreBackend(party: { idType: string; idValue: string; firstName: string; lastName: string }) {
  const seen: BackendLog[] = [];
  const settings = { quoteDelayMs: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', async () => {
      const body = raw === '' ? null : (JSON.parse(raw) as Record<string, string>);
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === `/parties/${party.idType}/${party.idValue}`) {
        return res.end(JSON.stringify({ ...party, displayName: `${party.firstName} ${party.lastName}`, dateOfBirth: '1990-01-01' }));
      }
      if (req.method === 'POST' && req.url === '/quoterequests' && body) {
        await new Promise((resolve) => setTimeout(resolve, settings.quoteDelayMs));
        const fee = { payeeFspFeeAmount: '0', payeeFspFeeAmountCurrency: body.currency, payeeFspCommissionAmount: '0' };
        return res.end(
          JSON.stringify({
            quoteId: body.quoteId,
            transactionId: body.transactionId,
            transferAmount: body.amount,
            transferAmountCurrency: body.currency,
            payeeReceiveAmount: body.amount,
            payeeReceiveAmountCurrency: body.currency,
            ...fee,
            payeeFspCommissionAmountCurrency: body.currency,
          }),
        );
      }
      if (req.method === 'POST' && req.url === '/transfers' && body) {
        return res.end(JSON.stringify({ homeTransactionId: `core-${body.transferId}`, transferState: 'COMMITTED' }));
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ statusCode: '3204', message: 'party not found' }));
    });
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  return { port, seen, settings, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A Redis of the test's own (the SDK keeps its state in it). */
export async function startRedis(port: number): Promise<ChildProcess> {
  const binary = ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p));
  if (binary === undefined) throw new Error('redis-server is not installed (npm run peers:install says how)');
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await eventually(async () => {
    const net = await import('node:net');
    return new Promise<true | undefined>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(undefined));
    });
  }, 20_000);
  return child;
}
