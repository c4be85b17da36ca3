/**
 * Mojaloop's FSPIOP rules at the edge, for a DFSP's requests: FSPIOP-Source names the participant
 * the client certificate identifies, and FSPIOP-Signature — Mojaloop's JWS profile, a detached
 * compact JWS `{ protectedHeader, signature }` over the exact body — verifies with one of that
 * participant's live JWS keys (the current one, or the previous one during a rotation), with a
 * protected header that states this request's FSPIOP-URI, method and source (and Date when sent).
 * Requests without a body (GET) are not signed in Mojaloop: only FSPIOP-Source is checked for them.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, errors } from 'jose';
import { EdgeRefusal } from './fspiop-errors';

export interface FspiopRequest {
  method: string;
  /** The request path with its query, as the participant sent it (e.g. `/parties/MSISDN/123`). */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The exact body bytes; empty for a bodiless request. */
  body: Buffer;
}

/** Mojaloop's signing algorithms (its JwsValidator accepts RS256 and ES256). */
const algorithms = ['RS256', 'ES256'];

/** The keys a participant may sign with, parsed once per key (SPKI PEM). */
export function verificationKeys(pems: readonly string[]): KeyObject[] {
  return pems.map((pem) => createPublicKey(pem));
}

function header(request: FspiopRequest, name: string): string {
  const value = request.headers[name];
  if (value === undefined || value === '') throw new EdgeRefusal('FSPIOP_HEADER_MISSING', `${name} is missing`);
  return value;
}

/** Throws an EdgeRefusal when the request breaks an FSPIOP rule for `participantId`; returns when it passes. */
export async function verifyFspiopRequest(request: FspiopRequest, participantId: string, keys: readonly KeyObject[]): Promise<void> {
  const source = header(request, 'fspiop-source');
  if (source !== participantId)
    throw new EdgeRefusal('FSPIOP_SOURCE_MISMATCH', `FSPIOP-Source is ${source}, the certificate is ${participantId}'s`);
  // A DFSP whose key is retired is refused on every request, bodiless ones included.
  if (keys.length === 0) throw new EdgeRefusal('FSPIOP_SIGNATURE_INVALID', `${participantId} has no live JWS key`);
  if (request.body.length === 0) return;
  const signatureHeader = header(request, 'fspiop-signature');
  const uri = header(request, 'fspiop-uri');
  const method = header(request, 'fspiop-http-method');
  let parsed: { protectedHeader?: unknown; signature?: unknown };
  try {
    parsed = JSON.parse(signatureHeader) as typeof parsed;
  } catch {
    throw new EdgeRefusal('FSPIOP_SIGNATURE_INVALID', 'FSPIOP-Signature is not the JSON object { protectedHeader, signature }');
  }
  if (typeof parsed.protectedHeader !== 'string' || typeof parsed.signature !== 'string') {
    throw new EdgeRefusal('FSPIOP_SIGNATURE_INVALID', 'FSPIOP-Signature needs string protectedHeader and signature');
  }
  let claimed: Record<string, unknown>;
  try {
    claimed = decodeProtectedHeader(`${parsed.protectedHeader}..`) as Record<string, unknown>;
  } catch {
    throw new EdgeRefusal('FSPIOP_SIGNATURE_INVALID', 'the protected header is not base64url JSON');
  }
  const mismatches = [
    ['FSPIOP-URI', uri],
    ['FSPIOP-HTTP-Method', method],
    ['FSPIOP-Source', source],
    ...(request.headers.date !== undefined || claimed.Date !== undefined ? [['Date', request.headers.date]] : []),
  ].filter(([name, value]) => claimed[name as string] !== value);
  if (mismatches.length > 0) {
    throw new EdgeRefusal(
      'FSPIOP_SIGNATURE_INVALID',
      `the protected header does not state this request's ${mismatches.map(([n]) => n).join(', ')}`,
    );
  }
  // The headers the signature states must be this request's: its method, and its path (FSPIOP-URI is the path from the resource on).
  if (method !== request.method.toUpperCase() || !request.path.split('?')[0]!.endsWith(uri.split('?')[0]!)) {
    throw new EdgeRefusal(
      'FSPIOP_SIGNATURE_INVALID',
      `FSPIOP-URI ${uri} / FSPIOP-HTTP-Method ${method} are not this request (${request.method} ${request.path})`,
    );
  }
  const jws = `${parsed.protectedHeader}.${request.body.toString('base64url')}.${parsed.signature}`;
  for (const key of keys) {
    try {
      await compactVerify(jws, key, { algorithms });
      return;
    } catch (err) {
      if (!(
        err instanceof errors.JWSSignatureVerificationFailed ||
        err instanceof errors.JOSEAlgNotAllowed ||
        err instanceof TypeError ||
        err instanceof errors.JOSEError
      ))
        throw err;
    }
  }
  throw new EdgeRefusal('FSPIOP_SIGNATURE_INVALID', `the signature does not verify over this body with ${participantId}'s live JWS key`);
}
