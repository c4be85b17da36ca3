import fc from 'fast-check';
import { BundleReport, checkBundle } from '../../../activities/pki/bundle-checks';
import { checkCsr } from '../../../activities/pki/csr-checks';
import type { CheckCode } from '../../../activities/pki/findings';
import { scanPem, toPem } from '../../../activities/pki/pem';
import { ParticipantIdentity, policyFor } from '../../../activities/pki/policy';
import { clientExt, Issued, OpenSsl } from '../../support/openssl';

const participant: ParticipantIdentity = { participantId: 'acme-pay', legalName: 'Acme Pay Ltd', country: 'GB', hosts: [] };
const bundleOpts = { policy: policyFor('dfsp', 'sandbox'), role: 'tls-client' as const, participant };
const csrOpts = { ...bundleOpts, earlierKeyUses: [] };

function result(report: BundleReport, code: CheckCode): string | undefined {
  return report.findings.find((f) => f.code === code)?.result;
}

let ssl: OpenSsl;
let root: Issued;
let leaf: Issued;
let csr: string;

beforeAll(() => {
  ssl = new OpenSsl();
  root = ssl.selfSigned('root', 'rsa:2048', '/O=Acme Pay Ltd/CN=Root');
  leaf = ssl.signed('leaf', root, { subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay', ext: clientExt });
  csr = ssl.csr('leaf2.csr', leaf.keyFile, '/C=GB/O=Acme Pay Ltd/CN=acme-pay');
});

describe('hostile certificate input gets findings, never a crash', () => {
  it('reports text with no PEM block as an empty bundle', async () => {
    const report = await checkBundle('hello, this is my certificate', bundleOpts);
    expect(result(report, 'BUNDLE_NOT_EMPTY')).toBe('fail');
    expect(result(report, 'PEM_NO_JUNK')).toBe('warn');
  });

  it('reports a block with truncated base64', async () => {
    const body = leaf.cert.split('\n').slice(1, -2);
    const truncated = `-----BEGIN CERTIFICATE-----\n${body.slice(0, body.length - 3).join('\n')}abc\n-----END CERTIFICATE-----\n`;
    const report = await checkBundle(truncated, bundleOpts);
    expect(result(report, 'PEM_BLOCK_PARSES')).toBe('fail');
    expect(report.blocking).toBe(true);
  });

  it('reports DER garbage in a well-armoured block, and DER followed by extra bytes', async () => {
    const garbage = await checkBundle(toPem('CERTIFICATE', new Uint8Array(64).fill(0x41)), bundleOpts);
    expect(result(garbage, 'PEM_BLOCK_PARSES')).toBe('fail');
    const der = scanPem(leaf.cert).blocks[0]!.der;
    const padded = new Uint8Array([...der, 0, 1, 2]);
    const trailing = await checkBundle(toPem('CERTIFICATE', padded), bundleOpts);
    expect(result(trailing, 'DER_NO_TRAILING_DATA')).toBe('fail');
  });

  it('refuses a 10 MB input by size before parsing it', async () => {
    const huge = leaf.cert.repeat(Math.ceil((10 * 1024 * 1024) / leaf.cert.length));
    const report = await checkBundle(huge, bundleOpts);
    expect(report.findings).toEqual([expect.objectContaining({ code: 'INPUT_TOO_LARGE', result: 'fail' })]);
    const csrReport = await checkCsr(huge, csrOpts);
    expect(csrReport.findings.map((f) => f.code)).toEqual(['INPUT_TOO_LARGE']);
  });

  it('refuses a 500-certificate bundle by count', async () => {
    const report = await checkBundle(leaf.cert.repeat(500), {
      ...bundleOpts,
      policy: { ...bundleOpts.policy, maxInputBytes: 10 * 1024 * 1024 },
    });
    expect(report.findings.find((f) => f.code === 'BUNDLE_SIZE')).toMatchObject({ result: 'fail', detail: { certificates: 500 } });
  });

  it('fails SERIAL_VALID for a negative serial and NO_UNKNOWN_CRITICAL_EXTENSION for an unknown critical OID', async () => {
    const negative = ssl.signed('negative', root, { subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay', ext: clientExt, serial: '-5' });
    expect(ssl.run(['x509', '-noout', '-serial', '-in', negative.certFile]).trim()).toBe('serial=-05');
    const neg = await checkBundle(negative.cert + root.cert, bundleOpts);
    expect(neg.findings.find((f) => f.code === 'SERIAL_VALID' && f.detail.certificate === 'leaf')).toMatchObject({
      result: 'fail',
      detail: { negative: true },
    });
    const critical = ssl.signed('critical', root, {
      subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay',
      ext: [...clientExt, '1.2.3.4.5=critical,ASN1:UTF8String:hello'],
    });
    const crit = await checkBundle(critical.cert + root.cert, bundleOpts);
    expect(crit.findings.find((f) => f.code === 'NO_UNKNOWN_CRITICAL_EXTENSION' && f.detail.certificate === 'leaf')).toMatchObject({
      result: 'fail',
      detail: { unknownCritical: ['1.2.3.4.5'] },
    });
  });

  it('reports unreadable validity dates as an unparsable certificate', async () => {
    const der = scanPem(leaf.cert).blocks[0]!.der.slice();
    const text = Buffer.from(der).toString('latin1');
    // The first UTCTime (tag 0x17, length 13) is notBefore: make its digits nonsense.
    const at = text.indexOf('\x17\x0d');
    der.set(Buffer.from('99999999999Z!', 'latin1'), at + 2);
    const report = await checkBundle(toPem('CERTIFICATE', der), bundleOpts);
    expect(result(report, 'PEM_BLOCK_PARSES')).toBe('fail');
  });

  it('never throws on random bytes, random text or mutated certificates and CSRs (property)', async () => {
    const certDer = scanPem(leaf.cert).blocks[0]!.der;
    const csrDer = scanPem(csr).blocks[0]!.der;
    const mutate = (der: Uint8Array, edits: [number, number][]) => {
      const copy = der.slice();
      for (const [pos, value] of edits) copy[pos % copy.length] = value;
      return copy;
    };
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    const judged = (r: { verdict: string; findings: unknown[] }) => ['pass', 'warn', 'fail'].includes(r.verdict) && r.findings.length > 0;

    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expect(judged(await checkBundle(toPem('CERTIFICATE', bytes), bundleOpts))).toBe(true);
        expect(judged(await checkCsr(toPem('CERTIFICATE REQUEST', bytes), csrOpts))).toBe(true);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 4096 }), async (text) => {
        expect(judged(await checkBundle(text, bundleOpts))).toBe(true);
        expect(judged(await checkBundle(`${leaf.cert.slice(0, 200)}${text}`, bundleOpts))).toBe(true);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(edits, async (e) => {
        expect(judged(await checkBundle(toPem('CERTIFICATE', mutate(certDer, e)) + root.cert, bundleOpts))).toBe(true);
        expect(judged(await checkCsr(toPem('CERTIFICATE REQUEST', mutate(csrDer, e)), csrOpts))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
