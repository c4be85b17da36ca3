/**
 * The connectivity proof against real TLS servers on loopback, with certificates made by openssl:
 * the success path (mutual TLS, the hub's client certificate seen by the server) and each cause a
 * failure must name.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as netConnect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { checkConnectivity, ProbeOptions } from '../../../activities/network/connectivity-probe';
import { freePort } from '../../../scripts/dev-server';
import { caExt, clientExt, Issued, OpenSsl, serverExt } from '../../support/openssl';

const ssl = new OpenSsl();
let dfspRoot: Issued;
let otherRoot: Issued;
let server: Issued;
let hubClient: Issued;
let strangerClient: Issued;
const servers: (HttpServer | HttpsServer | TcpServer)[] = [];
const seenClients: string[] = [];
const sockets = new Set<Socket>();

const listen = (srv: HttpServer | HttpsServer | TcpServer) =>
  new Promise<number>((resolve) => {
    servers.push(srv);
    srv.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
  });

/** A DFSP callback server: mTLS, client certificates from `clientCa` only. */
const dfspServer = (clientCa: string) =>
  listen(
    createHttpsServer(
      { key: server.key, cert: server.cert + dfspRoot.cert, ca: clientCa, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        seenClients.push(peer.subject?.CN as string);
        res.writeHead(404).end('no such path');
      },
    ),
  );

let good: number;
let distrustful: number;
let silent: number;
let plain: number;
let alerting: number;
let nginxPort: number;
const children: ChildProcess[] = [];

/** Waits until something accepts TCP connections on the port. */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const up = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

beforeAll(async () => {
  dfspRoot = ssl.selfSigned('dfsp-root', 'rsa:2048', '/O=Alpha/CN=Alpha Root CA', caExt);
  otherRoot = ssl.selfSigned('other-root', 'rsa:2048', '/O=Other/CN=Other Root CA', caExt);
  server = ssl.signed('server', dfspRoot, { subject: '/O=Alpha/CN=api.alpha.example', ext: serverExt('DNS:api.alpha.example') });
  hubClient = ssl.signed('hub-client', dfspRoot, { subject: '/O=Test Hub/CN=Test Hub client (sandbox)', ext: clientExt });
  strangerClient = ssl.signed('stranger', otherRoot, { subject: '/O=Other/CN=stranger', ext: clientExt });
  good = await dfspServer(dfspRoot.cert);
  distrustful = await dfspServer(otherRoot.cert);
  // Accepts TCP and never speaks: a firewall that black-holes, a stuck server.
  silent = await listen(createTcpServer(() => undefined));
  plain = await listen(createHttpServer((_req, res) => res.writeHead(200).end('ok')));

  // openssl s_server verifies the client certificate inside the handshake and sends an alert.
  alerting = await freePort();
  children.push(
    spawn(
      'openssl',
      [
        's_server',
        '-accept',
        `127.0.0.1:${alerting}`,
        '-cert',
        server.certFile,
        '-key',
        server.keyFile,
        '-CAfile',
        otherRoot.certFile,
        '-Verify',
        '1',
        '-verify_return_error',
        '-www',
        '-quiet',
      ],
      { stdio: 'ignore' },
    ),
  );
  // nginx checks it after the handshake and answers 400.
  nginxPort = await freePort();
  const prefix = mkdtempSync(path.join(tmpdir(), 'dfsp-nginx-'));
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `pid ${prefix}/nginx.pid; error_log ${prefix}/error.log; events {} http { access_log off; client_body_temp_path ${prefix}; proxy_temp_path ${prefix}; fastcgi_temp_path ${prefix}; uwsgi_temp_path ${prefix}; scgi_temp_path ${prefix};
      server { listen 127.0.0.1:${nginxPort} ssl; ssl_certificate ${server.certFile}; ssl_certificate_key ${server.keyFile};
        ssl_client_certificate ${otherRoot.certFile}; ssl_verify_client on; location / { return 200 "ok"; } } }`,
  );
  children.push(spawn('/usr/sbin/nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' }));
  await Promise.all([listening(alerting), listening(nginxPort)]);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

const leafSha256 = () => new X509Certificate(server.cert).fingerprint256.replace(/:/g, '').toLowerCase();
const options = (overrides: Partial<ProbeOptions> = {}, port = good): ProbeOptions => ({
  identity: { keyPem: hubClient.key, certificatePem: hubClient.cert },
  trust: { caPem: dfspRoot.cert, leafSha256: leafSha256() },
  timeoutMs: 2000,
  connectTo: (host) => (host === 'api.alpha.example' || host === 'wrong.alpha.example' ? { host: '127.0.0.1', port } : null),
  ...overrides,
});
const probe = async (url: string, opts: ProbeOptions) => {
  const report = await checkConnectivity([url], opts);
  return { report, target: report.targets[0]! };
};

describe('connectivity proof', () => {
  it('reaches the callback origin over mutual TLS with the hub certificate, whatever the HTTP status', async () => {
    seenClients.length = 0;
    const report = await checkConnectivity(
      ['https://api.alpha.example/fspiop/parties/{{partyIdType}}/{{partyIdentifier}}', 'https://api.alpha.example/fspiop/transfers'],
      options(),
    );
    expect(report.blocking).toBe(false);
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]).toMatchObject({
      origin: 'https://api.alpha.example',
      ok: true,
      httpStatus: 404,
      protocol: 'TLSv1.3',
      presented: { sha256: leafSha256() },
    });
    expect(seenClients).toEqual(['Test Hub client (sandbox)']);
  });

  it('names the TLS alert of a server that verifies client certificates in the handshake (openssl s_server)', async () => {
    const { report, target } = await probe('https://api.alpha.example/', options({}, alerting));
    expect(report.blocking).toBe(true);
    expect(target).toMatchObject({ ok: false, cause: 'tls-alert', alert: 'unknown ca' });
    expect(report.findings.find((f) => f.code === 'CONNECTIVITY_MTLS')?.message).toMatch(
      /TLS alert "unknown ca": it did not accept the hub's client certificate/,
    );
  });

  it('names a server that hangs up right after the handshake (Node-style refusal of the client certificate)', async () => {
    const { target } = await probe('https://api.alpha.example/', options({}, distrustful));
    expect(target).toMatchObject({ ok: false, cause: 'closed-after-handshake' });
    expect(target.message).toMatch(/refused the hub's client certificate/);
    // The same server with a client certificate it does not trust, the other way round.
    const stranger = await probe(
      'https://api.alpha.example/',
      options({ identity: { keyPem: strangerClient.key, certificatePem: strangerClient.cert } }),
    );
    expect(stranger.target).toMatchObject({ ok: false, cause: 'closed-after-handshake' });
  });

  it("names nginx's 400 refusal of the client certificate", async () => {
    const { target } = await probe('https://api.alpha.example/', options({}, nginxPort));
    expect(target).toMatchObject({ ok: false, cause: 'client-certificate-refused', httpStatus: 400 });
    expect(target.message).toMatch(/The SSL certificate error/);
  });

  it('names a name mismatch when the server certificate does not cover the host', async () => {
    const { target } = await probe('https://wrong.alpha.example/', options());
    expect(target).toMatchObject({ ok: false, cause: 'name-mismatch', errorCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('names an unknown CA when the server chain does not end at the registered root', async () => {
    const { target } = await probe('https://api.alpha.example/', options({ trust: { caPem: otherRoot.cert, leafSha256: leafSha256() } }));
    expect(target).toMatchObject({ ok: false, cause: 'unknown-ca' });
  });

  it('names a certificate other than the registered one', async () => {
    const { report, target } = await probe(
      'https://api.alpha.example/',
      options({ trust: { caPem: dfspRoot.cert, leafSha256: 'ab'.repeat(32) } }),
    );
    expect(target).toMatchObject({ ok: false, cause: 'certificate-mismatch' });
    expect(report.findings.find((f) => f.code === 'CONNECTIVITY_SERVER_CERTIFICATE')?.result).toBe('fail');
  });

  it('names a timeout when the server never answers', async () => {
    const { target } = await probe('https://api.alpha.example/', options({ timeoutMs: 500 }, silent));
    expect(target).toMatchObject({ ok: false, cause: 'timeout' });
    expect(target.elapsedMs).toBeGreaterThanOrEqual(450);
  });

  it('names a refused connection when nothing listens', async () => {
    const { target } = await probe('https://api.alpha.example/', options({}, await freePort()));
    expect(target).toMatchObject({ ok: false, cause: 'refused', errorCode: 'ECONNREFUSED' });
  });

  it('takes plain http (sandbox) with a warning: there is no TLS to prove', async () => {
    const { report, target } = await probe(`http://127.0.0.1:${plain}/cb`, options());
    expect(target).toMatchObject({ ok: true, httpStatus: 200 });
    expect(report).toMatchObject({ verdict: 'warn', blocking: false });
  });

  it('fails with nothing to reach', async () => {
    const report = await checkConnectivity([], options());
    expect(report.blocking).toBe(true);
    expect(report.findings[0]).toMatchObject({ code: 'CONNECTIVITY_TARGETS', result: 'fail' });
  });
});
