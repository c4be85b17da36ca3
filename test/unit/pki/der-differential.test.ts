/**
 * Our strict DER reader against pkijs + asn1js (the reference) on inputs no one here wrote:
 * every openssl-made certificate and CSR, every certificate our hub CA writes, and fast-check
 * byte mutations of them. Where both readers accept an input they must read the same facts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { encode, tags } from '../../../activities/pki/der';
import { CsrSigningService } from '../../../activities/pki/csr-signing';
import { MemoryIssuedCertificateRegistry } from '../../../activities/pki/issued-registry';
import { LocalHubCa } from '../../../activities/pki/local-hub-ca';
import { scanPem } from '../../../activities/pki/pem';
import { CertificateView, CsrView, parseCertificate, parseCsr, PkiInputError } from '../../../activities/pki/x509-model';
import { caExt, clientExt, OpenSsl, serverExt } from '../../support/openssl';
import { factsOf, pkijsCertificateFacts, pkijsCsrFacts } from '../../support/pkijs-oracle';

const der = (pem: string) => scanPem(pem).blocks[0]!.der;

let ssl: OpenSsl;
const certificates = new Map<string, Uint8Array>();
const csrs = new Map<string, Uint8Array>();

beforeAll(async () => {
  ssl = new OpenSsl();
  const root = ssl.selfSigned('root', 'rsa:4096', '/C=GB/O=Acme Root Ltd/CN=Acme Root');
  certificates.set('RSA-4096 self-signed root', der(root.cert));
  const intermediate = ssl.signed('intermediate', root, { subject: '/O=Acme Root Ltd/CN=Acme Issuing', ext: ['basicConstraints=critical,CA:TRUE,pathlen:0', ...caExt.slice(1)] });
  certificates.set('intermediate with pathLen 0, SKI, AKI', der(intermediate.cert));
  certificates.set('client leaf RSA-2048', der(ssl.signed('client', intermediate, { subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay', ext: clientExt }).cert));
  certificates.set('server leaf with DNS and IP SANs', der(ssl.signed('server', intermediate, { subject: '/C=GB/O=Acme Pay Ltd/CN=api.acme.example', ext: serverExt('DNS:api.acme.example,DNS:*.acme.example,IP:10.1.2.3,IP:2001:db8::7') }).cert));
  certificates.set('EC P-256 leaf', der(ssl.signed('ec256', intermediate, { keySpec: 'ec:P-256', subject: '/C=GB/O=Acme Pay Ltd/CN=acme-ec', ext: clientExt }).cert));
  certificates.set('EC P-384 self-signed', der(ssl.selfSigned('ec384', 'ec:P-384', '/O=Acme/CN=ec384').cert));
  certificates.set('RSA-1024 self-signed', der(ssl.selfSigned('rsa1024', 'rsa:1024', '/O=Acme/CN=weak').cert));
  certificates.set('SHA-1 signed', der(ssl.signed('sha1', intermediate, { subject: '/O=Acme/CN=old', ext: clientExt, digest: 'sha1' }).cert));
  certificates.set('UTF-8 subject', der(ssl.signed('utf8', intermediate, { subject: '/C=DE/O=Zahlungsdienst München GmbH/CN=zahl', ext: clientExt }).cert));
  certificates.set('expired, UTCTime', der(ssl.signedWithDates('expired', root, '/O=Acme/CN=expired', '20200101000000Z', '20210101000000Z', clientExt).cert));
  certificates.set('until 2051, GeneralizedTime', der(ssl.signedWithDates('far', root, '/O=Acme/CN=far', '20250101000000Z', '20510101000000Z', clientExt).cert));
  certificates.set('unknown critical extension', der(ssl.signed('unknown', intermediate, { subject: '/O=Acme/CN=odd', ext: [...clientExt, '1.2.3.4.5=critical,DER:05:00'] }).cert));
  certificates.set('negative serial', der(ssl.signed('negative', intermediate, { subject: '/O=Acme/CN=neg', ext: clientExt, serial: '-5' }).cert));

  const key = ssl.key('csr.key', 'rsa:2048');
  csrs.set('plain RSA CSR', der(ssl.csr('plain.csr', key, '/C=GB/O=Acme Pay Ltd/CN=acme-pay')));
  csrs.set('CSR with SANs and EKU requested', der(ssl.csr('sans.csr', key, '/C=GB/O=Acme Pay Ltd/CN=api.acme.example', ['subjectAltName=DNS:api.acme.example,IP:10.0.0.1', 'extendedKeyUsage=serverAuth'])));
  csrs.set('CSR asking for CA:TRUE', der(ssl.csr('ca.csr', key, '/O=Acme/CN=sneaky', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'])));
  csrs.set('SHA-1 CSR', der(ssl.csr('sha1.csr', key, '/O=Acme/CN=old', [], 'sha1')));
  csrs.set('EC P-256 CSR', der(ssl.csr('ec.csr', ssl.key('ec.key', 'ec:P-256'), '/O=Acme/CN=ec')));

  // What our own writer produces: the hub CA's certificates and one it issued.
  const ca = await LocalHubCa.openEmbedded({ dir: path.join(mkdtempSync(path.join(tmpdir(), 'diff-ca-')), 'ca'), hubName: 'Diff Hub' });
  certificates.set('hub root (our writer)', ca.root.der);
  certificates.set('hub issuing CA (our writer)', ca.issuing.der);
  const signing = new CsrSigningService(ca, new MemoryIssuedCertificateRegistry(), { validityDays: { sandbox: 90, production: 365 } });
  const issued = await signing.sign({
    csrPem: ssl.csr('hub.csr', ssl.key('hub.key', 'rsa:2048'), '/C=GB/O=Acme Pay Ltd/CN=api.acme.example', ['subjectAltName=DNS:api.acme.example,IP:10.0.0.1']),
    participant: { participantId: 'acme-pay', legalName: 'Acme Pay Ltd', country: 'GB', hosts: ['api.acme.example', '10.0.0.1'] },
    kind: 'dfsp',
    environment: 'sandbox',
    role: 'tls-server',
  });
  certificates.set('hub-issued server certificate (our writer)', der(issued.certificatePem));
});

describe('our DER reader reads what pkijs reads', () => {
  it('on every openssl-made and hub-written certificate', () => {
    expect(certificates.size).toBeGreaterThanOrEqual(16);
    for (const [name, bytes] of certificates) {
      expect([name, factsOf(parseCertificate(bytes))]).toEqual([name, pkijsCertificateFacts(bytes)]);
    }
  });

  it('on every openssl-made CSR', () => {
    for (const [name, bytes] of csrs) {
      expect([name, factsOf(parseCsr(bytes))]).toEqual([name, pkijsCsrFacts(bytes)]);
    }
  });

  it('on byte mutations: whenever both readers accept an input, they read the same facts', () => {
    const inputs = [...certificates.values()].map((bytes) => ({ bytes, csr: false })).concat([...csrs.values()].map((bytes) => ({ bytes, csr: true })));
    let bothRead = 0;
    let oursOnly = 0;
    fc.assert(
      fc.property(
        fc.nat(inputs.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        (which, flips) => {
          const input = inputs[which]!;
          const bytes = input.bytes.slice();
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          let ours: CertificateView | CsrView | null = null;
          try {
            ours = input.csr ? parseCsr(bytes) : parseCertificate(bytes);
          } catch (err) {
            if (!(err instanceof PkiInputError)) throw err; // anything else is a crash
          }
          let theirs: ReturnType<typeof pkijsCertificateFacts> | null = null;
          try {
            theirs = input.csr ? pkijsCsrFacts(bytes) : pkijsCertificateFacts(bytes);
          } catch {
            theirs = null;
          }
          if (ours && theirs) {
            bothRead++;
            const mine = factsOf(ours);
            // Stricter than pkijs by design: an RSAPublicKey that is not exactly (positive modulus,
            // positive exponent) in minimal DER is no key to us. We may refuse a key, never misread one.
            if (mine.rsaBits === null && mine.keyOid === theirs.keyOid) Object.assign(theirs, { rsaBits: null, rsaExponent: null });
            expect(mine).toEqual(theirs);
          } else if (ours) {
            oursOnly++;
          }
        },
      ),
      { numRuns: Number(process.env.DIFF_RUNS ?? 1500), seed: Number(process.env.DIFF_SEED ?? 20261123) },
    );
    // The property is not vacuous: most single-byte changes land in values both readers accept.
    expect(bothRead).toBeGreaterThan(500);
    expect(oursOnly).toBeLessThan(bothRead);
  });
});

describe('strict DER: BER encodings are refused with DER_NOT_CANONICAL, broken ones with DER_INVALID', () => {
  const codeOf = (bytes: Uint8Array, read: (b: Uint8Array) => unknown = parseCertificate) => {
    try {
      read(bytes);
      return 'read';
    } catch (err) {
      return err instanceof PkiInputError ? err.code : `crash: ${String(err)}`;
    }
  };

  it('refuses an indefinite length and a long-form length for a short value', () => {
    const cert = certificates.get('client leaf RSA-2048')!;
    // Outer SEQUENCE as 30 80 … 00 00 (BER indefinite form).
    const body = cert.subarray(4);
    const indefinite = new Uint8Array([0x30, 0x80, ...body, 0, 0]);
    expect(codeOf(indefinite)).toBe('DER_NOT_CANONICAL');
    // A 5-byte SEQUENCE with its length written as 81 05.
    expect(codeOf(new Uint8Array([0x30, 0x81, 0x05, 0x02, 0x01, 0x01, 0x05, 0x00]))).toBe('DER_NOT_CANONICAL');
  });

  it('refuses a BOOLEAN TRUE that is not FF, a truncated object and trailing bytes', () => {
    const cert = certificates.get('client leaf RSA-2048')!;
    const critical = Buffer.from(cert).indexOf(Buffer.from([tags.boolean, 0x01, 0xff]));
    expect(critical).toBeGreaterThan(0);
    const loose = cert.slice();
    loose[critical + 2] = 0x01;
    expect(codeOf(loose)).toBe('DER_NOT_CANONICAL');
    expect(codeOf(cert.subarray(0, cert.length - 10))).toBe('DER_INVALID');
    expect(codeOf(new Uint8Array([...cert, 0]))).toBe('DER_TRAILING_DATA');
  });

  it('says NOT_A_CERTIFICATE / NOT_A_CSR for well-formed DER of the wrong shape', () => {
    const csr = csrs.get('plain RSA CSR')!;
    expect(codeOf(csr)).toBe('NOT_A_CERTIFICATE');
    expect(codeOf(certificates.get('client leaf RSA-2048')!, parseCsr)).toBe('NOT_A_CSR');
  });

  it('refuses 2,000 nested SEQUENCEs without recursing through them', () => {
    let nested: Uint8Array = encode.sequence();
    for (let i = 0; i < 2000; i++) nested = encode.sequence(nested);
    expect(codeOf(nested)).toBe('DER_INVALID');
    expect(codeOf(nested, parseCsr)).toBe('DER_INVALID');
  });
});
