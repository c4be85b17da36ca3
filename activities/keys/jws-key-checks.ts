/**
 * A participant's JWS key for FSPIOP message signatures (seed 004, "JWS certificates"): a public
 * key or a certificate, RS256 (RSA >= 2048 bits) or ES256 (P-256) as Mojaloop's signers use, valid
 * now, not already another participant's, and held by the participant — proven by a compact JWS
 * over the hub's challenge that verifies with the submitted key (jose).
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, exportJWK } from 'jose';
import { CheckReport, Finding, finding, summarise } from '../pki/findings';
import { scanPem } from '../pki/pem';
import { KeyView, parseCertificate, parsePublicKey, PkiInputError } from '../pki/x509-model';

export const jwsAlgorithms = { RSA: 'RS256', EC: 'ES256' } as const;
const minRsaBits = 2048;

export interface JwsKeyFacts {
  /** RFC 7638 thumbprint of the public key: the `kid` inbound gateways look keys up by. */
  kid: string;
  alg: 'RS256' | 'ES256';
  /** sha256 of the SubjectPublicKeyInfo. */
  spkiSha256: string;
  /** The public key alone (SPKI PEM), what the directory publishes. */
  publicKeyPem: string;
  /** When the submitted certificate expires; null for a bare key. */
  notAfter: string | null;
}

export interface JwsKeyReport extends CheckReport {
  key: JwsKeyFacts | null;
}

export interface JwsKeyCheckInput {
  keyPem: string;
  challenge: string;
  challengeJws: string;
  /** Participants that already hold this key (from the directory), other than this one. */
  heldBy?: (spkiSha256: string) => Promise<string[]>;
  now?: Date;
}

interface ReadKey {
  view: KeyView;
  spkiDer: Uint8Array;
  notBefore: Date | null;
  notAfter: Date | null;
}

function readKeyPem(pem: string): ReadKey | Finding {
  const scan = scanPem(pem);
  const blocks = scan.blocks.filter((b) => b.label === 'PUBLIC KEY' || b.label === 'CERTIFICATE');
  if (scan.blocks.some((b) => b.label.includes('PRIVATE KEY'))) {
    return finding(
      'JWS_KEY_PARSES',
      'fail',
      'A private key was sent: send only the public key or the certificate, and replace this key — it is no longer private',
    );
  }
  const block = blocks[0];
  if (blocks.length !== 1 || block === undefined || scan.problems.length > 0) {
    return finding('JWS_KEY_PARSES', 'fail', 'Send exactly one PEM block: PUBLIC KEY (SPKI) or CERTIFICATE', {
      blocks: scan.blocks.map((b) => b.label),
    });
  }
  try {
    if (block.label === 'PUBLIC KEY') return { view: parsePublicKey(block.der), spkiDer: block.der, notBefore: null, notAfter: null };
    const cert = parseCertificate(block.der);
    return { view: cert.key, spkiDer: cert.spkiDer, notBefore: cert.notBefore, notAfter: cert.notAfter };
  } catch (err) {
    if (err instanceof PkiInputError) return finding('JWS_KEY_PARSES', 'fail', err.message, { code: err.code });
    throw err;
  }
}

function algorithmFinding(view: KeyView): Finding {
  if (view.algorithm === 'RSA') {
    return (view.rsaBits ?? 0) >= minRsaBits
      ? finding('JWS_KEY_ALGORITHM', 'pass', `RSA ${view.rsaBits} bits (RS256)`, { bits: view.rsaBits })
      : finding('JWS_KEY_ALGORITHM', 'fail', `RSA ${view.rsaBits} bits: at least ${minRsaBits} needed`, { bits: view.rsaBits });
  }
  if (view.algorithm === 'EC') {
    return view.curve === 'P-256'
      ? finding('JWS_KEY_ALGORITHM', 'pass', 'EC P-256 (ES256)', { curve: view.curve })
      : finding('JWS_KEY_ALGORITHM', 'fail', `EC curve ${view.curve}: only P-256 (ES256) is used for FSPIOP signatures`, {
          curve: view.curve,
        });
  }
  return finding(
    'JWS_KEY_ALGORITHM',
    'fail',
    `${view.algorithm} keys are not used for FSPIOP signatures: RSA (RS256) or EC P-256 (ES256)`,
    { algorithm: view.algorithm },
  );
}

function validityFinding(read: ReadKey, now: Date): Finding {
  if (read.notAfter === null || read.notBefore === null)
    return finding('JWS_KEY_VALID_NOW', 'not-applicable', 'A bare public key has no validity period');
  if (now < read.notBefore)
    return finding('JWS_KEY_VALID_NOW', 'fail', `The certificate is valid only from ${read.notBefore.toISOString()}`);
  if (now > read.notAfter) return finding('JWS_KEY_VALID_NOW', 'fail', `The certificate expired at ${read.notAfter.toISOString()}`);
  return finding('JWS_KEY_VALID_NOW', 'pass', `Valid until ${read.notAfter.toISOString()}`, { notAfter: read.notAfter.toISOString() });
}

async function possessionFinding(key: KeyObject, alg: string, challenge: string, jws: string): Promise<Finding> {
  let header: { alg?: unknown };
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return finding('JWS_POSSESSION_PROVEN', 'fail', 'challengeJws is not a compact JWS (header.payload.signature)');
  }
  if (header.alg !== alg)
    return finding(
      'JWS_POSSESSION_PROVEN',
      'fail',
      `The challenge must be signed ${alg} with this key; the JWS says ${String(header.alg)}`,
      { alg: header.alg ?? null },
    );
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: [alg] });
    if (new TextDecoder().decode(payload) !== challenge) {
      return finding('JWS_POSSESSION_PROVEN', 'fail', 'The JWS verifies but its payload is not the challenge of this submission');
    }
    return finding('JWS_POSSESSION_PROVEN', 'pass', 'The challenge JWS verifies with the submitted key');
  } catch {
    return finding(
      'JWS_POSSESSION_PROVEN',
      'fail',
      'The challenge JWS does not verify with the submitted key: it was signed with another key, or altered',
    );
  }
}

export async function checkJwsKey(input: JwsKeyCheckInput): Promise<JwsKeyReport> {
  const read = readKeyPem(input.keyPem);
  if (!('view' in read)) return { ...summarise([read], true), key: null };
  const findings: Finding[] = [algorithmFinding(read.view), validityFinding(read, input.now ?? new Date())];
  const usable = findings.every((f) => f.result !== 'fail');
  const alg = read.view.algorithm === 'EC' ? jwsAlgorithms.EC : jwsAlgorithms.RSA;
  const key = createPublicKey({ key: Buffer.from(read.spkiDer), format: 'der', type: 'spki' });
  const heldBy = (await input.heldBy?.(read.view.spkiSha256)) ?? [];
  findings.push(
    heldBy.length === 0
      ? finding('JWS_KEY_NOT_IN_USE', 'pass', 'No other participant holds this key')
      : finding('JWS_KEY_NOT_IN_USE', 'fail', "This key is already another participant's JWS key: generate a key of your own", {
          participants: heldBy.length,
        }),
  );
  if (usable) findings.push(await possessionFinding(key, alg, input.challenge, input.challengeJws));
  const facts: JwsKeyFacts = {
    kid: await calculateJwkThumbprint(await exportJWK(key)),
    alg,
    spkiSha256: read.view.spkiSha256,
    publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(),
    notAfter: read.notAfter?.toISOString() ?? null,
  };
  return { ...summarise(findings, true), key: facts };
}
