import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { checkConnectivity } from '../../../activities/network/connectivity-probe';
import { nonPublicRange, routeTo, type EgressConfig } from '../../../activities/network/egress';

const publicResolver = async () => ['93.184.216.34'];
const config = (overrides: Partial<EgressConfig> = {}): EgressConfig => ({ connectTo: {}, resolve: publicResolver, ...overrides });

describe("the hub's egress", () => {
  it('refuses loopback, private, link-local, CGNAT and embedded-IPv4 destinations in every notation, before any lookup', async () => {
    const hosts = [
      '127.0.0.1',
      '127.1',
      '2130706433',
      '0x7f000001',
      '0177.0.0.1',
      '[::1]',
      '[::127.0.0.1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[64:ff9b::7f00:1]',
      '[2002:7f00:1::]',
      '10.0.0.1',
      '192.168.1.10',
      '100.64.0.1',
      '169.254.169.254',
      '[fe80::1]',
      '0.0.0.0',
      'localhost',
      'localhost.',
      'LOCALHOST',
      'api.localhost',
      'metadata.google.internal',
      'metadata.google.internal.',
    ];
    let lookups = 0;
    const counting = config({ resolve: async () => (lookups++, ['93.184.216.34']) });
    for (const host of hosts) {
      const result = await routeTo(`https://${host}:8443/cb`, counting);
      expect({ host, route: result.route, code: result.finding.code, result: result.finding.result }).toEqual({
        host,
        route: null,
        code: 'EGRESS_DESTINATION',
        result: 'fail',
      });
    }
    expect(lookups).toBe(0);
  });

  it('refuses plain http and credentials, whatever the address', async () => {
    for (const url of [
      'http://93.184.216.34/cb',
      'http://api.dfsp.example/cb',
      'https://user:pw@api.dfsp.example/cb',
      'ftp://api.dfsp.example/',
    ]) {
      expect((await routeTo(url, config())).route).toBeNull();
    }
  });

  it('refuses a name any of whose addresses is not public, and one that does not resolve', async () => {
    const mixed = await routeTo('https://api.dfsp.example/cb', config({ resolve: async () => ['93.184.216.34', '10.1.2.3'] }));
    expect(mixed.route).toBeNull();
    expect(mixed.finding.message).toContain('10.1.2.3 (private)');
    const mapped = await routeTo('https://api.dfsp.example/cb', config({ resolve: async () => ['::ffff:169.254.169.254'] }));
    expect(mapped.route).toBeNull();
    const gone = await routeTo(
      'https://gone.dfsp.example/cb',
      config({ resolve: async () => Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' })) }),
    );
    expect(gone.finding.message).toContain('does not resolve (ENOTFOUND)');
  });

  it('routes a public name to the one address it checked, the name kept for TLS', async () => {
    const result = await routeTo('https://API.dfsp.example.:8443/cb', config());
    expect(result.route).toEqual({ host: 'api.dfsp.example', port: 8443, connect: { host: '93.184.216.34', port: 8443 }, via: 'dns' });
    expect(result.finding.result).toBe('pass');
  });

  it("takes an operator's OUTBOUND_CONNECT_TO target as configured (a VPN or loopback address), without a lookup", async () => {
    const result = await routeTo(
      'https://api.dfsp.example/cb',
      config({
        connectTo: { 'api.dfsp.example:443': { host: '127.0.0.1', port: 9443 } },
        resolve: async () => Promise.reject(new Error('not called')),
      }),
    );
    expect(result.route).toEqual({ host: 'api.dfsp.example', port: 443, connect: { host: '127.0.0.1', port: 9443 }, via: 'connect-to' });
  });

  it('names the range of an address, IPv4 carried in IPv6 judged as the IPv4 address', () => {
    expect(nonPublicRange('93.184.216.34')).toBeNull();
    expect(nonPublicRange('2606:2800:220:1:248:1893:25c8:1946')).toBeNull();
    expect(nonPublicRange('::ffff:10.0.0.1')).toBe('private');
    expect(nonPublicRange('::7f00:1')).toBe('ipv4Compatible loopback');
    expect(nonPublicRange('::5db8:d822')).toBe('ipv4Compatible unicast');
    expect(nonPublicRange('not an address')).toBe('invalid');
  });
});

describe('the connectivity proof through the egress', () => {
  let server: Server;
  let port: number;
  const connections: Socket[] = [];
  beforeAll(async () => {
    server = createServer((socket) => void connections.push(socket));
    port = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  });
  afterAll(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('never connects to a participant URL that names loopback in disguise, over http or https', async () => {
    const urls = [
      `https://127.1:${port}/cb`,
      `https://2130706433:${port}/cb`,
      `https://0x7f000001:${port}/cb`,
      `https://[::127.0.0.1]:${port}/cb`,
      `http://127.0.0.1:${port}/cb`,
    ];
    const report = await checkConnectivity(urls, {
      identity: { keyPem: '', certificatePem: '' },
      trust: { caPem: null, leafSha256: '' },
      timeoutMs: 500,
      route: (origin) => routeTo(origin, config(), origin.origin),
    });
    // The URL parser already spells 127.1, 2130706433 and 0x7f000001 as 127.0.0.1: one origin for the three.
    const origins = [...new Set(urls.map((u) => new URL(u).origin))];
    expect(origins).toHaveLength(3);
    expect(report.blocking).toBe(true);
    expect(report.targets.map((t) => `${t.origin} ${t.cause}`)).toEqual(origins.map((o) => `${o} egress-refused`));
    expect(report.findings.filter((f) => f.code === 'EGRESS_DESTINATION').map((f) => f.result)).toEqual(origins.map(() => 'fail'));
    expect(connections).toHaveLength(0);
  });
});
