/** The credentials capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import type { Environment } from '../../workflows/vocabulary';
import { log } from '@temporalio/activity';
import { throughEdge } from '../activity-edge';
import type { ClientAuthMethod, ClientView, CredentialIssuer, IssueClientRequest, IssuedClient } from './credential-issuer';

/** What the credentials activities need, and nothing more. */
export interface CredentialDeps {
  credentials: CredentialIssuer;
  /** How long a rotated-out client secret stays valid. */
  rotationOverlapSeconds: number;
}

export interface RevokeClientInput {
  clientId: string;
}

export function createCredentialActivities(deps: CredentialDeps) {
  return throughEdge({
    /** One OAuth client per participant and environment; the secret leaves only as a one-time pickup id. */
    async issueOauthClient(request: IssueClientRequest): Promise<IssuedClient> {
      const issued = await deps.credentials.issue(request);
      log.info('oauth client issued', {
        clientId: issued.clientId,
        authMethod: issued.authMethod,
        scopes: issued.scopes,
        reused: issued.reused,
      });
      return issued;
    },

    /** A new secret; the previous one stays valid for the configured overlap. Idempotent by write key. */
    async rotateOauthSecret(input: { clientId: string; writeKey: string }): Promise<IssuedClient> {
      const rotated = await deps.credentials.rotate(input.clientId, deps.rotationOverlapSeconds, input.writeKey);
      log.info('oauth client secret rotated', { clientId: rotated.clientId, previousSecretValidUntil: rotated.previousSecretValidUntil });
      return rotated;
    },

    /** Moves the client to certificate-bound tokens (tls_client_auth) or back to a secret, as its participant asked. Idempotent by write key. */
    async changeOauthAuthMethod(input: {
      clientId: string;
      authMethod: ClientAuthMethod;
      tlsSubjectDn?: string;
      writeKey: string;
    }): Promise<IssuedClient> {
      const changed = await deps.credentials.changeAuthMethod(
        input.clientId,
        { authMethod: input.authMethod, ...(input.tlsSubjectDn ? { tlsSubjectDn: input.tlsSubjectDn } : {}) },
        input.writeKey,
      );
      log.info('oauth client auth method changed', { clientId: changed.clientId, authMethod: changed.authMethod });
      return changed;
    },

    /** The redirect URIs onboarding accepted, applied at the authorization server (the whole set; idempotent). */
    async registerRedirectUris(input: {
      participantId: string;
      environment: Environment;
      redirectUris: string[];
      writeKey: string;
    }): Promise<string[]> {
      const uris = await deps.credentials.setRedirectUris(input.participantId, input.environment, input.redirectUris, input.writeKey);
      log.info('redirect uris registered', { participantId: input.participantId, environment: input.environment, count: uris.length });
      return uris;
    },

    async revokeOauthClient(input: RevokeClientInput): Promise<ClientView> {
      const revoked = await deps.credentials.revoke(input.clientId);
      log.info('oauth client revoked', { clientId: revoked.clientId });
      return revoked;
    },
  });
}

export type CredentialActivities = ReturnType<typeof createCredentialActivities>;
