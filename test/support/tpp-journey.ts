/**
 * Drives TPP onboardings through the API in integration tests: the participant's openssl-made
 * certificate bundles, and the calls each role makes.
 */
import type { FastifyInstance } from 'fastify';
import { caExt, clientExt, Issued, OpenSsl } from './openssl';
import type { testKeys } from './auth';
import { startBody } from './requests';

export interface TppBundles {
  /** Leaf (CN = participant id, O = Acme Pay Ltd, clientAuth) + intermediate + root, in order. */
  good: string;
  /** The same chain reversed, with text between blocks and the intermediate twice: repaired, not refused. */
  messy: string;
  /** A leaf with a 1024-bit key: KEY_SIZE_MIN fails. */
  weak: string;
  leaf: Issued;
  intermediate: Issued;
}

/** One participant CA per file is enough: leaves are made per participant id. */
export class TppPki {
  readonly ssl = new OpenSsl();
  private readonly root = this.ssl.selfSigned('tpp-root', 'rsa:2048', '/C=GB/O=Acme Pay Ltd/CN=Acme Root CA');
  private readonly intermediate = this.ssl.signed('tpp-inter', this.root, { subject: '/C=GB/O=Acme Pay Ltd/CN=Acme Issuing CA', ext: caExt });

  bundlesFor(participantId: string): TppBundles {
    const subject = `/C=GB/O=Acme Pay Ltd/CN=${participantId}`;
    const leaf = this.ssl.signed(`leaf-${participantId}`, this.intermediate, { subject, ext: clientExt });
    const weakLeaf = this.ssl.signed(`weak-${participantId}`, this.intermediate, { subject, ext: clientExt, keySpec: 'rsa:1024' });
    return {
      good: leaf.cert + this.intermediate.cert + this.root.cert,
      messy: `exported from the key store\n${this.root.cert}${this.intermediate.cert}\nnotes\n${leaf.cert}${this.intermediate.cert}`,
      weak: weakLeaf.cert + this.intermediate.cert + this.root.cert,
      leaf,
      intermediate: this.intermediate,
    };
  }
}

/**
 * The calls each role makes, with real API keys: an operator starts, staff read, the approver named
 * in `decidedBy` decides (the body never names the approver), the participant submits its bundle.
 */
export function tppCalls(app: FastifyInstance, keys: ReturnType<typeof testKeys>) {
  return {
    start: (participantId: string) => app.inject({ method: 'POST', url: '/onboardings', payload: startBody(participantId), headers: keys.as('tool@hub', 'operator') }),
    status: (participantId: string) => app.inject({ method: 'GET', url: `/onboardings/${participantId}`, headers: keys.as('ops-viewer@hub', 'viewer') }),
    decide: (participantId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const { decidedBy = 'approver@hub', ...payload } = body;
      return app.inject({ method: 'POST', url: `/onboardings/${participantId}/approvals`, payload, headers: { ...keys.staff(String(decidedBy)), ...headers } });
    },
    submitBundle: (participantId: string, pem: string, environment?: string, requestId?: string) =>
      app.inject({
        method: 'POST',
        url: `/onboardings/${participantId}/submissions/certificate-bundle`,
        payload: { pem, ...(environment ? { environment } : {}) },
        headers: { ...keys.as(`it@${participantId}`, `participant:${participantId}`), ...(requestId ? { 'x-request-id': requestId } : {}) },
      }),
  };
}
