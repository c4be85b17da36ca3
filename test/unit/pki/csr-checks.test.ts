import { checkCsr, checkCsrMatchesCertificate, checkKeyPossession, CsrReport, readCsrPem } from '../../../activities/pki/csr-checks';
import type { CheckCode } from '../../../activities/pki/findings';
import { scanPem, toPem } from '../../../activities/pki/pem';
import { ParticipantIdentity, policyFor } from '../../../activities/pki/policy';
import { parseCertificate, parseCsr } from '../../../activities/pki/x509-model';
import { clientExt, OpenSsl } from '../../support/openssl';

const participant: ParticipantIdentity = {
  participantId: 'acme-pay',
  legalName: 'Acme Pay Ltd',
  country: 'GB',
  hosts: ['api.acme.example'],
};
const subject = '/C=GB/O=Acme Pay Ltd/CN=acme-pay';
const opts = { policy: policyFor('tpp', 'sandbox'), role: 'tls-client' as const, participant, earlierKeyUses: [] };

function result(report: CsrReport, code: CheckCode): string | undefined {
  return report.findings.find((f) => f.code === code)?.result;
}

let ssl: OpenSsl;
let keyFile: string;
let goodCsr: string;

beforeAll(() => {
  ssl = new OpenSsl();
  keyFile = ssl.key('participant.key', 'rsa:2048');
  goodCsr = ssl.csr('good.csr', keyFile, subject);
});

describe('checkCsr', () => {
  it('passes a well-formed CSR from the participant', async () => {
    const report = await checkCsr(goodCsr, opts);
    expect(report.findings.filter((f) => f.result === 'fail' || f.result === 'warn')).toEqual([]);
    expect(result(report, 'CSR_SIGNATURE_VALID')).toBe('pass');
    expect(report.csr?.subject).toBe('C=GB, O=Acme Pay Ltd, CN=acme-pay');
  });

  it('fails CSR_SIGNATURE_VALID for a CSR whose signature was tampered with', async () => {
    const der = scanPem(goodCsr).blocks[0]!.der.slice();
    der[der.length - 10] = (der[der.length - 10] as number) ^ 0xff; // inside the signature BIT STRING
    const report = await checkCsr(toPem('CERTIFICATE REQUEST', der), opts);
    expect(result(report, 'CSR_PARSES')).toBe('pass');
    expect(result(report, 'CSR_SIGNATURE_VALID')).toBe('fail');
    expect(report.blocking).toBe(true);
  });

  it('fails KEY_SIZE_MIN for a 1024-bit key', async () => {
    const weak = ssl.csr('weak.csr', ssl.key('weak.key', 'rsa:1024'), subject);
    const report = await checkCsr(weak, opts);
    expect(report.findings.find((f) => f.code === 'KEY_SIZE_MIN')).toMatchObject({ result: 'fail', detail: { bits: 1024 } });
  });

  it('fails KEY_ALGORITHM_ALLOWED for an EC key from a TPP and passes it for a bank', async () => {
    const ec = ssl.csr('ec.csr', ssl.key('ec.key', 'ec:P-256'), subject);
    expect(result(await checkCsr(ec, opts), 'KEY_ALGORITHM_ALLOWED')).toBe('fail');
    const bank = await checkCsr(ec, { ...opts, policy: policyFor('bank', 'sandbox') });
    expect(result(bank, 'KEY_ALGORITHM_ALLOWED')).toBe('pass');
    expect(result(bank, 'CSR_SIGNATURE_VALID')).toBe('pass');
  });

  it('fails CSR_NO_CA_REQUEST when the CSR asks for cA=TRUE and keyCertSign', async () => {
    const ca = ssl.csr('ca.csr', keyFile, subject, ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign']);
    const report = await checkCsr(ca, opts);
    expect(report.findings.find((f) => f.code === 'CSR_NO_CA_REQUEST')).toMatchObject({
      result: 'fail',
      detail: { requested: ['basicConstraints cA=TRUE', 'keyCertSign'] },
    });
  });

  it('fails SUBJECT_MATCHES_PARTICIPANT for a CSR in another name', async () => {
    const other = ssl.csr('other.csr', keyFile, '/C=GB/O=Acme Pay Ltd/CN=someone-else');
    expect(result(await checkCsr(other, opts), 'SUBJECT_MATCHES_PARTICIPANT')).toBe('fail');
  });

  it('fails SAN_MATCHES_ENDPOINT for a requested name the participant did not declare', async () => {
    const sans = ssl.csr('sans.csr', keyFile, subject, ['subjectAltName=DNS:api.acme.example,DNS:bank.example']);
    const report = await checkCsr(sans, opts);
    expect(report.findings.find((f) => f.code === 'SAN_MATCHES_ENDPOINT')).toMatchObject({
      result: 'fail',
      detail: { undeclared: ['bank.example'] },
    });
  });

  it('fails DUPLICATE_KEY when the key is enrolled for another participant or another purpose', async () => {
    const spki = (await checkCsr(goodCsr, opts)).csr!.spkiSha256;
    const elsewhere = await checkCsr(goodCsr, {
      ...opts,
      earlierKeyUses: [{ participantId: 'other-bank', role: 'tls-client', csrSha256: 'x' }],
    });
    expect(result(elsewhere, 'DUPLICATE_KEY')).toBe('fail');
    const otherPurpose = await checkCsr(goodCsr, {
      ...opts,
      earlierKeyUses: [{ participantId: 'acme-pay', role: 'tls-server', csrSha256: 'x' }],
    });
    expect(otherPurpose.findings.find((f) => f.code === 'DUPLICATE_KEY')).toMatchObject({
      result: 'fail',
      detail: { spkiSha256: spki, usedFor: ['tls-server'] },
    });
    const resubmitted = await checkCsr(goodCsr, {
      ...opts,
      earlierKeyUses: [{ participantId: 'acme-pay', role: 'tls-client', csrSha256: 'x' }],
    });
    expect(result(resubmitted, 'DUPLICATE_KEY')).toBe('pass');
  });

  it('fails CSR_PARSES for a certificate sent instead of a CSR, and for two CSRs at once', async () => {
    const cert = ssl.selfSigned('not-a-csr', 'rsa:2048', subject).cert;
    expect(result(await checkCsr(cert, opts), 'CSR_PARSES')).toBe('fail');
    expect(result(await checkCsr(goodCsr + goodCsr, opts), 'CSR_PARSES')).toBe('fail');
  });
});

describe('CSR ↔ certificate ↔ key', () => {
  it('passes a certificate made from the CSR and fails one made from another key', () => {
    const root = ssl.selfSigned('pair-root', 'rsa:2048', '/O=Acme Pay Ltd/CN=Pair Root');
    const fromCsr = ssl.signed('from-csr', root, { keyFile, subject, ext: clientExt });
    const otherKey = ssl.signed('other-key', root, { subject, ext: clientExt });
    const csr = (readCsrPem(goodCsr, opts.policy) as { csr: ReturnType<typeof parseCsr> }).csr;
    const same = checkCsrMatchesCertificate(csr, parseCertificate(scanPem(fromCsr.cert).blocks[0]!.der));
    expect(same.map((f) => [f.code, f.result])).toEqual([
      ['CSR_CERT_SAME_PUBLIC_KEY', 'pass'],
      ['CSR_CERT_SAME_SUBJECT', 'pass'],
    ]);
    const mismatch = checkCsrMatchesCertificate(csr, parseCertificate(scanPem(otherKey.cert).blocks[0]!.der));
    expect(mismatch.find((f) => f.code === 'CSR_CERT_SAME_PUBLIC_KEY')?.result).toBe('fail');
  });

  it('proves key possession from a challenge signed with openssl dgst, RSA and EC, and refuses another key', async () => {
    const challenge = 'onboarding/acme-pay/tls-client/3f9a1c';
    for (const spec of ['rsa:2048', 'ec:P-256']) {
      const kf = ssl.key(`possession-${spec.replace(':', '')}.key`, spec);
      const certPem = ssl.run(['req', '-x509', '-new', '-key', kf, '-subj', subject, '-days', '30']);
      const cert = parseCertificate(scanPem(certPem).blocks[0]!.der);
      const good = checkKeyPossession(cert, challenge, ssl.signChallenge(kf, challenge));
      expect([spec, good.result]).toEqual([spec, 'pass']);
      const wrongMessage = checkKeyPossession(cert, `${challenge}-other`, ssl.signChallenge(kf, challenge));
      expect([spec, wrongMessage.result]).toEqual([spec, 'fail']);
      const wrongKey = checkKeyPossession(cert, challenge, ssl.signChallenge(keyFile, challenge));
      expect([spec, wrongKey.result]).toEqual([spec, 'fail']);
    }
  });
});
