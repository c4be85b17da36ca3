import { z } from 'zod';

/** Where the scheme's Keycloak is and its realm's endpoints (no admin client here: configuration reads this). */
export interface KeycloakSettings {
  /** The server's base URL, e.g. https://keycloak.scheme.example (no /realms/…). */
  url: string;
  /** The realm the hub's participants' clients live in (made on first use). */
  realm: string;
  /** A master-realm client with the admin role (client credentials): what the adapter signs in as. */
  adminClientId: string;
  adminClientSecret: string;
}

/** The realm's issuer (what its tokens carry as `iss`), JWKS and token endpoint. */
export function keycloakEndpoints(settings: Pick<KeycloakSettings, 'url' | 'realm'>): {
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
} {
  const issuer = `${settings.url.replace(/\/$/, '')}/realms/${encodeURIComponent(settings.realm)}`;
  return { issuer, jwksUri: `${issuer}/protocol/openid-connect/certs`, tokenEndpoint: `${issuer}/protocol/openid-connect/token` };
}

/** KEYCLOAK_REALM as the worker, the API and the edge read it. */
export const keycloakRealmSetting = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .default('hub');
