import { CallbackRoutes } from '../../../activities/network/callback-routes';
import { ManualLedger } from '../../../activities/ledger/hub-ledger';
import { HubJwtKeys } from '../../../activities/keys/hub-jwt-keys';
import { RegistryProcessingCenter } from '../../../activities/processing/processing-center';
import { BankTechnicalUsers } from '../../../activities/credentials/technical-users';
import { ParticipantKeyDirectory } from '../../../activities/keys/participant-keys';
import { statSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connect, createServer, TLSSocket } from 'node:tls';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../../activities';
import { OutboxNotifier } from '../../../activities/notify/outbox-notifier';
import { CsrSigningError, CsrSigningService, SignCsrRequest } from '../../../activities/pki/csr-signing';
import { RegistryCredentialIssuer } from '../../../activities/credentials/credential-issuer';
import { SecretPickups } from '../../../activities/credentials/secret-pickup';
import { NetworkAccessService } from '../../../activities/network/access';
import { NginxGateway } from '../../../activities/network/nginx-gateway';
import { NetworkRegistry } from '../../../activities/network/network-registry';
import { openRegistry, RegistryDb } from '../../../activities/registry/database';
import { HubClientKeys, hubClientSubject } from '../../../activities/pki/hub-client-keys';
import { DatabaseIssuedCertificateRegistry } from '../../../activities/pki/issued-certificates';
import { HubCaError, LocalHubCa } from '../../../activities/pki/local-hub-ca';
import type { ParticipantIdentity } from '../../../activities/pki/policy';
import { caExt, clientExt, OpenSsl } from '../../support/openssl';
import { type RegistryBackend, registryBackends } from '../../support/postgres';

const participant: ParticipantIdentity = {
  participantId: 'acme-pay',
  legalName: 'Acme Pay Ltd',
  country: 'GB',
  hosts: ['localhost', '127.0.0.1'],
};
const subject = '/C=GB/O=Acme Pay Ltd/CN=acme-pay';

let ssl: OpenSsl;
let caDir: string;
let ca: LocalHubCa;
let rootFile: string;
let issuingFile: string;

const databases: RegistryDb[] = [];
async function registryIn(backend: RegistryBackend = registryBackends[0] as RegistryBackend) {
  const db = await openRegistry(await backend.location('hub-ca'));
  databases.push(db);
  return new DatabaseIssuedCertificateRegistry(db);
}

async function service(backend?: RegistryBackend) {
  const registry = await registryIn(backend);
  return { registry, signing: new CsrSigningService(ca, registry, { validityDays: { sandbox: 90, production: 365 } }) };
}

afterAll(async () => {
  await Promise.all(databases.map((db) => db.destroy()));
});

function request(csrPem: string, overrides: Partial<SignCsrRequest> = {}): SignCsrRequest {
  return { csrPem, participant, kind: 'tpp', environment: 'sandbox', role: 'tls-client', ...overrides };
}

beforeAll(async () => {
  ssl = new OpenSsl();
  caDir = path.join(ssl.dir, 'hub-ca');
  ca = await LocalHubCa.openEmbedded({ dir: caDir, hubName: 'Test Hub' });
  rootFile = path.join(caDir, 'root.cert.pem');
  issuingFile = path.join(caDir, 'issuing.cert.pem');
});

describe('embedded hub CA', () => {
  it('is generated once with keys readable by the owner only, and reused on the next start', async () => {
    for (const key of ['root.key.pem', 'issuing.key.pem']) {
      expect((statSync(path.join(caDir, key)).mode & 0o777).toString(8)).toBe('600');
    }
    const reopened = await LocalHubCa.openEmbedded({ dir: caDir, hubName: 'Test Hub' });
    expect(reopened.root.sha256).toBe(ca.root.sha256);
    expect(reopened.issuing.sha256).toBe(ca.issuing.sha256);
    expect(reopened.chainPem()).toBe(readFileSync(path.join(caDir, 'ca-chain.pem'), 'utf8'));
    expect(ssl.verify(rootFile, issuingFile, issuingFile).ok).toBe(true);
  });
});

describe.each(registryBackends)('signing a participant CSR (registry on $name)', (backend) => {
  it('issues a certificate that openssl verifies against the hub root and intermediate, with the profile', async () => {
    const csr = ssl.csr('client.csr', ssl.key('client.key', 'rsa:2048'), subject, [
      'subjectAltName=DNS:localhost',
      'extendedKeyUsage=serverAuth,codeSigning',
    ]);
    const { signing } = await service(backend);
    const issued = await signing.sign(request(csr));
    const certFile = ssl.write('issued-client.pem', issued.certificatePem);
    expect(ssl.verify(rootFile, issuingFile, certFile)).toEqual({ ok: true, output: `${certFile}: OK\n` });

    const text = ssl.run(['x509', '-in', certFile, '-noout', '-text']);
    expect(text).toMatch(/Subject: C = GB, O = Acme Pay Ltd, CN = acme-pay\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    // The CSR asked for serverAuth and codeSigning: the profile, not the CSR, decides.
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:localhost\n/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    const aki = /X509v3 Authority Key Identifier: \n\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
    const issuerSki = /X509v3 Subject Key Identifier: \n\s+([0-9A-F:]+)/.exec(
      ssl.run(['x509', '-in', issuingFile, '-noout', '-text']),
    )?.[1];
    expect(aki).toBe(issuerSki);
    expect(issued.serialHex).toMatch(/^[4-7][0-9a-f]{31}$/);
    // sha256WithRSAEncryption with the NULL parameters RFC 4055 requires, in TBS and outer field.
    const der = Buffer.from(issued.certificatePem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('hex');
    expect(der.split('300d06092a864886f70d01010b0500').length - 1).toBe(2);
    const days = (Date.parse(issued.notAfter) - Date.parse(issued.notBefore)) / 86_400_000;
    expect(Math.round(days)).toBe(90);
  });

  it('gives a server certificate serverAuth and the declared hosts as SANs', async () => {
    const csr = ssl.csr('server.csr', ssl.key('server.key', 'rsa:2048'), '/C=GB/O=Acme Pay Ltd/CN=localhost');
    const issued = await (await service(backend)).signing.sign(request(csr, { role: 'tls-server', environment: 'production' }));
    const text = ssl.run(['x509', '-noout', '-text'], issued.certificatePem);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(text).toMatch(/DNS:localhost, IP Address:127.0.0.1/);
    expect(Math.round((Date.parse(issued.notAfter) - Date.parse(issued.notBefore)) / 86_400_000)).toBe(365);
  });

  it('returns the same certificate when the same CSR is signed again for the same step, and records it once', async () => {
    const csr = ssl.csr('retry.csr', ssl.key('retry.key', 'rsa:2048'), subject);
    const { signing, registry } = await service(backend);
    const [a, b] = await Promise.all([signing.sign(request(csr)), signing.sign(request(csr))]);
    const c = await signing.sign(request(csr));
    expect(b.sha256).toBe(a.sha256);
    expect(c).toMatchObject({ sha256: a.sha256, serialHex: a.serialHex, reused: true });
    const records = await registry.list();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      issuanceKey: 'acme-pay/sandbox/tls-client',
      participantId: 'acme-pay',
      environment: 'sandbox',
      role: 'tls-client',
      serialHex: a.serialHex,
      subject: 'C=GB, O=Acme Pay Ltd, CN=acme-pay',
      certificateSha256: a.sha256,
      notBefore: a.notBefore,
      notAfter: a.notAfter,
    });
  });

  it('refuses a CSR whose checks fail, names the failing rules and issues nothing', async () => {
    const csr = ssl.csr('bad.csr', ssl.key('bad.key', 'rsa:1024'), subject, ['basicConstraints=critical,CA:TRUE']);
    const { signing, registry } = await service(backend);
    const error = await signing.sign(request(csr)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsrSigningError);
    expect((error as CsrSigningError).code).toBe('CSR_REJECTED');
    const codes = ((error as CsrSigningError).details.findings as { code: string }[]).map((f) => f.code).sort();
    expect(codes).toEqual(['CSR_NO_CA_REQUEST', 'KEY_SIZE_MIN']);
    expect(await registry.list()).toEqual([]);
  });

  it('refuses a key already enrolled by another participant', async () => {
    const key = ssl.key('shared.key', 'rsa:2048');
    const { signing } = await service(backend);
    await signing.sign(request(ssl.csr('mine.csr', key, subject)));
    const other: ParticipantIdentity = { participantId: 'other-bank', legalName: 'Other Bank', country: 'DE', hosts: [] };
    const theirs = ssl.csr('theirs.csr', key, '/C=DE/O=Other Bank/CN=other-bank');
    const error = (await signing.sign(request(theirs, { participant: other })).catch((e: unknown) => e)) as CsrSigningError;
    expect((error.details.findings as { code: string }[]).map((f) => f.code)).toEqual(['DUPLICATE_KEY']);
  });

  it('refuses the sandbox key for the production CSR, saying production needs a key pair of its own', async () => {
    const key = ssl.key('sandbox-reused.key', 'rsa:2048');
    const { signing } = await service(backend);
    const sandbox = await signing.checkAndSign(request(ssl.csr('sandbox-reused.csr', key, subject)));
    expect(sandbox.report.blocking).toBe(false);
    const production = await signing.checkAndSign(request(ssl.csr('production-reused.csr', key, subject), { environment: 'production' }));
    expect(production.issued).toBeNull();
    const duplicate = production.report.findings.find((f) => f.code === 'DUPLICATE_KEY');
    expect(duplicate).toMatchObject({ result: 'fail', detail: { usedFor: ['tls-client in sandbox'] } });
    expect(duplicate?.message).toContain('production needs a key pair of its own');
    expect(duplicate?.message).not.toContain('new to the hub');
  });

  it('checks and signs in one call: the report with the certificate openssl verifies, the same certificate on a retry, nothing issued when the report blocks', async () => {
    const { signing, registry } = await service(backend);
    const csr = ssl.csr('once.csr', ssl.key('once.key', 'rsa:2048'), subject);
    const first = await signing.checkAndSign(request(csr));
    expect(first.report).toMatchObject({ blocking: false, verdict: 'pass' });
    expect(first.report.findings.find((f) => f.code === 'DUPLICATE_KEY')).toMatchObject({ result: 'pass' });
    if (first.issued === null) throw new Error('expected a certificate');
    const leaf = ssl.write('once.cert.pem', first.issued.certificatePem);
    expect(ssl.verify(rootFile, issuingFile, leaf).ok).toBe(true);
    const [again, twin] = await Promise.all([signing.checkAndSign(request(csr)), signing.checkAndSign(request(csr))]);
    expect(again.report.blocking).toBe(false);
    expect(again.issued).toMatchObject({ sha256: first.issued.sha256, serialHex: first.issued.serialHex, reused: true });
    expect(twin.issued?.sha256).toBe(first.issued.sha256);
    expect(await registry.list()).toHaveLength(1);

    const weak = await signing.checkAndSign(request(ssl.csr('weak.csr', ssl.key('weak.key', 'rsa:1024'), subject)));
    expect(weak.issued).toBeNull();
    expect(weak.report.blocking).toBe(true);
    expect(weak.report.findings.filter((f) => f.result === 'fail').map((f) => f.code)).toEqual(['KEY_SIZE_MIN']);
    const garbage = await signing.checkAndSign(request('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'));
    expect(garbage).toMatchObject({ issued: null, report: { blocking: true } });
    expect(await registry.list()).toHaveLength(1);
  });

  it('surfaces a refusal from the activity as a non-retryable ApplicationFailure typed CSR_REJECTED', async () => {
    const { signing } = await service(backend);
    const db = await openRegistry(await backend.location('hub-ca-gateway'));
    databases.push(db);
    const gateway = new NginxGateway({
      prefix: path.join(ssl.dir, 'gateway'),
      binary: '/usr/sbin/nginx',
      listen: { sandbox: '127.0.0.1:1', production: '127.0.0.1:2' },
      echoListen: '127.0.0.1:3',
      upstream: { sandbox: null, production: null },
      tls: { certFile: 'unused', keyFile: 'unused', caFile: 'unused' },
    });
    const network = new NetworkAccessService(new NetworkRegistry(db), gateway);
    const activities = createActivities({
      notifier: new OutboxNotifier(path.join(ssl.dir, 'outbox.jsonl')),
      ca,
      csrSigning: signing,
      tppTrustAnchors: null,
      network,
      credentials: new RegistryCredentialIssuer(db, new SecretPickups(db, path.join(ssl.dir, 'pickup.key'))),
      rotationOverlapSeconds: 60,
      requestProofKey: Buffer.alloc(32, 9),
      keys: new ParticipantKeyDirectory(db),
      hubClientKeys: new HubClientKeys(db, Buffer.alloc(32, 7), hubClientSubject('Test Hub')),
      routes: new CallbackRoutes(db),
      outbound: { timeoutMs: 1000, connectTo: {} },
      ledger: new ManualLedger(),
      hubJwtKeys: new HubJwtKeys(db, Buffer.alloc(32, 8)),
      processingCenter: new RegistryProcessingCenter(db),
      technicalUsers: new BankTechnicalUsers(db, new SecretPickups(db, path.join(ssl.dir, 'pickup.key'))),
      hubName: 'Test Hub',
      uat: null,
    });
    const csr = ssl.csr('activity.csr', ssl.key('activity.key', 'rsa:1024'), subject);
    const failure = await new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') })
      .run(activities.pki.signParticipantCsr, request(csr))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'CSR_REJECTED', nonRetryable: true });
  });
});

describe('hub CA from PEM files (production)', () => {
  let files: { rootCertPem: string; issuingCertPem: string; issuingKeyPem: string };

  beforeAll(() => {
    const root = ssl.selfSigned('prod-root', 'rsa:2048', '/O=Prod Hub/CN=Prod Hub Root CA');
    const keyFile = ssl.file('prod-issuing.key');
    ssl.run([
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-aes-256-cbc',
      '-pass',
      'pass:correct horse',
      '-out',
      keyFile,
    ]);
    const plainKey = ssl.file('prod-issuing.plain.key');
    ssl.run(['pkey', '-in', keyFile, '-passin', 'pass:correct horse', '-out', plainKey]);
    const issuing = ssl.signed('prod-issuing', root, { keyFile: plainKey, subject: '/O=Prod Hub/CN=Prod Hub Issuing CA', ext: caExt });
    files = { rootCertPem: root.cert, issuingCertPem: issuing.cert, issuingKeyPem: readFileSync(keyFile, 'utf8') };
  });

  it('loads an encrypted PKCS#8 issuing key with its passphrase and signs certificates openssl verifies', async () => {
    expect(files.issuingKeyPem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    const prodCa = await LocalHubCa.fromFiles({ ...files, passphrase: 'correct horse' });
    const signing = new CsrSigningService(prodCa, await registryIn(), {
      validityDays: { sandbox: 30, production: 365 },
    });
    const issued = await signing.sign(
      request(ssl.csr('prod.csr', ssl.key('prod-client.key', 'rsa:2048'), subject), { environment: 'production' }),
    );
    const rootPem = ssl.write('prod-root-only.pem', files.rootCertPem);
    const issuingPem = ssl.write('prod-issuing-only.pem', files.issuingCertPem);
    expect(ssl.verify(rootPem, issuingPem, ssl.write('prod-issued.pem', issued.certificatePem)).ok).toBe(true);
  });

  it('signs with an EC P-256 issuing CA, DER-encoding the ECDSA signature so openssl verifies it', async () => {
    const root = ssl.selfSigned('ec-root', 'ec:P-256', '/O=EC Hub/CN=EC Hub Root CA');
    const issuing = ssl.signed('ec-issuing', root, { keySpec: 'ec:P-256', subject: '/O=EC Hub/CN=EC Hub Issuing CA', ext: caExt });
    const ecCa = await LocalHubCa.fromFiles({ rootCertPem: root.cert, issuingCertPem: issuing.cert, issuingKeyPem: issuing.key });
    const signing = new CsrSigningService(ecCa, await registryIn(), {
      validityDays: { sandbox: 30, production: 365 },
    });
    const issued = await signing.sign(request(ssl.csr('ec-ca-client.csr', ssl.key('ec-ca-client.key', 'rsa:2048'), subject)));
    expect(ssl.verify(root.certFile, issuing.certFile, ssl.write('ec-issued.pem', issued.certificatePem)).ok).toBe(true);
    expect(ssl.run(['x509', '-noout', '-text'], issued.certificatePem)).toContain('Signature Algorithm: ecdsa-with-SHA256');
  });

  it('refuses a wrong passphrase and a key that does not belong to the issuing certificate', async () => {
    await expect(LocalHubCa.fromFiles({ ...files, passphrase: 'wrong' })).rejects.toMatchObject({ code: 'CA_FILES_INVALID' });
    const strangerKey = readFileSync(ssl.key('stranger-ca.key', 'rsa:2048'), 'utf8');
    const mismatch = await LocalHubCa.fromFiles({ ...files, issuingKeyPem: strangerKey }).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(HubCaError);
    expect((mismatch as HubCaError).code).toBe('CA_KEY_MISMATCH');
  });
});

describe('a real TLS handshake with hub-issued certificates', () => {
  function handshake(port: number, client: { cert: string; key: string }): Promise<{ authorized: boolean; error?: string }> {
    return new Promise((resolve) => {
      const socket: TLSSocket = connect({
        port,
        host: '127.0.0.1',
        servername: 'localhost',
        ca: ca.chainPem(),
        cert: client.cert,
        key: client.key,
      });
      socket.once('data', (data) => {
        resolve({ authorized: data.toString() === 'authorized' });
        socket.end();
      });
      socket.once('error', (err) => resolve({ authorized: false, error: (err as NodeJS.ErrnoException).code ?? err.message }));
      socket.once('end', () => resolve({ authorized: false, error: 'closed' }));
    });
  }

  it('accepts a client certificate the hub issued and rejects one from another CA', async () => {
    const { signing } = await service();
    const serverKey = ssl.key('tls-server.key', 'rsa:2048');
    const server = await signing.sign(
      request(ssl.csr('tls-server.csr', serverKey, '/C=GB/O=Acme Pay Ltd/CN=localhost'), { role: 'tls-server' }),
    );
    const clientKey = ssl.key('tls-client.key', 'rsa:2048');
    const client = await signing.sign(request(ssl.csr('tls-client.csr', clientKey, subject)));
    const otherRoot = ssl.selfSigned('other-ca', 'rsa:2048', '/O=Elsewhere/CN=Other CA');
    const foreign = ssl.signed('foreign-client', otherRoot, { subject, ext: clientExt });

    const tlsServer = createServer(
      {
        cert: server.certificatePem + server.chainPem,
        key: readFileSync(serverKey),
        ca: ca.chainPem(),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => socket.end(socket.authorized ? 'authorized' : 'unauthorized'),
    );
    tlsServer.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const port = (tlsServer.address() as { port: number }).port;
    try {
      expect(await handshake(port, { cert: client.certificatePem, key: readFileSync(clientKey, 'utf8') })).toEqual({ authorized: true });
      const rejected = await handshake(port, { cert: foreign.cert, key: foreign.key });
      expect(rejected.authorized).toBe(false);
    } finally {
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });
});
