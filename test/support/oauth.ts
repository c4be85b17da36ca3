/** The embedded authorization server for tests: started as `npm start` starts it, on the test stack's DATA_DIR and port. */
import { ChildProcess, spawn } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import type { OauthConfig } from '../../worker/config';
import { eventually } from './eventually';

const root = path.resolve(__dirname, '..', '..');

export async function startAuthServer(dataDir: string, oauth: OauthConfig, output: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'edge/auth-server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      HUB_NAME: 'Test Hub',
      AUTH_SERVER_LISTEN: oauth.listen,
      AUTH_AUDIENCE: oauth.audience,
      OAUTH_SCOPES: oauth.scopes.join(' '),
      ACCESS_TOKEN_TTL_SECONDS: String(oauth.accessTokenTtlSeconds),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`auth-server exited: ${output.join('')}`);
    return output.join('').includes('auth-server: issuer') ? true : undefined;
  }, 60_000);
  return child;
}

export interface HttpsAnswer {
  status: number;
  body: string;
  /** Where a redirect points (an authorization request's answer). */
  location?: string;
}

/** An HTTPS request trusting `ca`, optionally with a client certificate. */
export function httpsRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; ca: string; cert?: string; key?: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A client-credentials token request (client_secret_basic when a secret is given). */
export function tokenRequest(
  oauth: OauthConfig,
  ca: string,
  clientId: string,
  secret: string | null,
  scope: string,
  tls?: { cert: string; key: string },
): Promise<HttpsAnswer> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope, ...(secret === null ? { client_id: clientId } : {}) });
  return httpsRequest(`${oauth.issuer}/token`, {
    method: 'POST',
    ca,
    ...(tls ?? {}),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(secret !== null
        ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}` }
        : {}),
    },
    body: form.toString(),
  });
}
