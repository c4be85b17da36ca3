/**
 * Temporal reached only through TLS with client authentication, configured the way an operator
 * configures a secured cluster: a TOML profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE) read by
 * @temporalio/envconfig. The dev server cannot serve TLS itself, so it sits behind a TLS terminator
 * that demands a client certificate from the cluster's CA (and speaks h2, as gRPC needs). The API's
 * client and the worker's native connection both get through with the profile's certificate; a
 * client without one, or with a certificate from another CA, does not.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadApiConfig } from '../../api/config';
import { loadTemporalConnection } from '../../config/temporal-connection';
import { loadWorkerConfig } from '../../worker/config';
import { clusterPki } from '../support/cluster-pki';
import { caExt, clientExt } from '../support/openssl';

jest.setTimeout(120_000);

const { ssl, ca, frontend, hubClient } = clusterPki();
const otherCa = ssl.selfSigned('other-ca', 'ec:P-256', '/CN=Other CA', caExt);
const stranger = ssl.signed('stranger', otherCa, { keySpec: 'ec:P-256', subject: '/CN=stranger', ext: clientExt });

let terminator: tls.Server;
let port: number;
const handshakes: { authorized: boolean; subject: string | null }[] = [];

beforeAll(async () => {
  const [host, upstreamPort] = String(process.env.TEMPORAL_TEST_ADDRESS).split(':');
  terminator = tls.createServer(
    { key: frontend.key, cert: frontend.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      handshakes.push({ authorized: socket.authorized, subject: String(socket.getPeerCertificate().subject?.CN ?? '') || null });
      const upstream = net.connect(Number(upstreamPort), host);
      socket.pipe(upstream).pipe(socket);
      const close = () => (socket.destroy(), upstream.destroy());
      socket.on('error', close);
      upstream.on('error', close);
    },
  );
  await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', resolve));
  port = (terminator.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => terminator.close(() => resolve())));

/** The profile an operator writes for the cluster, with the given client certificate (or none). */
function profileEnv(client: { certFile: string; keyFile: string } | null): NodeJS.ProcessEnv {
  const file = ssl.write(
    `temporal-${client ? client.certFile.replace(/\W/g, '') : 'none'}.toml`,
    [
      '[profile.cluster]',
      `address = "127.0.0.1:${port}"`,
      `namespace = "${process.env.TEMPORAL_TEST_NAMESPACE}"`,
      '[profile.cluster.tls]',
      `server_ca_cert_path = "${ca.certFile}"`,
      'server_name = "frontend.cluster.test"',
      ...(client ? [`client_cert_path = "${client.certFile}"`, `client_key_path = "${client.keyFile}"`] : []),
      '',
    ].join('\n'),
  );
  return { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cluster' };
}

describe('Temporal through mTLS, configured by an envconfig profile', () => {
  it("lets the API's client through with the profile's client certificate", async () => {
    const config = loadApiConfig(profileEnv(hubClient));
    expect(config.temporal.summary).toMatchObject({ tls: 'mutual', profile: 'cluster', address: `127.0.0.1:${port}` });
    const connection = await Connection.connect(config.temporal.connectionOptions);
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: config.namespace });
      expect(described.namespaceInfo?.name).toBe(process.env.TEMPORAL_TEST_NAMESPACE);
    } finally {
      await connection.close();
    }
    expect(handshakes.at(-1)).toEqual({ authorized: true, subject: 'onboarding-hub' });
  });

  it("lets the worker's native connection through the same way", async () => {
    const config = loadWorkerConfig(profileEnv(hubClient));
    const connection = await NativeConnection.connect(config.temporal.connectionOptions);
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      const namespaces = await connection.workflowService.describeNamespace({ namespace: config.namespace });
      expect(namespaces.namespaceInfo?.name).toBe(process.env.TEMPORAL_TEST_NAMESPACE);
    } finally {
      await connection.close();
    }
  });

  it('refuses a client without a certificate and one whose certificate another CA issued', async () => {
    const before = handshakes.length;
    for (const client of [null, stranger]) {
      const options = loadTemporalConnection(profileEnv(client)).connectionOptions;
      await expect(Connection.connect({ ...options, connectTimeout: 3000 })).rejects.toThrow();
    }
    // Neither got past the TLS handshake to the server.
    expect(handshakes.length).toBe(before);
  });
});
