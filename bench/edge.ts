/**
 * `npm run bench:edge [-- --clients 50 --requests 40]`: what the edge's checks cost. The same signed
 * FSPIOP PUT goes, from `clients` concurrent clients over kept-alive mTLS connections, through
 * (a) plain nginx mTLS + allowlist pass-through to the echo upstream, and (b) the full edge — nginx
 * mTLS + allowlist, then the verifying hop (token by JWKS, FSPIOP-Source, FSPIOP-Signature with the
 * participant's key), then the same echo upstream. Both in this run, on the same machine; prints
 * p50/p99 latency and throughput of each, the added p50 and the throughput ratio.
 * Targets (issue 22): added p50 ≤ 2 ms, throughput ≥ 0.5× the pass-through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import { RegistryCredentialIssuer } from '../activities/credentials/credential-issuer';
import { openSecretPickups } from '../activities/credentials/secret-pickup';
import { ParticipantKeyDirectory } from '../activities/keys/participant-keys';
import { ensureEdgeKey } from '../activities/network/edge-key';
import { NetworkRegistry } from '../activities/network/network-registry';
import { NginxGateway } from '../activities/network/nginx-gateway';
import { embeddedOauthEndpoints } from '../worker/config';
import { freePort } from '../test/support/dev-server';
import { issueOauthClient } from '../test/support/edge';
import { eventually } from '../test/support/eventually';
import { startGatewayRig } from '../test/support/gateway';
import { startAuthServer, tokenRequest } from '../test/support/oauth';
import { OpenSsl } from '../test/support/openssl';
import { hubSignedClient, stopProcess } from '../test/support/step-probes';
import { arg, percentile } from './stats';
import { mojaloopJws, quietLogger, type MojaloopRequest } from '../test/support/mojaloop-jws';

const root = path.resolve(__dirname, '..');

interface Round {
  latenciesMs: number[];
  seconds: number;
  failures: number;
}

/** `clients` loops of `requests` sequential requests each, every client on its own kept-alive mTLS connection. */
async function load(
  port: number,
  creds: { cert: string; key: string; ca: string },
  clients: number,
  requests: number,
  headers: Record<string, string>,
  body: string,
): Promise<Round> {
  const latenciesMs: number[] = [];
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.2', ...creds });
      for (let i = 0; i < requests; i++) {
        const t0 = process.hrtime.bigint();
        const status = await new Promise<number>((resolve) => {
          const req = https.request(
            { host: '127.0.0.1', port, path: '/parties/MSISDN/221770000001', method: 'PUT', agent, headers },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', () => resolve(0));
          req.end(body);
        });
        latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status !== 200) failures++;
      }
      agent.destroy();
    }),
  );
  return { latenciesMs, seconds: Number(process.hrtime.bigint() - started) / 1e9, failures };
}

async function main(): Promise<void> {
  const clients = arg('clients', 50);
  const requests = arg('requests', 40);
  const rig = await startGatewayRig();
  const children: ChildProcess[] = [];
  try {
    const listen = `127.0.0.1:${await freePort()}`;
    const oauth = {
      listen,
      ...embeddedOauthEndpoints(listen),
      audience: 'https://hub.local/api',
      scopes: ['fspiop'],
      accessTokenTtlSeconds: 3600,
      rotationOverlapSeconds: 60,
    };
    children.push(await startAuthServer(rig.dataDir, oauth));
    const verifierListen = `127.0.0.1:${await freePort()}`;
    const edgeEcho = `127.0.0.1:${await freePort()}`;
    const output: string[] = [];
    const verifier = spawn(process.execPath, ['--import', 'tsx', 'edge/verifier/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: rig.dataDir,
        HUB_NAME: 'Test Hub',
        AUTH_SERVER_LISTEN: listen,
        AUTH_AUDIENCE: oauth.audience,
        EDGE_VERIFIER_LISTEN: verifierListen,
        GATEWAY_ECHO_LISTEN: edgeEcho,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(verifier);
    for (const stream of [verifier.stdout, verifier.stderr]) stream?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    // The hop announces itself at info; at warn it says nothing: wait for its port instead.
    await eventually(async () => {
      if (verifier.exitCode !== null) throw new Error(`edge verifier exited: ${output.join('')}`);
      return (
        (await fetch(`http://${verifierListen}/`)
          .then((r) => r.status)
          .catch(() => 0)) === 403 || undefined
      );
    }, 60_000);
    const edgePorts = { sandbox: await freePort(), production: await freePort() };
    const edge = new NginxGateway({
      ...rig.options,
      prefix: path.join(rig.dataDir, 'gateway-edge'),
      listen: { sandbox: `127.0.0.1:${edgePorts.sandbox}`, production: `127.0.0.1:${edgePorts.production}` },
      echoListen: edgeEcho,
      verifier: { listen: verifierListen, key: ensureEdgeKey(rig.dataDir) },
    });

    // One admitted DFSP: hub-issued certificate, allowlist, access granted, OAuth client, JWS key.
    const ssl = new OpenSsl();
    const participantId = 'dfsp-bench';
    const client = await hubSignedClient(ssl, rig.ca, rig.db, participantId, 'Bench Mobile Money');
    await rig.access.applyAllowlist({ participantId, environment: 'sandbox', entries: ['127.0.0.2'], writeKey: 'bench/allowlist' });
    await rig.access.grant(participantId, 'sandbox', 'bench/access', 'bench');
    await edge.apply(await new NetworkRegistry(rig.db).desiredState(new Date()), 'bench');
    const nginx = edge.start();
    children.push(nginx);
    await eventually(async () => ((await edge.serving()) !== null ? true : undefined));
    const pickups = openSecretPickups(rig.db, rig.dataDir);
    const { clientId, secret } = await issueOauthClient(new RegistryCredentialIssuer(rig.db, pickups), pickups, participantId, ['fspiop']);
    const token = (JSON.parse((await tokenRequest(oauth, rig.ca.chainPem(), clientId, secret, 'fspiop')).body) as { access_token: string })
      .access_token;
    const jws = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await new ParticipantKeyDirectory(rig.db).recordJwsKey(
      {
        participantId,
        environment: 'sandbox',
        kid: 'bench-1',
        spkiSha256: 'b'.repeat(64),
        publicKeyPem: jws.publicKey,
        notAfter: null,
        writeKey: 'bench/jws',
      },
      new Date(),
    );
    const request: MojaloopRequest = {
      method: 'PUT',
      url: 'https://hub.example/parties/MSISDN/221770000001',
      headers: { 'fspiop-source': participantId, 'content-type': 'application/vnd.interoperability.parties+json;version=1.1' } as Record<
        string,
        string
      >,
      body: { party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '221770000001', fspId: participantId } } },
    };
    new mojaloopJws.signer({ signingKey: jws.privateKey, logger: quietLogger }).sign(request);
    const headers = { ...request.headers, authorization: `Bearer ${token}` };
    const creds = { cert: client.cert, key: client.key, ca: rig.ca.chainPem() };

    // Warm both paths (connections, JIT, the JWKS fetch), then measure each once, pass-through first.
    await load(rig.ports.sandbox, creds, 5, 10, headers, String(request.body));
    await load(edgePorts.sandbox, creds, 5, 10, headers, String(request.body));
    const plain = await load(rig.ports.sandbox, creds, clients, requests, headers, String(request.body));
    const full = await load(edgePorts.sandbox, creds, clients, requests, headers, String(request.body));
    const line = (name: string, r: Round) =>
      `${name.padEnd(24)} p50 ${percentile(r.latenciesMs, 50).toFixed(2)} ms  p99 ${percentile(r.latenciesMs, 99).toFixed(2)} ms  ${(r.latenciesMs.length / r.seconds).toFixed(0)} req/s  failures ${r.failures}`;
    process.stdout.write(`edge bench: ${clients} clients x ${requests} requests, kept-alive mTLS, signed FSPIOP PUT\n`);
    process.stdout.write(`${line('nginx pass-through', plain)}\n${line('full edge', full)}\n`);
    const added = percentile(full.latenciesMs, 50) - percentile(plain.latenciesMs, 50);
    const ratio = full.latenciesMs.length / full.seconds / (plain.latenciesMs.length / plain.seconds);
    process.stdout.write(
      `added p50 ${added.toFixed(2)} ms (target ≤ 2 ms); throughput ${ratio.toFixed(2)}x the pass-through (target ≥ 0.5x)\n`,
    );
  } finally {
    for (const child of children.reverse()) await stopProcess(child, 'SIGTERM');
    await rig.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
