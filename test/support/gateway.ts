/**
 * A real nginx gateway for tests: hub CA, registry database and gateway under a temporary
 * DATA_DIR, nginx started in the foreground on free loopback ports, and an HTTPS client that
 * calls it from a chosen local address with a chosen client certificate.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NetworkAccessService } from '../../activities/network/access';
import { NginxGateway, NginxGatewayOptions } from '../../activities/network/nginx-gateway';
import { CsrSigningService } from '../../activities/pki/csr-signing';
import { ensureServiceCertificate } from '../../activities/pki/hub-service-certificate';
import { LocalHubCa } from '../../activities/pki/local-hub-ca';
import { openRegistry, RegistryDb, registryFile } from '../../activities/registry/database';
import { DatabaseIssuedCertificateRegistry } from '../../activities/pki/issued-certificates';
import { NetworkRegistry } from '../../activities/network/network-registry';
import { freePort } from './dev-server';
import { eventually } from './eventually';
import { stopProcess } from './step-probes';

export interface GatewayRig {
  dataDir: string;
  db: RegistryDb;
  ca: LocalHubCa;
  signing: CsrSigningService;
  gateway: NginxGateway;
  /** What the gateway was built with: a test may build a variant of it. */
  options: NginxGatewayOptions;
  access: NetworkAccessService;
  ports: { sandbox: number; production: number; echo: number };
  stop(): Promise<void>;
}

export async function startGatewayRig(dataDir = mkdtempSync(path.join(tmpdir(), 'gateway-'))): Promise<GatewayRig> {
  const db = await openRegistry(registryFile(dataDir));
  const ca = await LocalHubCa.openEmbedded({ dir: path.join(dataDir, 'pki', 'ca'), hubName: 'Test Hub' });
  const signing = new CsrSigningService(ca, new DatabaseIssuedCertificateRegistry(db), { validityDays: { sandbox: 90, production: 365 } });
  const ports = { sandbox: await freePort(), production: await freePort(), echo: await freePort() };
  const tls = await ensureServiceCertificate(ca, path.join(dataDir, 'gateway', 'tls'), 'gateway', ['localhost', '127.0.0.1']);
  const options: NginxGatewayOptions = {
    prefix: path.join(dataDir, 'gateway'),
    binary: process.env.NGINX_BINARY ?? '/usr/sbin/nginx',
    listen: { sandbox: `127.0.0.1:${ports.sandbox}`, production: `127.0.0.1:${ports.production}` },
    echoListen: `127.0.0.1:${ports.echo}`,
    upstream: { sandbox: null, production: null },
    tls,
  };
  const gateway = new NginxGateway(options);
  const registry = new NetworkRegistry(db);
  const access = new NetworkAccessService(registry, gateway);
  // The first revision: whatever the registry holds (nothing), then nginx in the foreground on it.
  await gateway.prepare(await registry.desiredState(new Date()), 'start');
  const nginx: ChildProcess = gateway.start();
  await eventually(async () => ((await gateway.serving()) !== null ? true : undefined));
  return {
    dataDir,
    db,
    ca,
    signing,
    gateway,
    options,
    access,
    ports,
    async stop() {
      await stopProcess(nginx, 'SIGQUIT');
      await db.destroy();
    },
  };
}

export interface CallOptions {
  port: number;
  /** The local address the call comes from (127.0.0.2, 127.0.0.3, …). */
  from: string;
  cert?: string;
  key?: string;
  ca: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** An HTTPS request through the gateway (GET unless told): the status and body, or the TLS error that refused it. */
export function callGateway(opts: CallOptions): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: opts.port,
        path: opts.path ?? '/accounts',
        method: opts.method ?? 'GET',
        ...(opts.headers ? { headers: opts.headers } : {}),
        localAddress: opts.from,
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(opts.body);
  });
}
