/**
 * Helpers for the edge's integration tests: the edge process as `npm start` runs it, and a
 * participant's sandbox OAuth client, its secret picked up as the API would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CredentialIssuer } from '../../activities/credentials/credential-issuer';
import type { SecretPickups } from '../../activities/credentials/secret-pickup';
import type { TestStack } from './temporal-env';
import { eventually } from './eventually';

/**
 * `npm run edge` against the test stack's data and authorization server, with `env` on top (its
 * listeners, upstreams, connect-to); its output collects into `log`. Ready once it announced `ready`.
 */
export async function startEdgeProcess(
  stack: Pick<TestStack, 'dataDir' | 'oauth' | 'gateway'>,
  env: Record<string, string>,
  log: string[],
  ready = 'edge verifier listening',
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'edge/verifier/main.ts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    env: {
      ...process.env,
      DATA_DIR: stack.dataDir,
      HUB_NAME: 'Test Hub',
      AUTH_SERVER_LISTEN: stack.oauth.listen,
      AUTH_AUDIENCE: stack.oauth.audience,
      GATEWAY_ECHO_LISTEN: stack.gateway.echoListen,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`edge exited: ${log.join('')}`);
    return log.join('').includes(ready) ? true : undefined;
  }, 60_000);
  return child;
}

export async function issueOauthClient(
  issuer: CredentialIssuer,
  pickups: SecretPickups,
  participantId: string,
  scopes: string[],
): Promise<{ clientId: string; secret: string }> {
  const issued = await issuer.issue({
    participantId,
    environment: 'sandbox',
    scopes,
    authMethod: 'client_secret_basic',
    writeKey: `${participantId}/oauth-client`,
  });
  const secret = issued.secretPickup === null ? null : await pickups.redeem(issued.secretPickup);
  if (secret === null) throw new Error(`no secret for ${issued.clientId}`);
  return { clientId: issued.clientId, secret };
}
