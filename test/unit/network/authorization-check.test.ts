import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { checkAuthorizationService, type AuthorizationCheckInput } from '../../../activities/network/authorization-check';
import type { EgressConfig } from '../../../activities/network/egress';
import { caExt, OpenSsl, serverExt } from '../../support/openssl';

const ssl = new OpenSsl();
const root = ssl.selfSigned('auth-root', 'rsa:2048', '/CN=Bank Test Root', caExt);
const leaf = ssl.signed('auth-leaf', root, { subject: '/CN=auth.bank.test', ext: serverExt('DNS:auth.bank.test,IP:93.184.216.34') });
let server: Server;
let silent: TcpServer;
let port: number;
let silentPort: number;
const seen: string[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createHttpsServer({ key: leaf.key, cert: leaf.cert + root.cert }, (req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.writeHead(req.headers.authorization === 'Bearer good.jwt.value' ? 200 : 401).end();
  });
  port = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  silent = createTcpServer((socket) => void sockets.push(socket));
  silentPort = await new Promise((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as AddressInfo).port)));
});
afterAll(async () => {
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => silent.close(resolve));
});

const input = (overrides: Partial<AuthorizationCheckInput> = {}): AuthorizationCheckInput => ({
  url: 'https://auth.bank.test/check',
  environment: 'sandbox',
  jwt: 'good.jwt.value',
  kid: 'kid-1',
  caPem: root.cert,
  timeoutMs: 1500,
  egress: egressTo(port),
  ...overrides,
});
/** The bank's names reach the loopback test server only through OUTBOUND_CONNECT_TO entries, as an operator would map them. */
function egressTo(target: number): EgressConfig {
  const to = { host: '127.0.0.1', port: target };
  return {
    connectTo: { 'auth.bank.test:443': to, 'other.bank.test:443': to, '93.184.216.34:443': to },
    resolve: async () => ['93.184.216.34'],
  };
}
const codes = (r: { findings: { code: string; result: string }[] }) => r.findings.map((f) => `${f.code}:${f.result}`);

describe("the live check of a bank's authorization service", () => {
  it('passes when the service accepts the JWT, presented as a Bearer token over TLS', async () => {
    const report = await checkAuthorizationService(input());
    expect(report).toMatchObject({ verdict: 'pass', blocking: false, httpStatus: 200, cause: null, kid: 'kid-1' });
    expect(seen.at(-1)).toBe('Bearer good.jwt.value');
  });

  it('names a refused JWT (401) with the key id to install', async () => {
    const report = await checkAuthorizationService(input({ jwt: 'other.jwt.value' }));
    expect(report).toMatchObject({ blocking: true, httpStatus: 401, cause: 'jwt-refused' });
    expect(report.findings.find((f) => f.code === 'AUTHORIZATION_JWT_ACCEPTED')?.message).toContain('kid-1');
  });

  it('names TLS and connection failures: unknown CA, a name the certificate does not carry, a closed port, a server that never answers', async () => {
    const unknownCa = await checkAuthorizationService(input({ caPem: null }));
    expect(unknownCa.cause).toBe('unknown-ca');
    // No CA was sent: the message does not blame one, it says what to send.
    const reachable = unknownCa.findings.find((f) => f.code === 'AUTHORIZATION_REACHABLE')?.message ?? '';
    expect(reachable).not.toContain('you registered');
    expect(reachable).toContain('none was sent');
    expect((await checkAuthorizationService(input({ url: 'https://other.bank.test/check' }))).cause).toBe('name-mismatch');
    expect((await checkAuthorizationService(input({ egress: egressTo(1) }))).cause).toBe('refused');
    const hung = await checkAuthorizationService(input({ egress: egressTo(silentPort), timeoutMs: 300 }));
    expect(hung).toMatchObject({ cause: 'timeout', blocking: true });
    expect(codes(hung)).toContain('AUTHORIZATION_REACHABLE:fail');
  });

  it('checks an IP URL against the certificate as the URL names it, though it connects elsewhere', async () => {
    const report = await checkAuthorizationService(input({ url: 'https://93.184.216.34/check', environment: 'production' }));
    expect(report).toMatchObject({ httpStatus: 200, blocking: false });
  });

  it('refuses before connecting: http, credentials in the URL, and in production a private address', async () => {
    const before = seen.length;
    expect(codes(await checkAuthorizationService(input({ url: 'http://auth.bank.test/check' })))).toEqual(['ENDPOINT_HTTPS:fail']);
    expect(codes(await checkAuthorizationService(input({ url: 'https://user:pw@auth.bank.test/check' })))).toEqual(['ENDPOINT_HTTPS:fail']);
    const privateHost = await checkAuthorizationService(input({ url: 'https://10.1.2.3/check', environment: 'production' }));
    expect(codes(privateHost)).toEqual(['ENDPOINT_HTTPS:pass', 'EGRESS_DESTINATION:fail']);
    expect(seen.length).toBe(before);
  });
});
