import { loadApiConfig } from '../../api/config';
import { ConfigError, loadWorkerConfig } from '../../worker/config';

describe('OAuth server settings: the embedded server, or the scheme Keycloak by KEYCLOAK_URL', () => {
  test('without KEYCLOAK_URL the embedded server is the issuer, its JWKS and token endpoint on AUTH_SERVER_LISTEN', () => {
    const { oauth } = loadWorkerConfig({ AUTH_SERVER_LISTEN: '127.0.0.1:9100' });
    expect(oauth).toMatchObject({
      issuer: 'https://127.0.0.1:9100',
      jwksUri: 'https://127.0.0.1:9100/jwks',
      tokenEndpoint: 'https://127.0.0.1:9100/token',
      keycloak: null,
    });
    expect(loadApiConfig({ AUTH_SERVER_LISTEN: '127.0.0.1:9100' }).connectionPack.tokenEndpoint).toBe('https://127.0.0.1:9100/token');
  });

  test('KEYCLOAK_URL makes the realm the issuer for the worker, the edge and the connection packs', () => {
    const env = {
      KEYCLOAK_URL: 'https://keycloak.scheme.example/',
      KEYCLOAK_REALM: 'payments-hub',
      KEYCLOAK_ADMIN_CLIENT_ID: 'onboarding',
      KEYCLOAK_ADMIN_CLIENT_SECRET: 'admin-secret',
    };
    const { oauth } = loadWorkerConfig(env);
    const issuer = 'https://keycloak.scheme.example/realms/payments-hub';
    expect(oauth).toMatchObject({
      issuer,
      jwksUri: `${issuer}/protocol/openid-connect/certs`,
      tokenEndpoint: `${issuer}/protocol/openid-connect/token`,
      keycloak: {
        url: 'https://keycloak.scheme.example',
        realm: 'payments-hub',
        adminClientId: 'onboarding',
        adminClientSecret: 'admin-secret',
      },
    });
    expect(loadApiConfig(env).connectionPack.tokenEndpoint).toBe(`${issuer}/protocol/openid-connect/token`);
  });

  test('KEYCLOAK_URL without the admin client secret, or a bad realm name, is refused naming the variable (never its value)', () => {
    expect(() => loadWorkerConfig({ KEYCLOAK_URL: 'https://kc.example' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ KEYCLOAK_URL: 'https://kc.example' })).toThrow(
      /KEYCLOAK_ADMIN_CLIENT_SECRET: required when KEYCLOAK_URL is set/,
    );
    expect(() =>
      loadWorkerConfig({ KEYCLOAK_URL: 'https://kc.example', KEYCLOAK_ADMIN_CLIENT_SECRET: 's', KEYCLOAK_REALM: 'a/b' }),
    ).toThrow(/KEYCLOAK_REALM/);
    expect(() => loadWorkerConfig({ KEYCLOAK_URL: 'not a url', KEYCLOAK_ADMIN_CLIENT_SECRET: 'hunter2' })).toThrow(/KEYCLOAK_URL/);
    try {
      loadWorkerConfig({ KEYCLOAK_URL: 'not a url', KEYCLOAK_ADMIN_CLIENT_SECRET: 'hunter2' });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});
