/**
 * The egress's routing (callbackTarget: the FSPIOP resource picks the DFSP's endpoint type, the path
 * fills central-ledger's placeholders) and its refusals, each with Mojaloop's error body: a DFSP
 * without access, one without a proven route, a resource that is not a callback, an address the
 * egress rule refuses. The mTLS delivery itself runs in mojaloop-interop.test.ts against the real SDK.
 */
import pino from 'pino';
import { callbackTarget, type CallbackRoute } from '../../../activities/network/callback-routes';
import { egressConfig } from '../../../activities/network/egress';
import { buildEgress } from '../../../edge/egress/app';
import { dfspCallbacks } from '../../support/dfsp';

const route: CallbackRoute = {
  participantId: 'dfsp-beta',
  environment: 'sandbox',
  endpoints: Object.entries(dfspCallbacks('api.beta.example')).map(([type, value]) => ({ type, value })),
  serverCaPem: null,
  provenAt: '2026-12-02T00:00:00.000Z',
};

describe('callbackTarget', () => {
  it.each([
    [
      'GET',
      '/parties/MSISDN/221770000002',
      'https://api.beta.example/fspiop/parties/MSISDN/221770000002',
      'FSPIOP_CALLBACK_URL_PARTIES_GET',
    ],
    [
      'PUT',
      '/parties/MSISDN/221770000002',
      'https://api.beta.example/fspiop/parties/MSISDN/221770000002',
      'FSPIOP_CALLBACK_URL_PARTIES_PUT',
    ],
    [
      'PUT',
      '/parties/MSISDN/221770000002/error',
      'https://api.beta.example/fspiop/parties/MSISDN/221770000002/error',
      'FSPIOP_CALLBACK_URL_PARTIES_PUT_ERROR',
    ],
    ['POST', '/quotes', 'https://api.beta.example/fspiop/quotes', 'FSPIOP_CALLBACK_URL_QUOTES'],
    ['PUT', '/quotes/q-1', 'https://api.beta.example/fspiop/quotes/q-1', 'FSPIOP_CALLBACK_URL_QUOTES'],
    ['POST', '/transfers', 'https://api.beta.example/fspiop/transfers', 'FSPIOP_CALLBACK_URL_TRANSFER_POST'],
    ['PUT', '/transfers/t-1', 'https://api.beta.example/fspiop/transfers/t-1', 'FSPIOP_CALLBACK_URL_TRANSFER_PUT'],
    ['PUT', '/transfers/t-1/error', 'https://api.beta.example/fspiop/transfers/t-1/error', 'FSPIOP_CALLBACK_URL_TRANSFER_ERROR'],
  ])('%s %s goes to the endpoint its resource uses', (method, path, url, type) => {
    expect(callbackTarget(route, method, path)).toEqual({ url, type });
  });

  it('keeps the query and re-encodes path values into the template', () => {
    expect(callbackTarget(route, 'GET', '/parties/MSISDN/22177%2F1?currency=XOF')).toEqual({
      url: 'https://api.beta.example/fspiop/parties/MSISDN/22177%2F1?currency=XOF',
      type: 'FSPIOP_CALLBACK_URL_PARTIES_GET',
    });
  });

  it('refuses what is not a callback, and a callback the DFSP registered no endpoint for', () => {
    expect(callbackTarget(route, 'DELETE', '/parties/MSISDN/1')).toMatchObject({
      url: null,
      reason: expect.stringContaining('not an FSPIOP callback'),
    });
    expect(callbackTarget(route, 'GET', '/admin/participants')).toMatchObject({ url: null });
    expect(callbackTarget(route, 'GET', '/parties/MSISDN/1/sub')).toMatchObject({
      url: null,
      reason: 'dfsp-beta registered no FSPIOP_CALLBACK_URL_PARTIES_SUB_ID_GET endpoint',
    });
  });
});

describe('the egress refuses, in Mojaloop’s terms', () => {
  const identity = { keyPem: 'unused', certificatePem: 'unused', spkiSha256: 'x' };
  const egress = (overrides: { granted?: boolean; route?: CallbackRoute | null }) =>
    buildEgress({
      logger: pino({ level: 'silent' }),
      granted: async () => overrides.granted ?? true,
      route: async () => (overrides.route === undefined ? route : overrides.route),
      identity: async () => identity,
      // No connect-to: api.beta.example resolves (here: to loopback), which the egress rule refuses.
      egress: egressConfig({}, async () => ['127.0.0.1']),
      timeoutMs: 1000,
    });
  const call = (app: ReturnType<typeof egress>, url: string, method: 'GET' | 'PUT' = 'GET') =>
    app.inject({ method, url, headers: { 'fspiop-source': 'dfsp-alpha' } });
  const code = (res: { json(): unknown }) => (res.json() as { errorInformation: { errorCode: string } }).errorInformation.errorCode;

  it('a DFSP without access gets nothing (3201), even with a route', async () => {
    const res = await call(egress({ granted: false }), '/sandbox/dfsp-beta/parties/MSISDN/1');
    expect([res.statusCode, code(res)]).toEqual([403, '3201']);
  });

  it('a DFSP that proved no endpoint yet: 3201; a path that is not a callback: 3002; not an environment: 3002', async () => {
    const none = await call(egress({ route: null }), '/sandbox/dfsp-beta/parties/MSISDN/1');
    expect([none.statusCode, code(none)]).toEqual([404, '3201']);
    const admin = await call(egress({}), '/sandbox/dfsp-beta/participants/x', 'PUT');
    expect([admin.statusCode, code(admin)]).toEqual([404, '3002']);
    const env = await call(egress({}), '/staging/dfsp-beta/parties/MSISDN/1');
    expect([env.statusCode, code(env)]).toEqual([404, '3002']);
  });

  it('an endpoint whose host resolves to a non-public address is refused by the egress rule (3201), with no connection', async () => {
    const res = await call(egress({}), '/sandbox/dfsp-beta/parties/MSISDN/1');
    expect([res.statusCode, code(res)]).toEqual([403, '3201']);
    expect((res.json() as { errorInformation: { errorDescription: string } }).errorInformation.errorDescription).toMatch(/non-public/);
  });
});
