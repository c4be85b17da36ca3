import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import { loadApiConfig } from '../../api/config';
import { loadTemporalConnection } from '../../config/temporal-connection';
import { loadWorkerConfig } from '../../worker/config';
import { clusterPki } from '../support/cluster-pki';

const { ssl, ca, frontend: server, hubClient: client } = clusterPki();

describe('Temporal connection settings (envconfig: a profile file and TEMPORAL_* variables)', () => {
  it('defaults to the local dev server without TLS', () => {
    const c = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: ssl.file('none.toml') });
    expect(c.connectionOptions).toEqual({ address: '127.0.0.1:7233' });
    expect(c.summary).toEqual({ address: '127.0.0.1:7233', namespace: 'default', tls: 'off', apiKey: false, profile: 'default' });
  });

  it('reads a TOML profile (mTLS to a cluster), with TEMPORAL_* variables over it, for the API and the worker alike', () => {
    const file = ssl.write(
      'temporal.toml',
      [
        '[profile.cluster]',
        'address = "frontend.cluster.test:7233"',
        'namespace = "payments-hub"',
        '[profile.cluster.tls]',
        `server_ca_cert_path = "${ca.certFile}"`,
        'server_name = "frontend.cluster.test"',
        `client_cert_path = "${client.certFile}"`,
        `client_key_path = "${client.keyFile}"`,
        '',
      ].join('\n'),
    );
    const env = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cluster' };
    const c = loadTemporalConnection(env);
    expect(c.summary).toEqual({
      address: 'frontend.cluster.test:7233',
      namespace: 'payments-hub',
      tls: 'mutual',
      apiKey: false,
      profile: 'cluster',
    });
    const tls = c.connectionOptions.tls as {
      serverNameOverride?: string;
      serverRootCACertificate?: Buffer;
      clientCertPair?: { crt: Buffer; key: Buffer };
    };
    expect(tls.serverNameOverride).toBe('frontend.cluster.test');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toBe(ca.cert);
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe(client.cert);
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toBe(client.key);
    // A variable beats the file.
    expect(loadTemporalConnection({ ...env, TEMPORAL_NAMESPACE: 'other' }).namespace).toBe('other');
    // Both processes read the same settings.
    expect(loadApiConfig(env).temporal.summary).toEqual(c.summary);
    expect(loadWorkerConfig(env)).toMatchObject({
      temporal: expect.objectContaining({ address: 'frontend.cluster.test:7233' }),
      namespace: 'payments-hub',
    });
  });

  it('stops with the reason on a profile the file does not have, or a client certificate without its key', () => {
    const file = ssl.write('one.toml', '[profile.default]\naddress = "a:7233"\n');
    expect(() => loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).toThrow(
      /Temporal connection settings .*profile prod.*Profile 'prod' not found/,
    );
    expect(() => loadWorkerConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_TLS_CLIENT_CERT_PATH: client.certFile })).toThrow(
      /needs its key too/,
    );
  });

  describe('API-key mode (Temporal Cloud)', () => {
    let h2: Http2SecureServer;
    const seen: Record<string, string | string[] | undefined>[] = [];
    const sessions = new Set<ServerHttp2Session>();
    beforeAll(async () => {
      // A TLS gRPC endpoint that records each call's headers and answers UNAUTHENTICATED (no Cloud is reachable here).
      h2 = createSecureServer({ key: server.key, cert: server.cert, allowHTTP1: false });
      h2.on('session', (session) => sessions.add(session));
      h2.on('stream', (stream, headers) => {
        seen.push(headers);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '16', 'grpc-message': 'no Cloud here' }));
        stream.end();
      });
      await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => h2.close(() => resolve()));
    });

    it('turns TLS on and sends the key as a Bearer token on every call', async () => {
      const port = (h2.address() as AddressInfo).port;
      const c = loadTemporalConnection({
        TEMPORAL_CONFIG_FILE: ssl.file('none.toml'),
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
        TEMPORAL_NAMESPACE: 'hub.a1b2c',
        TEMPORAL_API_KEY: 'test-api-key-123',
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.certFile,
        TEMPORAL_TLS_SERVER_NAME: 'frontend.cluster.test',
      });
      expect(c.summary).toMatchObject({ tls: 'server', apiKey: true, namespace: 'hub.a1b2c' });
      const connection = Connection.lazy(c.connectionOptions);
      const answer = await connection
        .withDeadline(Date.now() + 3000, () => connection.workflowService.getSystemInfo({}))
        .catch((e: Error) => e);
      await connection.close();
      expect(String(answer)).toMatch(/no Cloud here/);
      // The client reached the endpoint over TLS and sent the key.
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]!.authorization).toBe('Bearer test-api-key-123');
      expect(String(seen[0]![':path'])).toMatch(/^\/temporal\.api\.workflowservice\.v1\.WorkflowService\//);
    });
  });
});
