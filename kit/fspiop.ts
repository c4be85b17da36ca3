/**
 * The participant's own calls to the hub's edge: a client-credentials token from the hub's
 * authorization server, and a signed FSPIOP request through the gateway — both over mTLS with the
 * hub-issued client certificate, trusting only the hub CA.
 */
import { request as httpsRequest } from 'node:https';
import { fspiopSignature } from './crypto';
import { KitError } from './folder';

export interface Tls {
  ca: string;
  cert: string;
  key: string;
}

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  url: URL,
  options: { method: string; headers: Record<string, string>; body?: string; tls: Tls; servername?: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method,
        headers: options.headers,
        ca: options.tls.ca,
        cert: options.tls.cert,
        key: options.tls.key,
        ...(options.servername ? { servername: options.servername } : {}),
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', (err) => reject(new KitError(`${url.origin} did not answer over TLS: ${err.message}`)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A client-credentials token (client_secret_basic, over mTLS). */
export async function clientCredentialsToken(
  tokenEndpoint: string,
  client: { clientId: string; secret: string | null; scope?: string },
  tls: Tls,
): Promise<{ access_token: string; expires_in?: number; scope?: string; token_type?: string }> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    ...(client.scope ? { scope: client.scope } : {}),
    ...(client.secret === null ? { client_id: client.clientId } : {}),
  });
  const basic: Record<string, string> =
    client.secret === null
      ? {}
      : {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
        };
  const answer = await send(new URL(tokenEndpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic },
    body: form.toString(),
    tls,
  });
  if (answer.status !== 200) throw new KitError(`the token endpoint refused (${answer.status}): ${answer.body.slice(0, 500)}`);
  return JSON.parse(answer.body) as { access_token: string };
}

/** The FSPIOP resource a path addresses (`/parties/MSISDN/1` → parties), for its content type. */
export function fspiopResource(path: string): string {
  const first = path.split('?')[0]?.split('/').filter(Boolean)[0];
  if (!first) throw new KitError(`${path} names no FSPIOP resource (e.g. /parties/MSISDN/123)`);
  return first;
}

/** A signed FSPIOP request through the gateway (a body is signed with the JWS key; a GET carries none). */
export async function fspiopCall(input: {
  gateway: string;
  method: string;
  path: string;
  source: string;
  destination?: string;
  body?: string;
  token: string;
  jwsKeyPem: string;
  tls: Tls;
}): Promise<HttpsAnswer> {
  const resource = fspiopResource(input.path);
  const type = `application/vnd.interoperability.${resource}+json;version=1.0`;
  const date = new Date().toUTCString();
  const method = input.method.toUpperCase();
  const headers: Record<string, string> = {
    accept: type,
    date,
    'fspiop-source': input.source,
    ...(input.destination ? { 'fspiop-destination': input.destination } : {}),
    authorization: `Bearer ${input.token}`,
  };
  if (input.body !== undefined) {
    headers['content-type'] = type;
    headers['fspiop-uri'] = input.path;
    headers['fspiop-http-method'] = method;
    headers['fspiop-signature'] = await fspiopSignature(input.jwsKeyPem, {
      uri: input.path,
      method,
      source: input.source,
      ...(input.destination ? { destination: input.destination } : {}),
      date,
      body: input.body,
    });
  }
  return send(new URL(`https://${input.gateway}${input.path}`), {
    method,
    headers,
    ...(input.body !== undefined ? { body: input.body } : {}),
    tls: input.tls,
  });
}
