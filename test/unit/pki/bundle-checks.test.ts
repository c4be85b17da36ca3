import { BundleReport, checkBundle } from '../../../activities/pki/bundle-checks';
import type { CheckCode } from '../../../activities/pki/findings';
import { ParticipantIdentity, policyFor } from '../../../activities/pki/policy';
import { parseCertificate } from '../../../activities/pki/x509-model';
import { scanPem } from '../../../activities/pki/pem';
import { caExt, clientExt, Issued, OpenSsl, serverExt } from '../../support/openssl';

const participant: ParticipantIdentity = {
  participantId: 'acme-pay',
  legalName: 'Acme Pay Ltd',
  country: 'GB',
  hosts: ['api.acme.example', '203.0.113.10'],
};
const leafSubject = '/C=GB/O=Acme Pay Ltd/CN=acme-pay';
const sandbox = { policy: policyFor('tpp', 'sandbox'), role: 'tls-client' as const, participant };
const production = { ...sandbox, policy: policyFor('tpp', 'production') };

/** The results a report gives one code, leaf first. */
function results(report: BundleReport, code: CheckCode): string[] {
  return report.findings.filter((f) => f.code === code).map((f) => f.result);
}
function leafResult(report: BundleReport, code: CheckCode): string | undefined {
  return report.findings.find((f) => f.code === code && (f.detail.certificate === 'leaf' || f.detail.certificate === undefined))?.result;
}

let ssl: OpenSsl;
let root: Issued;
let inter: Issued;
let client: Issued;

beforeAll(() => {
  ssl = new OpenSsl();
  root = ssl.selfSigned('root', 'rsa:2048', '/C=GB/O=Acme Pay Ltd/CN=Acme Root CA');
  inter = ssl.signed('inter', root, { subject: '/C=GB/O=Acme Pay Ltd/CN=Acme Issuing CA', ext: caExt });
  client = ssl.signed('client', inter, { subject: leafSubject, ext: clientExt });
});

describe('a bundle from a participant CA', () => {
  it('passes every rule for a client certificate sent leaf → intermediate → root, as openssl verify does', async () => {
    const report = await checkBundle(client.cert + inter.cert + root.cert, sandbox);
    const notPassing = report.findings.filter((f) => f.result !== 'pass' && f.result !== 'not-applicable');
    expect(notPassing).toEqual([]);
    expect(report).toMatchObject({ verdict: 'pass', blocking: false });
    expect(report.leaf?.subject).toBe('C=GB, O=Acme Pay Ltd, CN=acme-pay');
    expect(report.path.map((c) => c.subject)).toEqual([
      'C=GB, O=Acme Pay Ltd, CN=acme-pay',
      'C=GB, O=Acme Pay Ltd, CN=Acme Issuing CA',
      'C=GB, O=Acme Pay Ltd, CN=Acme Root CA',
    ]);
    expect(ssl.verify(root.certFile, inter.certFile, client.certFile).ok).toBe(true);
    expect(leafResult(report, 'EKU_CLIENT_AUTH')).toBe('pass');
  });

  it('finds the leaf in a reversed bundle with junk between blocks, and warns about order and junk', async () => {
    const messy = `Bag Attributes: friendlyName acme\n${root.cert}\nsome notes\n${inter.cert}${client.cert}trailing words`;
    const report = await checkBundle(messy, sandbox);
    expect(report.leaf?.subject).toBe('C=GB, O=Acme Pay Ltd, CN=acme-pay');
    expect(results(report, 'CHAIN_ORDER')).toEqual(['warn']);
    expect(results(report, 'PEM_NO_JUNK')).toEqual(['warn']);
    expect(results(report, 'CHAIN_BUILDS_TO_ROOT')).toEqual(['pass']);
    expect(report).toMatchObject({ verdict: 'warn', blocking: false });
  });

  it('repairs a reversed bundle with junk, a duplicate and a stray certificate without blocking, even in production', async () => {
    const stray = ssl.selfSigned('stray', 'rsa:2048', '/C=GB/O=Elsewhere/CN=Stray Root');
    const messy = `Bag Attributes: friendlyName acme\n${root.cert}\nsome notes\n${inter.cert}${stray.cert}${client.cert}${inter.cert}-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n`;
    const report = await checkBundle(messy, production);
    for (const code of ['CHAIN_ORDER', 'PEM_NO_JUNK', 'CHAIN_NO_DUPLICATES', 'CHAIN_NO_UNRELATED', 'PEM_NON_CERTIFICATE_BLOCK'] as const) {
      expect([code, results(report, code)]).toEqual([code, ['warn']]);
    }
    expect(report).toMatchObject({ verdict: 'warn', blocking: false });
    // The chain the hub stores and uses: leaf, then the intermediate, once; the root apart.
    expect(report.normalised).toEqual({ chainPem: client.cert + inter.cert, rootPem: root.cert });
    const chainFile = ssl.write('normalised-chain.pem', report.normalised!.chainPem);
    expect(ssl.run(['verify', '-CAfile', root.certFile, '-untrusted', chainFile, chainFile]).trim()).toBe(`${chainFile}: OK`);
  });

  it('keeps blocking in production on a warning that means a risk (validity running out)', async () => {
    const expiring = ssl.signed('expiring', inter, { subject: leafSubject, ext: clientExt, days: 60 });
    const messy = `${root.cert}${inter.cert}${expiring.cert}`;
    const report = await checkBundle(messy, production);
    expect(leafResult(report, 'CERT_MIN_REMAINING_VALIDITY')).toBe('warn');
    expect(results(report, 'CHAIN_ORDER')).toEqual(['warn']);
    expect(report).toMatchObject({ verdict: 'warn', blocking: true });
    expect((await checkBundle(messy, sandbox)).blocking).toBe(false);
  });

  it('fails CHAIN_BUILDS_TO_ROOT naming the missing intermediate, where openssl verify fails too', async () => {
    const report = await checkBundle(client.cert + root.cert, sandbox);
    const chain = report.findings.find((f) => f.code === 'CHAIN_BUILDS_TO_ROOT');
    expect(chain).toMatchObject({ result: 'fail', detail: { missingIssuer: 'C=GB, O=Acme Pay Ltd, CN=Acme Issuing CA' } });
    expect(results(report, 'CHAIN_NO_UNRELATED')).toEqual(['warn']);
    expect(report.blocking).toBe(true);
    const bundleFile = ssl.write('missing-intermediate.pem', client.cert);
    expect(ssl.verify(root.certFile, ssl.write('empty.pem', root.cert), bundleFile).ok).toBe(false);
  });

  it('fails CHAIN_BUILDS_TO_ROOT asking for the root (not an intermediate) when the chain sent stops at the intermediate', async () => {
    const report = await checkBundle(client.cert + inter.cert, sandbox);
    const chain = report.findings.find((f) => f.code === 'CHAIN_BUILDS_TO_ROOT');
    expect(chain).toMatchObject({ result: 'fail', detail: { missingIssuer: 'C=GB, O=Acme Pay Ltd, CN=Acme Root CA' } });
    expect(chain?.message).toContain('your root');
    // Only the leaf: both are missing, and the message asks for both.
    const alone = (await checkBundle(client.cert, sandbox)).findings.find((f) => f.code === 'CHAIN_BUILDS_TO_ROOT');
    expect(alone?.message).toContain('intermediate certificate(s) and the root');
  });

  it('reports repeated and unrelated certificates', async () => {
    const stranger = ssl.selfSigned('stranger', 'rsa:2048', '/C=FR/O=Someone Else/CN=Stranger CA');
    const report = await checkBundle(client.cert + inter.cert + inter.cert + root.cert + stranger.cert, sandbox);
    expect(report.findings.find((f) => f.code === 'CHAIN_NO_DUPLICATES')).toMatchObject({
      result: 'warn',
      detail: { duplicates: ['C=GB, O=Acme Pay Ltd, CN=Acme Issuing CA'] },
    });
    expect(report.findings.find((f) => f.code === 'CHAIN_NO_UNRELATED')).toMatchObject({
      result: 'warn',
      detail: { unrelated: ['C=FR, O=Someone Else, CN=Stranger CA'] },
    });
    expect(report.leaf?.subject).toBe('C=GB, O=Acme Pay Ltd, CN=acme-pay');
  });

  it('fails a bundle that carries a private key, telling the sender to replace it', async () => {
    const report = await checkBundle(client.cert + inter.cert + root.cert + client.key, sandbox);
    expect(report.findings.find((f) => f.code === 'PEM_NON_CERTIFICATE_BLOCK')).toMatchObject({
      result: 'fail',
      detail: { label: 'PRIVATE KEY' },
    });
  });

  it('fails CHAIN_TRUSTED_ANCHOR for a chain from another CA when the hub trusts only its own', async () => {
    const hubRoot = ssl.selfSigned('hub-root', 'rsa:2048', '/O=Hub/CN=Hub Root CA');
    const anchor = parseCertificate(scanPem(hubRoot.cert).blocks[0]!.der);
    const report = await checkBundle(client.cert + inter.cert + root.cert, { ...sandbox, trustAnchors: [anchor] });
    expect(results(report, 'CHAIN_TRUSTED_ANCHOR')).toEqual(['fail']);
    const own = await checkBundle(client.cert + inter.cert + root.cert, {
      ...sandbox,
      trustAnchors: [parseCertificate(scanPem(root.cert).blocks[0]!.der)],
    });
    expect(results(own, 'CHAIN_TRUSTED_ANCHOR')).toEqual(['pass']);
  });
});

describe('rules for the certificate in use', () => {
  it('fails KEY_SIZE_MIN for a 1024-bit RSA key and passes a 4096-bit one', async () => {
    const weak = ssl.signed('rsa1024', inter, { keySpec: 'rsa:1024', subject: leafSubject, ext: clientExt });
    const strong = ssl.signed('rsa4096', inter, { keySpec: 'rsa:4096', subject: leafSubject, ext: clientExt });
    const weakReport = await checkBundle(weak.cert + inter.cert + root.cert, sandbox);
    expect(weakReport.findings.find((f) => f.code === 'KEY_SIZE_MIN' && f.detail.certificate === 'leaf')).toMatchObject({
      result: 'fail',
      detail: { bits: 1024 },
    });
    expect(weakReport.blocking).toBe(true);
    const strongReport = await checkBundle(strong.cert + inter.cert + root.cert, sandbox);
    expect(strongReport.findings.find((f) => f.code === 'KEY_SIZE_MIN' && f.detail.certificate === 'leaf')).toMatchObject({
      result: 'pass',
      detail: { bits: 4096 },
    });
    expect(strongReport.verdict).toBe('pass');
  });

  it('refuses an EC P-256 key from a TPP (RSA only) and accepts it from a DFSP', async () => {
    const ec = ssl.signed('ec256', inter, {
      keySpec: 'ec:P-256',
      subject: leafSubject,
      ext: ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'],
    });
    const tpp = await checkBundle(ec.cert + inter.cert + root.cert, sandbox);
    expect(leafResult(tpp, 'KEY_ALGORITHM_ALLOWED')).toBe('fail');
    const dfsp = await checkBundle(ec.cert + inter.cert + root.cert, { ...sandbox, policy: policyFor('dfsp', 'sandbox') });
    expect(leafResult(dfsp, 'KEY_ALGORITHM_ALLOWED')).toBe('pass');
    expect(dfsp.findings.find((f) => f.code === 'KEY_SIZE_MIN' && f.detail.certificate === 'leaf')).toMatchObject({
      result: 'pass',
      detail: { curve: 'P-256' },
    });
    expect(dfsp.verdict).toBe('pass');
  });

  it('fails SIGNATURE_HASH_ALLOWED for a SHA-1-signed certificate', async () => {
    const sha1 = ssl.signed('sha1', inter, { subject: leafSubject, ext: clientExt, digest: 'sha1' });
    const report = await checkBundle(sha1.cert + inter.cert + root.cert, sandbox);
    expect(report.findings.find((f) => f.code === 'SIGNATURE_HASH_ALLOWED' && f.detail.certificate === 'leaf')).toMatchObject({
      result: 'fail',
      detail: { hash: 'SHA-1' },
    });
  });

  it('fails CERT_NOT_EXPIRED for an expired certificate and CERT_NOT_YET_VALID for a future one', async () => {
    const expired = ssl.signedWithDates('expired', inter, leafSubject, '20200101000000Z', '20210101000000Z', clientExt);
    const future = ssl.signedWithDates('future', inter, leafSubject, '20400101000000Z', '20410101000000Z', clientExt);
    const e = await checkBundle(expired.cert + inter.cert + root.cert, sandbox);
    expect(leafResult(e, 'CERT_NOT_EXPIRED')).toBe('fail');
    expect(leafResult(e, 'CERT_NOT_YET_VALID')).toBe('pass');
    const f = await checkBundle(future.cert + inter.cert + root.cert, sandbox);
    expect(leafResult(f, 'CERT_NOT_YET_VALID')).toBe('fail');
    expect(leafResult(f, 'CERT_NOT_EXPIRED')).toBe('pass');
  });

  it('warns when the remaining validity is short and fails under the minimum', async () => {
    const short = ssl.signed('short', inter, { subject: leafSubject, ext: clientExt, days: 10 });
    const sandboxReport = await checkBundle(short.cert + inter.cert + root.cert, sandbox);
    expect(leafResult(sandboxReport, 'CERT_MIN_REMAINING_VALIDITY')).toBe('warn');
    const productionReport = await checkBundle(short.cert + inter.cert + root.cert, production);
    expect(leafResult(productionReport, 'CERT_MIN_REMAINING_VALIDITY')).toBe('fail');
  });

  it('treats a self-signed certificate as a warning in sandbox and a failure in production', async () => {
    const self = ssl.selfSigned(
      'self-leaf',
      'rsa:2048',
      leafSubject,
      ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=clientAuth'],
      365,
    );
    const inSandbox = await checkBundle(self.cert, sandbox);
    expect(leafResult(inSandbox, 'SELF_SIGNED')).toBe('warn');
    expect(inSandbox.blocking).toBe(false);
    const inProduction = await checkBundle(self.cert, production);
    expect(leafResult(inProduction, 'SELF_SIGNED')).toBe('fail');
    expect(inProduction.blocking).toBe(true);
  });

  it('fails EKU_CLIENT_AUTH for a server-only certificate presented as a client certificate', async () => {
    const server = ssl.signed('server', inter, {
      subject: '/C=GB/O=Acme Pay Ltd/CN=api.acme.example',
      ext: serverExt('DNS:api.acme.example,IP:203.0.113.10'),
    });
    const asClient = await checkBundle(server.cert + inter.cert + root.cert, sandbox);
    expect(leafResult(asClient, 'EKU_CLIENT_AUTH')).toBe('fail');
    const asServer = await checkBundle(server.cert + inter.cert + root.cert, { ...sandbox, role: 'tls-server' });
    expect(leafResult(asServer, 'EKU_SERVER_AUTH')).toBe('pass');
    expect(leafResult(asServer, 'SAN_MATCHES_ENDPOINT')).toBe('pass');
    expect(asServer.verdict).toBe('pass');
  });

  it('fails SUBJECT_MATCHES_PARTICIPANT for another organisation and SAN_MATCHES_ENDPOINT for an undeclared host', async () => {
    const other = ssl.signed('other-org', inter, { subject: '/C=GB/O=Other Org/CN=acme-pay', ext: clientExt });
    expect(leafResult(await checkBundle(other.cert + inter.cert + root.cert, sandbox), 'SUBJECT_MATCHES_PARTICIPANT')).toBe('fail');
    const server = ssl.signed('undeclared', inter, {
      subject: '/C=GB/O=Acme Pay Ltd/CN=api.acme.example',
      ext: serverExt('DNS:api.acme.example,DNS:evil.example'),
    });
    const report = await checkBundle(server.cert + inter.cert + root.cert, { ...sandbox, role: 'tls-server' });
    expect(report.findings.find((f) => f.code === 'SAN_MATCHES_ENDPOINT')).toMatchObject({
      result: 'fail',
      detail: { undeclared: ['evil.example'] },
    });
  });

  it('fails CA_KEY_CERT_SIGN for an intermediate whose key usage lacks keyCertSign', async () => {
    const badInter = ssl.signed('bad-inter', root, {
      subject: '/C=GB/O=Acme Pay Ltd/CN=Bad Issuing CA',
      ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature'],
    });
    const leaf = ssl.signed('under-bad', badInter, { subject: leafSubject, ext: clientExt });
    const report = await checkBundle(leaf.cert + badInter.cert + root.cert, sandbox);
    expect(report.findings.find((f) => f.code === 'CA_KEY_CERT_SIGN' && f.detail.certificate === 'intermediate')).toMatchObject({
      result: 'fail',
    });
  });

  it('fails LEAF_NOT_CA when the certificate in use is a CA certificate', async () => {
    const report = await checkBundle(inter.cert + root.cert, sandbox);
    expect(report.leaf?.subject).toBe('C=GB, O=Acme Pay Ltd, CN=Acme Issuing CA');
    expect(leafResult(report, 'LEAF_NOT_CA')).toBe('fail');
  });
});
