/**
 * TLS, hub → participant: the hub's own key pair and CSR (pkijs), kept encrypted, signed by a
 * participant CA made with openssl, checked and installed. openssl is the cross-check throughout.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildName } from '../../../activities/pki/certificate-builder';
import { checkHubClientCertificate } from '../../../activities/pki/hub-client-certificate-checks';
import { HubClientKeys, hubClientSubject } from '../../../activities/pki/hub-client-keys';
import { LocalHubCa } from '../../../activities/pki/local-hub-ca';
import { policyFor } from '../../../activities/pki/policy';
import { openRegistry, RegistryDb } from '../../../activities/registry/database';
import { caExt, clientExt, Issued, OpenSsl, serverExt } from '../../support/openssl';
import { registryBackends } from '../../support/postgres';

const secret = Buffer.alloc(32, 3);
const ssl = new OpenSsl();
describe.each(registryBackends)("the hub's client keys (registry on $name)", (backend) => {
  let db: RegistryDb;
  let keys: HubClientKeys;
  let dfspRoot: Issued;
  let hubCa: LocalHubCa;

  beforeAll(async () => {
    db = await openRegistry(await backend.location('hub-client-keys'));
    keys = new HubClientKeys(db, secret, hubClientSubject('Test Hub'));
    dfspRoot = ssl.selfSigned('dfsp-root', 'rsa:2048', '/C=SN/O=Alpha/CN=Alpha Root CA', caExt);
    hubCa = await LocalHubCa.openEmbedded({ dir: mkdtempSync(path.join(tmpdir(), 'hub-ca-')), hubName: 'Test Hub' });
  });

  afterAll(async () => {
    await db.destroy();
  });

  const check = (pem: string, expectedSpkiSha256: string) =>
    checkHubClientCertificate(pem, {
      policy: policyFor('dfsp', 'sandbox'),
      expectedSpkiSha256,
      hubCaSha256: [hubCa.root.sha256, hubCa.issuing.sha256],
    });
  const failed = (report: { findings: { code: string; result: string }[] }) =>
    report.findings.filter((f) => f.result === 'fail').map((f) => f.code);

  describe("the hub's client key and CSR", () => {
    it('makes a CSR openssl verifies, asking for clientAuth, with the hub as subject', async () => {
      const record = await keys.prepare('dfsp-a', 'sandbox', new Date());
      const file = ssl.write('hub-a.csr', record.csrPem);
      expect(ssl.run(['req', '-in', file, '-noout', '-verify'])).toBe('');
      const text = ssl.run(['req', '-in', file, '-noout', '-text']);
      expect(text).toMatch(/Subject: O ?= ?Test Hub, CN ?= ?Test Hub client \(sandbox\)/);
      expect(text).toMatch(/Public-Key: \(2048 bit\)/);
      expect(text).toMatch(/TLS Web Client Authentication/);
      expect(record).toMatchObject({ state: 'awaiting-certificate', keyAlgorithm: 'RSA-2048', certificate: null });
    });

    it('keeps exactly one live key per participant and environment, however often or concurrently asked', async () => {
      const first = await Promise.all([
        keys.prepare('dfsp-b', 'sandbox', new Date()),
        keys.prepare('dfsp-b', 'sandbox', new Date()),
        keys.prepare('dfsp-b', 'sandbox', new Date()),
      ]);
      expect(new Set(first.map((r) => r.spkiSha256)).size).toBe(1);
      expect((await keys.prepare('dfsp-b', 'sandbox', new Date())).csrPem).toBe(first[0]!.csrPem);
      const production = await keys.prepare('dfsp-b', 'production', new Date());
      expect(production.spkiSha256).not.toBe(first[0]!.spkiSha256);
      const rows = await db
        .selectFrom('hubClientKeys')
        .select(['environment'])
        .where('participantId', '=', 'dfsp-b')
        .where('retiredAt', 'is', null)
        .execute();
      expect(rows.map((r) => r.environment).sort()).toEqual(['production', 'sandbox']);
    });

    it('stores the private key encrypted: openssl opens it with the passphrase and not without', async () => {
      await keys.prepare('dfsp-c', 'sandbox', new Date());
      const row = await db
        .selectFrom('hubClientKeys')
        .select(['encryptedKeyPem', 'spkiSha256'])
        .where('participantId', '=', 'dfsp-c')
        .executeTakeFirstOrThrow();
      expect(row.encryptedKeyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      expect(row.encryptedKeyPem).not.toMatch(/BEGIN PRIVATE KEY/);
      const file = ssl.write('hub-c.key', row.encryptedKeyPem);
      expect(() => ssl.run(['pkey', '-in', file, '-passin', 'pass:wrong', '-noout'])).toThrow();
      expect(ssl.run(['pkey', '-in', file, '-passin', `pass:${secret.toString('base64url')}`, '-pubout'])).toMatch(/BEGIN PUBLIC KEY/);
    });

    it('retiring the key lets the next prepare make a new one', async () => {
      const old = await keys.prepare('dfsp-d', 'sandbox', new Date());
      expect(await keys.retire('dfsp-d', 'sandbox', new Date())).toBe(1);
      const fresh = await keys.prepare('dfsp-d', 'sandbox', new Date());
      expect(fresh.spkiSha256).not.toBe(old.spkiSha256);
    });
  });

  describe('the certificate the participant CA returns', () => {
    it('accepts the CSR signed by the participant CA, installs it, and the outbound identity is a matching key and certificate', async () => {
      const record = await keys.prepare('dfsp-e', 'sandbox', new Date());
      const cert = ssl.signCsr('hub-e', dfspRoot, record.csrPem, clientExt);
      const report = await check(cert + dfspRoot.cert, record.spkiSha256);
      expect(failed(report)).toEqual([]);
      expect(report.findings.find((f) => f.code === 'ISSUED_BY_PARTICIPANT_CA')?.result).toBe('pass');
      expect(report.findings.find((f) => f.code === 'CSR_CERT_SAME_PUBLIC_KEY')?.result).toBe('pass');
      expect(report.certificate).toMatchObject({
        issuer: expect.stringContaining('Alpha Root CA'),
        rootPem: expect.stringContaining('BEGIN CERTIFICATE'),
      });

      const installed = await keys.install('dfsp-e', 'sandbox', record.spkiSha256, report.certificate!, new Date());
      expect(installed).toMatchObject({ state: 'installed', certificate: { serialHex: report.certificate!.serialHex } });
      // Installing the same certificate again is a no-op (a retried activity).
      expect((await keys.install('dfsp-e', 'sandbox', record.spkiSha256, report.certificate!, new Date()))?.installedAt).toBe(
        installed!.installedAt,
      );

      const identity = (await keys.outboundIdentity('dfsp-e', 'sandbox'))!;
      const publicFromKey = createPublicKey(createPrivateKey(identity.keyPem)).export({ type: 'spki', format: 'pem' });
      expect(new X509Certificate(identity.certificatePem).publicKey.export({ type: 'spki', format: 'pem' })).toBe(publicFromKey);
      // openssl verify: the installed chain ends at the participant's root.
      expect(
        ssl.verify(dfspRoot.certFile, ssl.write('none.pem', dfspRoot.cert), ssl.write('hub-e-installed.pem', identity.certificatePem)),
      ).toMatchObject({ ok: true });
    });

    it('refuses a certificate for another key, naming the CSR to sign', async () => {
      const record = await keys.prepare('dfsp-f', 'sandbox', new Date());
      const other = ssl.signed('other-f', dfspRoot, { subject: '/O=Test Hub/CN=Test Hub client (sandbox)', ext: clientExt });
      const report = await check(other.cert + dfspRoot.cert, record.spkiSha256);
      expect(failed(report)).toEqual(['CSR_CERT_SAME_PUBLIC_KEY']);
      expect(report.certificate).toBeNull();
      expect(
        await keys.install(
          'dfsp-f',
          'sandbox',
          'not-the-live-key',
          { ...(await check(ssl.signCsr('hub-f', dfspRoot, record.csrPem, clientExt) + dfspRoot.cert, record.spkiSha256)).certificate! },
          new Date(),
        ),
      ).toBeNull();
    });

    it("refuses one signed by the hub's own CA, one without the participant's root, and one without clientAuth", async () => {
      const record = await keys.prepare('dfsp-g', 'sandbox', new Date());
      const csrFile = ssl.write('hub-g.csr', record.csrPem);
      const hubSigned = new X509Certificate(
        Buffer.from(
          await hubCa.issue({
            subject: buildName({ CN: 'Test Hub client (sandbox)', O: 'Test Hub' }),
            spkiDer: new Uint8Array(
              createPublicKey(ssl.run(['req', '-in', csrFile, '-noout', '-pubkey'])).export({ type: 'spki', format: 'der' }),
            ),
            serial: new Uint8Array([0x41, 2, 3, 4]),
            notBefore: new Date(Date.now() - 60_000),
            notAfter: new Date(Date.now() + 86_400_000),
            extensions: [],
          }),
        ),
      );
      const byHub = await check(hubSigned.toString() + hubCa.chainPem(), record.spkiSha256);
      expect(failed(byHub)).toContain('ISSUED_BY_PARTICIPANT_CA');

      const good = ssl.signCsr('hub-g', dfspRoot, record.csrPem, clientExt);
      const noRoot = await check(good, record.spkiSha256);
      expect(failed(noRoot)).toContain('ISSUED_BY_PARTICIPANT_CA');
      expect(failed(noRoot)).toContain('CHAIN_BUILDS_TO_ROOT');
      // The leaf alone is issued by the participant's CA, not self-signed: the message says which CA to send.
      const issuedBy = noRoot.findings.find((f) => f.code === 'ISSUED_BY_PARTICIPANT_CA')?.message ?? '';
      expect(issuedBy).not.toContain('self-signed');
      expect(issuedBy).toContain('which you did not send');

      const serverOnly = ssl.signCsr('hub-g-server', dfspRoot, record.csrPem, serverExt('DNS:hub.example'));
      expect(failed(await check(serverOnly + dfspRoot.cert, record.spkiSha256))).toEqual(['EKU_CLIENT_AUTH']);
    });

    it('refuses an expired one', async () => {
      const record = await keys.prepare('dfsp-h', 'sandbox', new Date());
      const cert = ssl.signCsr('hub-h', dfspRoot, record.csrPem, clientExt, 1);
      const later = await checkHubClientCertificate(cert + dfspRoot.cert, {
        policy: policyFor('dfsp', 'sandbox'),
        expectedSpkiSha256: record.spkiSha256,
        hubCaSha256: [hubCa.root.sha256],
        now: new Date(Date.now() + 3 * 86_400_000),
      });
      expect(failed(later)).toContain('CERT_NOT_EXPIRED');
    });
  });
});
