/**
 * The API's proofs and the workflow's check of them (workflows/frame/proof.ts): a proof names one
 * update, onboarding, principal, request and deadline; any other value, another key or no proof is
 * REQUEST_NOT_PROVEN; onboardings started without API signers ask for none.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { ApiProver, apiProofKeyFile } from '../../api/api-proofs';
import { assertProven } from '../../workflows/frame/proof';

const fields = {
  update: 'decideGate',
  participantId: 'acme',
  principal: 'bea@hub',
  requestHash: 'h1',
  notAfter: '2026-12-03T10:00:00.000Z',
};

function code(run: () => void): string | null {
  try {
    run();
    return null;
  } catch (err) {
    return err instanceof ApplicationFailure ? (err.type ?? 'untyped') : String(err);
  }
}

describe('API proofs', () => {
  const prover = ApiProver.ephemeral();
  const proof = prover.prove(fields);

  it('pass for exactly what they were made for', () => {
    expect(code(() => assertProven([prover.signer], proof, fields))).toBeNull();
  });

  it('fail for another principal, onboarding, update, request or deadline, another key, or none', () => {
    for (const changed of [
      { principal: 'mallory@hub' },
      { participantId: 'other' },
      { update: 'submit' },
      { requestHash: 'h2' },
      { notAfter: '2027-01-01T00:00:00.000Z' },
    ]) {
      expect(code(() => assertProven([prover.signer], proof, { ...fields, ...changed }))).toBe('REQUEST_NOT_PROVEN');
    }
    const other = ApiProver.ephemeral();
    expect(code(() => assertProven([prover.signer], other.prove(fields), fields))).toBe('REQUEST_NOT_PROVEN');
    expect(code(() => assertProven([prover.signer], { kid: prover.signer.kid, signature: other.prove(fields).signature }, fields))).toBe(
      'REQUEST_NOT_PROVEN',
    );
    expect(code(() => assertProven([prover.signer], undefined, fields))).toBe('REQUEST_NOT_PROVEN');
    expect(code(() => assertProven([prover.signer], { kid: prover.signer.kid, signature: 'not-hex' }, fields))).toBe('REQUEST_NOT_PROVEN');
  });

  it('are not asked for by an onboarding started without API signers', () => {
    expect(code(() => assertProven(undefined, undefined, fields))).toBeNull();
    expect(code(() => assertProven([], undefined, fields))).toBeNull();
  });

  it('come from one key file every API process of the hub shares (0600), made once', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'api-proof-'));
    const a = ApiProver.fromFile(apiProofKeyFile(dir));
    const b = ApiProver.fromFile(apiProofKeyFile(dir));
    expect(b.signer).toEqual(a.signer);
    expect(statSync(apiProofKeyFile(dir)).mode & 0o777).toBe(0o600);
    expect(code(() => assertProven([a.signer], b.prove(fields), fields))).toBeNull();
  });
});
