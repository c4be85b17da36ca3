import { checkEndpoints } from '../../../activities/network/endpoint-checks';
import { requiredCallbackTypes } from '../../../workflows/messages';

const all = (base: string) => Object.fromEntries(requiredCallbackTypes.map((t) => [t, `${base}/${t.toLowerCase()}`]));
/** The distinct failing codes (a rule fails once per offending URL). */
const failing = (report: { findings: { code: string; result: string }[] }) => [
  ...new Set(report.findings.filter((f) => f.result === 'fail').map((f) => f.code)),
];
const resolveTo = (addresses: string[]) => async () => addresses;

describe('callback endpoint checks', () => {
  it('accepts https callbacks on a public host named by the server certificate, placeholders included', async () => {
    const report = await checkEndpoints({
      callbacks: {
        ...all('https://api.dfsp.example/fspiop'),
        FSPIOP_CALLBACK_URL_PARTIES_GET: 'https://api.dfsp.example/parties/{{partyIdType}}/{{partyIdentifier}}',
      },
      environment: 'production',
      serverCertificateHosts: ['*.dfsp.example'],
      resolve: resolveTo(['93.184.216.34']),
    });
    expect(report.blocking).toBe(false);
    expect(report.endpoints).toHaveLength(requiredCallbackTypes.length);
    expect(report.hosts).toEqual(['api.dfsp.example']);
  });

  it('stores each URL normalised (scheme and host lower case, no default port or trailing dot), placeholders kept', async () => {
    const report = await checkEndpoints({
      callbacks: {
        ...all('https://api.dfsp.example/fspiop'),
        FSPIOP_CALLBACK_URL_PARTIES_GET: ' HTTPS://API.Dfsp.Example.:443/parties/{{partyIdType}}/{{partyIdentifier}}',
        FSPIOP_CALLBACK_URL_QUOTES: 'https://api.dfsp.example:8443/Quotes',
      },
      environment: 'sandbox',
      serverCertificateHosts: ['api.dfsp.example'],
    });
    expect(report.blocking).toBe(false);
    const value = (type: string) => report.endpoints.find((e) => e.type === type)?.value;
    expect(value('FSPIOP_CALLBACK_URL_PARTIES_GET')).toBe('https://api.dfsp.example/parties/{{partyIdType}}/{{partyIdentifier}}');
    expect(value('FSPIOP_CALLBACK_URL_QUOTES')).toBe('https://api.dfsp.example:8443/Quotes');
    expect(report.hosts).toEqual(['api.dfsp.example']);
  });

  it("accepts central-ledger 19's FX callback types (an FXP's quotes and transfers)", async () => {
    const fx = {
      FSPIOP_CALLBACK_URL_FX_QUOTES: 'https://api.dfsp.example/fspiop',
      FSPIOP_CALLBACK_URL_FX_TRANSFER_POST: 'https://api.dfsp.example/fspiop/fxTransfers',
      FSPIOP_CALLBACK_URL_FX_TRANSFER_PUT: 'https://api.dfsp.example/fspiop/fxTransfers/{{commitRequestId}}',
      FSPIOP_CALLBACK_URL_FX_TRANSFER_ERROR: 'https://api.dfsp.example/fspiop/fxTransfers/{{commitRequestId}}/error',
    };
    const report = await checkEndpoints({
      callbacks: { ...all('https://api.dfsp.example/fspiop'), ...fx },
      environment: 'sandbox',
      serverCertificateHosts: ['api.dfsp.example'],
    });
    expect(failing(report)).toEqual([]);
    expect(report.endpoints.map((e) => e.type)).toEqual(expect.arrayContaining(Object.keys(fx)));
  });

  it('names the missing required types', async () => {
    const rest = all('https://api.dfsp.example');
    delete rest.FSPIOP_CALLBACK_URL_QUOTES;
    const report = await checkEndpoints({ callbacks: rest, environment: 'sandbox', serverCertificateHosts: ['api.dfsp.example'] });
    expect(failing(report)).toEqual(['ENDPOINTS_REQUIRED_PRESENT']);
    expect(report.findings[0]?.detail).toMatchObject({ missing: ['FSPIOP_CALLBACK_URL_QUOTES'] });
  });

  it('refuses in production what would make the hub call inside its own network (SSRF)', async () => {
    for (const [url, resolved] of [
      ['https://169.254.169.254/latest', []],
      ['https://10.1.2.3/cb', []],
      ['https://[::1]/cb', []],
      ['https://localhost/cb', []],
      ['https://metadata.google.internal/cb', []],
      ['https://sneaky.dfsp.example/cb', ['127.0.0.1']],
    ] as const) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
      const report = await checkEndpoints({
        callbacks: all(url),
        environment: 'production',
        serverCertificateHosts: [host],
        resolve: resolveTo([...resolved]),
      });
      expect({ url, fails: failing(report) }).toEqual({ url, fails: ['ENDPOINT_HOST_PUBLIC'] });
    }
  });

  it('allows loopback in sandbox with a warning, and refuses http in both environments', async () => {
    const sandbox = await checkEndpoints({
      callbacks: all('https://127.0.0.1:4000'),
      environment: 'sandbox',
      serverCertificateHosts: ['127.0.0.1'],
    });
    expect(sandbox.blocking).toBe(false);
    expect([...new Set(sandbox.findings.filter((f) => f.result === 'warn').map((f) => f.code))].sort()).toEqual(['ENDPOINT_HOST_PUBLIC']);
    const plain = await checkEndpoints({
      callbacks: all('http://127.0.0.1:4000'),
      environment: 'sandbox',
      serverCertificateHosts: ['127.0.0.1'],
    });
    expect(failing(plain)).toContain('ENDPOINT_HTTPS');
    const production = await checkEndpoints({
      callbacks: all('http://api.dfsp.example'),
      environment: 'production',
      serverCertificateHosts: ['api.dfsp.example'],
      resolve: resolveTo(['93.184.216.34']),
    });
    expect(failing(production)).toContain('ENDPOINT_HTTPS');
  });

  it('refuses credentials, fragments, queries and other schemes', async () => {
    for (const url of [
      'https://user:pw@api.dfsp.example/cb',
      'https://api.dfsp.example/cb#x',
      'https://api.dfsp.example/cb?a=1',
      'ftp://api.dfsp.example/cb',
      'not a url',
    ]) {
      const report = await checkEndpoints({ callbacks: all(url), environment: 'sandbox', serverCertificateHosts: ['api.dfsp.example'] });
      expect({ url, fails: failing(report) }).toEqual({ url, fails: ['ENDPOINT_URL_VALID'] });
    }
  });

  it('asks for the server certificate first, and refuses a host it does not name', async () => {
    const before = await checkEndpoints({
      callbacks: all('https://api.dfsp.example'),
      environment: 'sandbox',
      serverCertificateHosts: null,
    });
    expect(failing(before)).toEqual(['ENDPOINT_HOST_COVERED']);
    const other = await checkEndpoints({
      callbacks: all('https://api.other.example'),
      environment: 'sandbox',
      serverCertificateHosts: ['api.dfsp.example'],
    });
    expect(failing(other)).toEqual(['ENDPOINT_HOST_COVERED']);
  });
});
