/**
 * The reader corpus: every shape of certificate and CSR the PKI rules judge, made by the openssl
 * CLI (a tool no one here wrote) and by the hub CA. `test/scripts/record-reader-facts.ts` stores
 * it, with the facts the reader of the day read from it, in test/fixtures/pki/reader-facts.json.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CsrSigningService } from '../../activities/pki/csr-signing';
import { MemoryIssuedCertificateRegistry } from '../../activities/pki/issued-registry';
import { LocalHubCa } from '../../activities/pki/local-hub-ca';
import { scanPem } from '../../activities/pki/pem';
import type { CertificateView, CsrView } from '../../activities/pki/x509-model';
import { caExt, clientExt, OpenSsl, serverExt } from './openssl';

export interface CorpusEntry {
  name: string;
  type: 'certificate' | 'csr';
  der: Uint8Array;
}

const der = (pem: string) => scanPem(pem).blocks[0]!.der;

export async function buildReaderCorpus(): Promise<CorpusEntry[]> {
  const ssl = new OpenSsl();
  const out: CorpusEntry[] = [];
  const cert = (name: string, pem: string) => out.push({ name, type: 'certificate', der: der(pem) });
  const csr = (name: string, pem: string) => out.push({ name, type: 'csr', der: der(pem) });

  const root = ssl.selfSigned('root', 'rsa:4096', '/C=GB/O=Acme Root Ltd/CN=Acme Root');
  cert('RSA-4096 self-signed root', root.cert);
  const intermediate = ssl.signed('intermediate', root, {
    subject: '/O=Acme Root Ltd/CN=Acme Issuing',
    ext: ['basicConstraints=critical,CA:TRUE,pathlen:0', ...caExt.slice(1)],
  });
  cert('intermediate with pathLen 0, SKI, AKI', intermediate.cert);
  cert('client leaf RSA-2048', ssl.signed('client', intermediate, { subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay', ext: clientExt }).cert);
  cert(
    'server leaf with DNS and IP SANs',
    ssl.signed('server', intermediate, {
      subject: '/C=GB/O=Acme Pay Ltd/CN=api.acme.example',
      ext: serverExt('DNS:api.acme.example,DNS:*.acme.example,IP:10.1.2.3,IP:2001:db8::7'),
    }).cert,
  );
  cert(
    'EC P-256 leaf',
    ssl.signed('ec256', intermediate, { keySpec: 'ec:P-256', subject: '/C=GB/O=Acme Pay Ltd/CN=acme-ec', ext: clientExt }).cert,
  );
  cert('EC P-384 self-signed', ssl.selfSigned('ec384', 'ec:P-384', '/O=Acme/CN=ec384').cert);
  cert('RSA-1024 self-signed', ssl.selfSigned('rsa1024', 'rsa:1024', '/O=Acme/CN=weak').cert);
  cert('SHA-1 signed', ssl.signed('sha1', intermediate, { subject: '/O=Acme/CN=old', ext: clientExt, digest: 'sha1' }).cert);
  cert('UTF-8 subject', ssl.signed('utf8', intermediate, { subject: '/C=DE/O=Zahlungsdienst München GmbH/CN=zahl', ext: clientExt }).cert);
  cert(
    'expired, UTCTime',
    ssl.signedWithDates('expired', root, '/O=Acme/CN=expired', '20200101000000Z', '20210101000000Z', clientExt).cert,
  );
  cert(
    'until 2051, GeneralizedTime',
    ssl.signedWithDates('far', root, '/O=Acme/CN=far', '20250101000000Z', '20510101000000Z', clientExt).cert,
  );
  cert(
    'unknown critical extension',
    ssl.signed('unknown', intermediate, { subject: '/O=Acme/CN=odd', ext: [...clientExt, '1.2.3.4.5=critical,DER:05:00'] }).cert,
  );
  cert('negative serial', ssl.signed('negative', intermediate, { subject: '/O=Acme/CN=neg', ext: clientExt, serial: '-5' }).cert);
  cert(
    'policies, CRL points and AIA',
    ssl.signed('dup', intermediate, {
      subject: '/C=GB/O=Acme Pay Ltd/CN=acme-dup',
      ext: [
        ...clientExt,
        'certificatePolicies=1.2.3.4',
        'crlDistributionPoints=URI:http://crl.acme.example/ca.crl',
        'authorityInfoAccess=OCSP;URI:http://ocsp.acme.example',
      ],
    }).cert,
  );

  const key = ssl.key('csr.key', 'rsa:2048');
  csr('plain RSA CSR', ssl.csr('plain.csr', key, '/C=GB/O=Acme Pay Ltd/CN=acme-pay'));
  csr(
    'CSR with SANs and EKU requested',
    ssl.csr('sans.csr', key, '/C=GB/O=Acme Pay Ltd/CN=api.acme.example', [
      'subjectAltName=DNS:api.acme.example,IP:10.0.0.1',
      'extendedKeyUsage=serverAuth',
    ]),
  );
  csr(
    'CSR asking for CA:TRUE',
    ssl.csr('ca.csr', key, '/O=Acme/CN=sneaky', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign']),
  );
  csr('SHA-1 CSR', ssl.csr('sha1.csr', key, '/O=Acme/CN=old', [], 'sha1'));
  csr('EC P-256 CSR', ssl.csr('ec.csr', ssl.key('ec.key', 'ec:P-256'), '/O=Acme/CN=ec'));
  csr(
    'RSA-PSS CSR',
    ssl.run([
      'req',
      '-new',
      '-key',
      key,
      '-subj',
      '/O=Acme/CN=pss',
      '-sigopt',
      'rsa_padding_mode:pss',
      '-sigopt',
      'rsa_pss_saltlen:32',
      '-sha256',
    ]),
  );

  // What the hub CA writes: its own certificates and one it issued.
  const ca = await LocalHubCa.openEmbedded({ dir: path.join(mkdtempSync(path.join(tmpdir(), 'corpus-ca-')), 'ca'), hubName: 'Corpus Hub' });
  out.push({ name: 'hub root (hub writer)', type: 'certificate', der: ca.root.der });
  out.push({ name: 'hub issuing CA (hub writer)', type: 'certificate', der: ca.issuing.der });
  const signing = new CsrSigningService(ca, new MemoryIssuedCertificateRegistry(), { validityDays: { sandbox: 90, production: 365 } });
  const issued = await signing.sign({
    csrPem: ssl.csr('hub.csr', ssl.key('hub.key', 'rsa:2048'), '/C=GB/O=Acme Pay Ltd/CN=api.acme.example', [
      'subjectAltName=DNS:api.acme.example,IP:10.0.0.1',
    ]),
    participant: { participantId: 'acme-pay', legalName: 'Acme Pay Ltd', country: 'GB', hosts: ['api.acme.example', '10.0.0.1'] },
    kind: 'dfsp',
    environment: 'sandbox',
    role: 'tls-server',
  });
  cert('hub-issued server certificate (hub writer)', issued.certificatePem);
  return out;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A view as plain JSON: bytes as their sha256, dates as ISO strings. */
export function viewFacts(view: CertificateView | CsrView): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(view)) {
    if (v instanceof Uint8Array) facts[`${k}Sha256`] = sha(v);
    else if (v instanceof Date) facts[k] = v.toISOString();
    else facts[k] = v;
  }
  return JSON.parse(JSON.stringify(facts)) as Record<string, unknown>;
}

/** Deterministic byte edits (mulberry32): the same list on every run and machine. */
export function mutations(corpusSize: number, count: number, seed = 20261123): { entry: number; flips: [number, number][] }[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => ({
    entry: Math.floor(next() * corpusSize),
    flips: Array.from(
      { length: 1 + Math.floor(next() * 3) },
      () => [Math.floor(next() * 1e9), Math.floor(next() * 256)] as [number, number],
    ),
  }));
}

export function applyFlips(der: Uint8Array, flips: [number, number][]): Uint8Array {
  const copy = der.slice();
  for (const [at, value] of flips) copy[at % copy.length] = value;
  return copy;
}

/** What reading an input gives: the facts' sha256, or the refusal code. */
export function outcomeOf(read: () => CertificateView | CsrView): string {
  try {
    return `read:${sha(Buffer.from(JSON.stringify(viewFacts(read()))))}`;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : `crash:${String(err)}`;
  }
}
