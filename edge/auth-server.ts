/**
 * `npm run auth-server` (started by `npm start`): the embedded OAuth authorization server
 * (oidc-provider) over HTTPS at AUTH_SERVER_LISTEN, reading the clients the worker provisions from
 * the registry database. Its ES256 signing key is made once under DATA_DIR/oauth (0600).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { createAuthorizationServer } from '../activities/credentials/authorization-server';
import { ensureServiceCertificate } from '../activities/pki/hub-service-certificate';
import { openRegistry } from '../activities/registry/database';
import { loadWorkerConfig } from '../worker/config';
import { openHubCa } from '../worker/onboarding-worker';

async function signingKeys(file: string): Promise<{ keys: Record<string, unknown>[] }> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { keys: Record<string, unknown>[] };
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: `hub-${new Date().toISOString().slice(0, 10)}` };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ keys: [jwk] })}\n`, { mode: 0o600 });
  return { keys: [jwk] };
}

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const ca = await openHubCa(config.hubCa);
  const db = await openRegistry(config.registry);
  const dir = path.join(config.dataDir, 'oauth');
  const { hostname, port } = new URL(config.oauth.issuer);
  const tls = await ensureServiceCertificate(ca, path.join(dir, 'tls'), 'oauth', [...new Set([hostname, ...config.gateway.hosts])]);
  const provider = createAuthorizationServer({
    issuer: config.oauth.issuer,
    db,
    audience: config.oauth.audience,
    scopes: config.oauth.scopes,
    jwks: await signingKeys(path.join(dir, 'jwks.json')),
    accessTokenTtlSeconds: config.oauth.accessTokenTtlSeconds,
  });
  // Errors the provider handles (invalid_client, …) are answers, not failures: log the kind only, never a secret.
  provider.on('server_error', (_ctx, err: Error) => process.stderr.write(`auth-server: server_error ${err.message}\n`));
  const server = https.createServer(
    {
      key: readFileSync(tls.keyFile),
      cert: readFileSync(tls.certFile),
      ca: readFileSync(tls.caFile),
      requestCert: true,
      rejectUnauthorized: false,
    },
    provider.callback(),
  );
  server.listen(Number(port), hostname, () =>
    process.stdout.write(
      `auth-server: issuer ${config.oauth.issuer} (token endpoint ${config.oauth.issuer}/token, JWKS ${config.oauth.issuer}/jwks)\n`,
    ),
  );
  const stop = () => server.close(() => void db.destroy().then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`auth-server failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
