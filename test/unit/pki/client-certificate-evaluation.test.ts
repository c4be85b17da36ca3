import { evaluateClientCertificate } from '../../../activities/pki/client-certificate-evaluation';
import { scanPem } from '../../../activities/pki/pem';
import { policyFor } from '../../../activities/pki/policy';
import { parseCertificate } from '../../../activities/pki/x509-model';
import { TppPki } from '../../support/tpp-journey';

const challenge = 'tpp-1:certificate-bundle@production#1:abc';

describe("a TPP's own production certificate and the hub's trust list", () => {
  const pki = new TppPki();
  const bundles = pki.bundlesFor('tpp-1');
  /** The challenge signed with the leaf's key, as the client does it (openssl dgst -sha256 -sign), base64. */
  const signed = () => {
    pki.ssl.run(['dgst', '-sha256', '-sign', bundles.leaf.keyFile, '-out', 'sig.bin', pki.ssl.write('challenge.txt', challenge)]);
    return pki.ssl.run(['base64', '-A', '-in', 'sig.bin']).trim();
  };
  const failing = (r: { findings: { code: string; result: string }[] }) => r.findings.filter((f) => f.result === 'fail').map((f) => f.code);
  const input = () => ({ pem: bundles.good, challenge, challengeSignature: signed() });
  const policy = policyFor('tpp', 'production');

  it('refuses any CA-signed certificate when no trust list is configured, saying so', async () => {
    const report = await evaluateClientCertificate(input(), { policy, trustAnchors: null });
    expect(report.blocking).toBe(true);
    expect(failing(report)).toEqual(['CHAIN_TRUSTED_ANCHOR']);
    expect(report.findings.find((f) => f.code === 'CHAIN_TRUSTED_ANCHOR')?.message).toContain('TPP_TRUST_ANCHORS_FILE');
  });

  it('accepts it when its CA is on the list, and refuses one from a CA that is not', async () => {
    const anchors = [parseCertificate(scanPem(pki.root.cert).blocks[0]!.der)];
    expect((await evaluateClientCertificate(input(), { policy, trustAnchors: anchors })).blocking).toBe(false);
    const elsewhere = new TppPki();
    const foreign = elsewhere.bundlesFor('tpp-1');
    elsewhere.ssl.run([
      'dgst',
      '-sha256',
      '-sign',
      foreign.leaf.keyFile,
      '-out',
      'sig.bin',
      elsewhere.ssl.write('challenge.txt', challenge),
    ]);
    const foreignSignature = elsewhere.ssl.run(['base64', '-A', '-in', 'sig.bin']).trim();
    const report = await evaluateClientCertificate(
      { pem: foreign.good, challenge, challengeSignature: foreignSignature },
      { policy, trustAnchors: anchors },
    );
    expect(failing(report)).toEqual(['CHAIN_TRUSTED_ANCHOR']);
  });
});
