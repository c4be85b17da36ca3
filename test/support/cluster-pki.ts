import { caExt, clientExt, type Issued, OpenSsl, serverExt } from './openssl';

/** A Temporal cluster's PKI for the connection tests: its CA, the frontend's certificate (frontend.cluster.test) and the hub's client certificate. */
export function clusterPki(ssl = new OpenSsl()): { ssl: OpenSsl; ca: Issued; frontend: Issued; hubClient: Issued } {
  const ca = ssl.selfSigned('cluster-ca', 'ec:P-256', '/CN=Cluster CA', caExt);
  const frontend = ssl.signed('frontend', ca, {
    keySpec: 'ec:P-256',
    subject: '/CN=frontend.cluster.test',
    ext: serverExt('DNS:frontend.cluster.test'),
  });
  const hubClient = ssl.signed('hub', ca, { keySpec: 'ec:P-256', subject: '/CN=onboarding-hub', ext: clientExt });
  return { ssl, ca, frontend, hubClient };
}
