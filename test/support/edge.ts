/** Helpers for the edge's integration test: a participant's sandbox OAuth client, its secret picked up as the API would. */
import type { CredentialIssuer } from '../../activities/credentials/credential-issuer';
import type { SecretPickups } from '../../activities/credentials/secret-pickup';

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
