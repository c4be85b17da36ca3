/**
 * Only what the API authenticated counts: every decision, submission, round request and halt of an
 * onboarding started with API signers must carry the API's Ed25519 proof over the update, the
 * onboarding, the principal it names, the request's fingerprint and deadline. An Update or Signal
 * sent straight to Temporal (the Web UI, the CLI) cannot make one, so it is refused and recorded —
 * it never counts as an authenticated principal's, nor toward N-of-M. Pure JS (@noble/curves):
 * deterministic, no I/O.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { hexToBytes } from '@noble/curves/abstract/utils';
import { refuse } from '../errors';
import { apiProofMessage, type ApiProof, type ApiSigner } from '../inputs';

export const notProvenMessage =
  'Decisions and submissions come through the hub API, which authenticates who makes them (POST /onboardings/:id/approvals, npm run ops -- approve, npm run kit -- submit); an Update or Signal sent straight to Temporal is not taken';

/** Throws REQUEST_NOT_PROVEN unless `proof` is a valid signature of one of `signers` over these fields; passes when the onboarding has no signers. */
export function assertProven(
  signers: readonly ApiSigner[] | undefined,
  proof: ApiProof | undefined,
  fields: { update: string; participantId: string; principal: string; requestHash: string | undefined; notAfter: string | undefined },
): void {
  if (signers === undefined || signers.length === 0) return;
  const signer = proof ? signers.find((s) => s.kid === proof.kid) : undefined;
  const valid =
    signer !== undefined &&
    proof !== undefined &&
    fields.requestHash !== undefined &&
    fields.notAfter !== undefined &&
    verifies(signer, proof, { ...fields, requestHash: fields.requestHash, notAfter: fields.notAfter });
  if (!valid) throw refuse('REQUEST_NOT_PROVEN', notProvenMessage, { field: 'proof' });
}

function verifies(
  signer: ApiSigner,
  proof: ApiProof,
  fields: { update: string; participantId: string; principal: string; requestHash: string; notAfter: string },
): boolean {
  try {
    return ed25519.verify(hexToBytes(proof.signature), new TextEncoder().encode(apiProofMessage(fields)), hexToBytes(signer.publicKey));
  } catch {
    return false;
  }
}
