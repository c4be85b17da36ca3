/**
 * Proof that a request came through the onboarding API's authentication. The API signs each
 * update it passes to an onboarding — a decision, a submission, a round request, a suspend or
 * resume, a cancellation's note — with HMAC-SHA256 over the workflow id, the update's name and
 * the whole argument (the principal it authenticated, the request's fingerprint and deadline);
 * the onboarding has the worker check it (a local activity: Node's crypto, outside the workflow
 * sandbox) before it records anything. A Signal or Update sent straight to Temporal (the Web UI,
 * the CLI) carries no valid proof and is refused, whatever name it claims.
 *
 * The key is shared by the API and the worker: REQUEST_PROOF_KEY (32 bytes, base64) where they
 * run on different machines, else DATA_DIR/request-proof.key (made once, 0600). Never logged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import stringify from 'safe-stable-stringify';
import { loadOrCreateSecretKey } from '../secrets/key-file';

export function loadRequestProofKey(env: NodeJS.ProcessEnv, dataDir: string): Buffer {
  if (env.REQUEST_PROOF_KEY) {
    const key = Buffer.from(env.REQUEST_PROOF_KEY, 'base64');
    if (key.length !== 32) throw new Error('REQUEST_PROOF_KEY is not 32 bytes of base64');
    return key;
  }
  return loadOrCreateSecretKey(path.join(dataDir, 'request-proof.key'));
}

/** What is signed: the argument as Temporal carries it (JSON, undefined fields gone), keys sorted, the proof left out. */
function signedText(workflowId: string, update: string, arg: unknown): string {
  const plain = JSON.parse(JSON.stringify(arg ?? null)) as unknown;
  const signed: Record<string, unknown> = { ...(typeof plain === 'object' && plain !== null ? plain : { value: plain }) };
  delete signed.proof;
  return `onboarding-request-proof/v1\n${workflowId}\n${update}\n${stringify(signed)}`;
}

export function proveRequest(key: Buffer, workflowId: string, update: string, arg: unknown): string {
  return createHmac('sha256', key)
    .update(signedText(workflowId, update, arg))
    .digest('base64url');
}

export function requestProven(key: Buffer, workflowId: string, update: string, arg: unknown): boolean {
  const proof = typeof arg === 'object' && arg !== null ? (arg as { proof?: unknown }).proof : undefined;
  if (typeof proof !== 'string' || proof.length > 100) return false;
  const expected = Buffer.from(proveRequest(key, workflowId, update, arg));
  const given = Buffer.from(proof);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface RequestProofInput {
  workflowId: string;
  update: string;
  arg: unknown;
}

export function createIdentityActivities(deps: { requestProofKey: Buffer }) {
  return {
    /** Whether the request carries the API's proof (a local activity of the update handlers). */
    async verifyRequestProof(input: RequestProofInput): Promise<{ proven: boolean }> {
      return { proven: requestProven(deps.requestProofKey, input.workflowId, input.update, input.arg) };
    },
  };
}

export type IdentityDeps = Parameters<typeof createIdentityActivities>[0];
