/** Where the kit keeps each file in its folder (relative paths; private/ and secrets/ never leave the machine). */
import type { Environment } from '../workflows/messages';

export function paths(env: Environment) {
  return {
    clientKeyName: `${env}/client.key`,
    clientKey: `private/${env}/client.key`,
    clientCsr: `public/${env}/client.csr.pem`,
    clientCert: `public/${env}/client.cert.pem`,
    hubChain: `public/${env}/hub-ca-chain.pem`,
    serverKeyName: `${env}/server.key`,
    serverKey: `private/${env}/server.key`,
    serverCert: `public/${env}/server.cert.pem`,
    hubClientCert: `public/${env}/hub-client.cert.pem`,
    jwsKeyName: `${env}/jws.key`,
    jwsKey: `private/${env}/jws.key`,
    /** A rotation's new key, until the hub accepts it. */
    jwsNextKey: `private/${env}/jws.next.key`,
    /** The key a rotation replaced (valid beside the new one for the scheme's overlap). */
    jwsPreviousKey: `private/${env}/jws.previous.key`,
    oauthClient: `public/${env}/oauth-client.json`,
    oauthSecret: `secrets/${env}/oauth-client-secret`,
    technicalUsers: `secrets/${env}/technical-users.json`,
    jwtKey: `public/${env}/hub-jwt-key.pem`,
    pack: (version: number) => `packs/${env}-v${version}`,
  };
}

paths.caKeyName = 'ca.key';
paths.caKey = 'private/ca.key';
paths.caCert = 'public/ca.cert.pem';
paths.hubCa = 'public/hub-ca-chain.pem';
paths.hubServerCert = 'public/hub-server.cert.pem';
