import path from 'node:path';
import pino from 'pino';
import { testKeys } from '../support/auth';
import { buildApp } from '../../api/app';
import type { OnboardingPort } from '../../api/onboarding-gateway';
import { LocalHubCa } from '../../activities/pki/local-hub-ca';
import { clientExt, Issued, OpenSsl } from '../support/openssl';

const keys = testKeys();

const unusedGateway: OnboardingPort = {
  start: async () => Promise.reject(new Error('not used')),
  status: async () => Promise.reject(new Error('not used')),
  decide: async () => Promise.reject(new Error('not used')),
  submit: async () => Promise.reject(new Error('not used')),
  search: async () => Promise.reject(new Error('not used')),
  stuck: async () => Promise.reject(new Error('not used')),
  cancel: async () => Promise.reject(new Error('not used')),
  halt: async () => Promise.reject(new Error('not used')),
  openRound: async () => Promise.reject(new Error('not used')),
  ping: async () => undefined,
};

let ssl: OpenSsl;
let ca: LocalHubCa;
let root: Issued;
let leaf: Issued;

const participant = { participantId: 'acme-pay', legalName: 'Acme Pay Ltd', country: 'GB', hosts: ['api.acme.example'] };

function app(caChainPem: () => Promise<string | null> = async () => ca.chainPem()) {
  return buildApp({ gateway: unusedGateway, authenticator: keys.authenticator, logger: pino({ level: 'silent' }), caChainPem });
}

beforeAll(async () => {
  ssl = new OpenSsl();
  ca = await LocalHubCa.openEmbedded({ dir: path.join(ssl.dir, 'ca'), hubName: 'Test Hub' });
  root = ssl.selfSigned('root', 'rsa:2048', '/O=Acme Pay Ltd/CN=Acme Root');
  leaf = ssl.signed('leaf', root, { subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay', ext: clientExt });
});

describe('GET /pki/ca', () => {
  it('serves the hub chain as PEM, issuing CA then root, which openssl verifies', async () => {
    const res = await app().inject({ url: '/pki/ca', headers: keys.as('participant-x', 'participant:acme-pay') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-pem-file');
    const blocks = res.body.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(blocks).toHaveLength(2);
    const [issuing, rootPem] = res.body.split(/(?<=-----END CERTIFICATE-----\n)/);
    const out = ssl.verify(
      ssl.write('served-root.pem', rootPem!),
      ssl.write('served-root2.pem', rootPem!),
      ssl.write('served-issuing.pem', issuing!),
    );
    expect(out.ok).toBe(true);
  });

  it('answers 503 ca-unavailable while no CA exists', async () => {
    const res = await app(async () => null).inject({ url: '/pki/ca', headers: keys.as('participant-x', 'participant:acme-pay') });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('CA_UNAVAILABLE');
  });
});

describe('POST /pki/checks/certificates', () => {
  it('returns the report for a bundle', async () => {
    const res = await app().inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/pki/checks/certificates',
      payload: { pem: leaf.cert + root.cert, kind: 'tpp', environment: 'sandbox', role: 'tls-client', participant },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ verdict: 'pass', blocking: false, leaf: { subject: 'C=GB, O=Acme Pay Ltd, CN=acme-pay' } });
  });

  it('judges garbage with a failing report, not an error', async () => {
    const res = await app().inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/pki/checks/certificates',
      payload: {
        pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        kind: 'dfsp',
        environment: 'production',
        role: 'tls-server',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ verdict: 'fail', blocking: true });
  });

  it('answers 413 for a 10 MB body and 400 naming a malformed participant field', async () => {
    const huge = await app().inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/pki/checks/certificates',
      payload: { pem: 'A'.repeat(10 * 1024 * 1024), kind: 'tpp', environment: 'sandbox', role: 'tls-client' },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe('PAYLOAD_TOO_LARGE');
    const bad = await app().inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/pki/checks/certificates',
      payload: {
        pem: leaf.cert,
        kind: 'tpp',
        environment: 'sandbox',
        role: 'tls-client',
        participant: { ...participant, hosts: ['not a host'] },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()['invalid-params']).toEqual([expect.objectContaining({ name: 'body.participant.hosts.0' })]);
  });
});

describe('POST /pki/checks/csrs', () => {
  it('returns the CSR report, naming the failing rules', async () => {
    const csr = ssl.csr('weak.csr', ssl.key('weak.key', 'rsa:1024'), '/C=GB/O=Acme Pay Ltd/CN=acme-pay');
    const res = await app().inject({
      headers: keys.staff(),
      method: 'POST',
      url: '/pki/checks/csrs',
      payload: { pem: csr, kind: 'tpp', environment: 'production', role: 'tls-client', participant },
    });
    expect(res.statusCode).toBe(200);
    const failing = (res.json().findings as { code: string; result: string }[]).filter((f) => f.result === 'fail').map((f) => f.code);
    expect(failing).toEqual(['KEY_SIZE_MIN']);
  });
});
