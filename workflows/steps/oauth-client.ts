import { activitiesFor } from '../frame/summaries';
import type { CredentialActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, SubmissionInstance } from '../messages';
import { attemptWriteKey, awaitSubmission } from '../frame/waits';

const credentials = activitiesFor<CredentialActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * Issues the participant's OAuth client for the environment with the onboarding's scopes, or —
 * when it exists — rotates its secret, or moves it to the method the participant now asks for
 * (`tls_client_auth`: certificate-bound tokens, no secret). The secret never passes through here: the artifact holds
 * the client id and the id of a one-time pickup the API redeems into the one response that shows it.
 */
export function oauthClientHandler(journey: Journey, scopes: string[]): SubmissionHandler<'oauth-client'> {
  return async (input, instance) => {
    const payload = input.payload as { authMethod?: unknown; tlsSubjectDn?: unknown };
    const existing = instance.artifact;
    const issued = instance.status === 'accepted' && typeof existing?.clientId === 'string' ? existing : null;
    // Asked again without a method: the client keeps the one it has (a rotation), it does not silently change.
    const authMethod =
      payload.authMethod === 'tls_client_auth' || payload.authMethod === 'client_secret_basic'
        ? payload.authMethod
        : issued?.authMethod === 'tls_client_auth'
          ? 'tls_client_auth'
          : 'client_secret_basic';
    const tlsSubjectDn = typeof payload.tlsSubjectDn === 'string' ? payload.tlsSubjectDn : undefined;
    // The subject DN is needed to make a certificate-bound client, not to ask an existing one again.
    if (authMethod === 'tls_client_auth' && !tlsSubjectDn && !(issued?.authMethod === 'tls_client_auth')) {
      return {
        accepted: false,
        findings: [
          {
            code: 'TLS_SUBJECT_DN_REQUIRED',
            result: 'fail',
            message: 'tls_client_auth needs tlsSubjectDn, the subject of the hub-issued client certificate',
          },
        ],
        report: {},
      };
    }
    const writeKey = attemptWriteKey(instance);
    const client =
      issued !== null && issued.authMethod !== authMethod
        ? // The participant asks for the other method: the client changes (tls_client_auth: certificate-bound
          // tokens, its secrets stop at once; back to a secret: a new one, shown once).
          await credentials.changeOauthAuthMethod({
            clientId: issued.clientId as string,
            authMethod,
            ...(tlsSubjectDn ? { tlsSubjectDn } : {}),
            writeKey,
          })
        : issued !== null && issued.authMethod === 'client_secret_basic'
          ? await credentials.rotateOauthSecret({ clientId: issued.clientId as string, writeKey })
          : await credentials.issueOauthClient({
              participantId: journey.status.participantId,
              environment: instance.environment,
              scopes,
              authMethod,
              ...(tlsSubjectDn ? { tlsSubjectDn } : {}),
              writeKey,
            });
    const artifact = {
      clientId: client.clientId,
      authMethod: client.authMethod,
      scopes: client.scopes,
      rotatedAt: client.rotatedAt,
      previousSecretValidUntil: client.previousSecretValidUntil,
      secretPickup: client.secretPickup,
    };
    return { accepted: true, findings: [], report: { client: artifact }, artifact };
  };
}

/**
 * "The participant gets its OAuth client for the environment": waits for the request, issues the
 * client; sent again later, it rotates the secret. A cancellation revokes the client.
 */
export async function awaitOauthClient(
  journey: Journey,
  environment: Environment,
  scopes: string[],
): Promise<SubmissionInstance<'oauth-client'>> {
  const instance = await awaitSubmission(journey, { name: 'oauth-client', environment }, oauthClientHandler(journey, scopes), {
    replaceable: true,
  });
  const clientId = instance.artifact?.clientId;
  if (instance.status === 'accepted' && clientId) {
    journey.onCancel(`OAuth client ${clientId} revoked`, () => credentials.revokeOauthClient({ clientId }));
  }
  return instance;
}
