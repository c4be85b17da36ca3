import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alive, NginxGateway, nginxProcessesOf } from '../../../activities/network/nginx-gateway';
import { eventually } from '../../support/eventually';
import { NetworkRegistry, pinOf } from '../../../activities/network/network-registry';
import { clientExt, OpenSsl } from '../../support/openssl';
import { callGateway, GatewayRig, startGatewayRig } from '../../support/gateway';

const participant = { participantId: 'acme-pay', legalName: 'Acme Pay Ltd', country: 'GB', hosts: [] };

let clientSerial: string;
let rig: GatewayRig;
let ssl: OpenSsl;
let client: { cert: string; key: string };
let caChain: string;

beforeAll(async () => {
  rig = await startGatewayRig();
  ssl = new OpenSsl();
  const keyFile = ssl.key('acme.key', 'rsa:2048');
  const issued = await rig.signing.sign({
    csrPem: ssl.csr('acme.csr', keyFile, '/C=GB/O=Acme Pay Ltd/CN=acme-pay'),
    participant,
    kind: 'tpp',
    environment: 'sandbox',
    role: 'tls-client',
  });
  client = { cert: issued.certificatePem, key: readFileSync(keyFile, 'utf8') };
  clientSerial = issued.serialHex;
  caChain = rig.ca.chainPem();
});

afterAll(async () => {
  await rig?.stop();
});

const call = (from: string, creds: { cert?: string; key?: string } = client, port = rig.ports.sandbox) =>
  callGateway({ port, from, ca: caChain, ...creds });

describe('gateway on a real nginx', () => {
  it('records an allowlist without admitting anyone, then, once access is granted, lets the participant in with its hub-issued certificate from an allowlisted address only', async () => {
    const applied = await rig.access.applyAllowlist({
      participantId: 'acme-pay',
      environment: 'sandbox',
      entries: ['127.0.0.2'],
      writeKey: 'wf-acme/ip-allowlist@sandbox#1/1',
    });
    expect(applied).toMatchObject({ version: 1, entries: ['127.0.0.2/32'], live: true });
    // The list is in force for the participant's access, which only its journey opens.
    expect(await call('127.0.0.2')).toMatchObject({ status: 403 });
    const granted = await rig.access.grant('acme-pay', 'sandbox', 'wf-acme/access@sandbox/1', 'test: access steps accepted');
    expect(granted.live).toBe(true);

    const ok = await call('127.0.0.2');
    expect(ok).toMatchObject({ status: 200 });
    // The upstream learns who called, from the certificate, not from anything the caller says.
    expect(JSON.parse((ok as { body: string }).body)).toMatchObject({ participant: 'acme-pay', environment: 'sandbox', path: '/accounts' });

    expect(await call('127.0.0.3')).toMatchObject({ status: 403 });
    // No certificate: refused before any participant rule; one another CA issued — even naming the
    // participant and carrying its serial — is no pinned certificate: refused.
    expect(await call('127.0.0.2', {})).toMatchObject({ status: 400 });
    const otherRoot = ssl.selfSigned('other-ca', 'rsa:2048', '/CN=Other CA');
    const other = ssl.signed('other-client', otherRoot, { subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay', ext: clientExt });
    expect(await call('127.0.0.2', { cert: other.cert, key: other.key })).toMatchObject({ status: 403 });
    // Even with the participant's own serial, from that other CA.
    const forged = ssl.signed('forged-client', otherRoot, {
      subject: '/C=GB/O=Acme Pay Ltd/CN=acme-pay',
      ext: clientExt,
      serial: `0x${clientSerial}`,
    });
    expect(await call('127.0.0.2', { cert: forged.cert, key: forged.key })).toMatchObject({ status: 403 });
    // The production server does not know the sandbox certificate.
    expect(await call('127.0.0.2', client, rig.ports.production)).toMatchObject({ status: 403 });
    // A participant's internal location cannot be asked for directly.
    expect(
      await callGateway({ port: rig.ports.sandbox, from: '127.0.0.2', ca: caChain, ...client, path: '/@participant/acme-pay/x' }),
    ).toMatchObject({ status: 404 });
  });

  it('replaces the allowlist with a new full list (PUT semantics) and records each version once', async () => {
    const key = 'wf-acme/ip-allowlist@sandbox#1/2';
    const [a, b] = await Promise.all([
      rig.access.applyAllowlist({ participantId: 'acme-pay', environment: 'sandbox', entries: ['127.0.0.3'], writeKey: key }),
      rig.access.applyAllowlist({ participantId: 'acme-pay', environment: 'sandbox', entries: ['127.0.0.3'], writeKey: key }),
    ]);
    expect([a.version, b.version]).toEqual([2, 2]);
    expect(await call('127.0.0.3')).toMatchObject({ status: 200 });
    expect(await call('127.0.0.2')).toMatchObject({ status: 403 });
    const current = await new NetworkRegistry(rig.db).currentAllowlist('acme-pay', 'sandbox');
    expect(current).toMatchObject({ version: 2, entries: ['127.0.0.3/32'] });
  });

  it('stops admitting a replaced certificate once it is retired, while its renewal stays admitted', async () => {
    const renewedKey = ssl.key('acme-renewed.key', 'rsa:2048');
    const renewed = await rig.signing.sign({
      csrPem: ssl.csr('acme-renewed.csr', renewedKey, '/C=GB/O=Acme Pay Ltd/CN=acme-pay'),
      participant: { participantId: 'acme-pay', legalName: 'Acme Pay Ltd', country: 'GB', hosts: [] },
      kind: 'tpp',
      environment: 'sandbox',
      role: 'tls-client',
    });
    await rig.access.applyAllowlist({
      participantId: 'acme-pay',
      environment: 'sandbox',
      entries: ['127.0.0.3'],
      writeKey: 'wf-acme/ip-allowlist@sandbox#1/renewal',
    });
    const next = { cert: renewed.certificatePem, key: readFileSync(renewedKey, 'utf8') };
    // Both in force during the grace.
    expect(await call('127.0.0.3')).toMatchObject({ status: 200 });
    expect(await call('127.0.0.3', next)).toMatchObject({ status: 200 });
    const change = await rig.access.retireCertificate(
      'acme-pay',
      'sandbox',
      pinOf(client.cert).sha256,
      'wf-acme/client-csr@sandbox#1/retire',
    );
    expect(change?.live).toBe(true);
    expect(await call('127.0.0.3')).toMatchObject({ status: 403 });
    expect(await call('127.0.0.3', next)).toMatchObject({ status: 200 });
  });

  it('removes access on revocation', async () => {
    const change = await rig.access.revoke('acme-pay', 'sandbox', 'wf-acme/revoke@sandbox');
    expect(change.live).toBe(true);
    expect(await call('127.0.0.3')).toMatchObject({ status: 403 });
  });

  it('keeps the running configuration when nginx -t refuses a revision, and fails with the nginx message', async () => {
    const before = await rig.gateway.serving();
    const broken = new NginxGateway({
      ...rig.options,
      tls: { certFile: '/nonexistent/cert.pem', keyFile: '/nonexistent/key.pem', caFile: '/nonexistent/ca.pem' },
    });
    const applied = await broken.apply({ sandbox: [], production: [] }, 'broken');
    expect(applied.status).toBe('refused');
    expect(applied.message).toContain('/nonexistent/cert.pem');
    expect(await rig.gateway.serving()).toBe(before);
    expect(await call('127.0.0.2', {})).toMatchObject({ status: 400 });
  });

  it('after its master is SIGKILLed: applies nothing (GATEWAY_NOT_RUNNING, nothing recorded), clears the orphaned worker, and starts again serving the live revision', async () => {
    const pidFile = path.join(rig.options.prefix, 'run', 'nginx.pid');
    const master = Number(readFileSync(pidFile, 'utf8').trim());
    const orphans = (await nginxProcessesOf(rig.options.prefix)).filter((p) => p !== master);
    expect(orphans.length).toBeGreaterThan(0);
    process.kill(master, 'SIGKILL');
    await eventually(async () => (alive(master) ? undefined : true));
    // The orphaned worker still holds the port and answers with the old revision.
    expect(orphans.every(alive)).toBe(true);
    const served = await rig.gateway.serving();
    expect(served).not.toBeNull();
    // Nothing is applied or recorded while no master runs.
    const revisions = await rig.db.selectFrom('gatewayRevisions').select('revision').execute();
    await expect(rig.access.grant('acme-pay', 'production', 'w-after-kill', 'test')).rejects.toMatchObject({ code: 'GATEWAY_NOT_RUNNING' });
    expect(await rig.db.selectFrom('gatewayRevisions').select('revision').execute()).toEqual(revisions);
    expect(await new NetworkRegistry(rig.db).isGranted('acme-pay', 'production')).toBe(false);
    // A start clears what the dead master left, then its own nginx serves the live file's revision.
    const stopped = await rig.gateway.clearStale();
    expect(stopped.sort()).toEqual(orphans.sort());
    expect(orphans.some(alive)).toBe(false);
    const nginx = rig.gateway.start();
    try {
      await eventually(async () => ((await rig.gateway.servesAs(nginx.pid ?? -1)) ? true : undefined));
      expect(await rig.gateway.serving()).toBe(served);
      // And the grant goes through now.
      expect((await rig.access.grant('acme-pay', 'production', 'w-after-restart', 'test')).live).toBe(true);
    } finally {
      nginx.kill('SIGQUIT');
      await new Promise((resolve) => nginx.once('exit', resolve));
    }
  });
});
