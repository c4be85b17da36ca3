/** The API's request proofs (real HMAC-SHA256) as the worker checks them. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createIdentityActivities, loadRequestProofKey, proveRequest, requestProven } from '../../activities/identity/request-proof';

const key = randomBytes(32);
const decision = {
  gate: 'go-live',
  environment: 'production',
  decision: 'approved',
  decidedBy: 'omar@hub',
  requestHash: 'abc',
  notAfter: '2026-12-03T10:00:00.000Z',
};

describe('request proofs', () => {
  it('proves a request for one workflow and one update; the worker finds it proven', async () => {
    const arg = { ...decision, proof: proveRequest(key, 'onboarding-acme', 'decideGate', decision) };
    expect(requestProven(key, 'onboarding-acme', 'decideGate', arg)).toBe(true);
    const { verifyRequestProof } = createIdentityActivities({ requestProofKey: key });
    expect(await verifyRequestProof({ workflowId: 'onboarding-acme', update: 'decideGate', arg })).toEqual({ proven: true });
  });

  it('holds as Temporal carries the argument: keys in another order, undefined fields gone', () => {
    const proof = proveRequest(key, 'onboarding-acme', 'decideGate', { ...decision, comment: undefined });
    const reordered = Object.fromEntries(Object.entries(decision).reverse());
    expect(requestProven(key, 'onboarding-acme', 'decideGate', JSON.parse(JSON.stringify({ ...reordered, proof })))).toBe(true);
  });

  it('fails for any change: another approver, deadline, workflow, update, key; a missing, garbled or oversized proof', () => {
    const proof = proveRequest(key, 'onboarding-acme', 'decideGate', decision);
    const proven = (arg: unknown, workflowId = 'onboarding-acme', update = 'decideGate', k = key) =>
      requestProven(k, workflowId, update, arg);
    expect(proven({ ...decision, decidedBy: 'ops-2', proof })).toBe(false);
    expect(proven({ ...decision, notAfter: '2099-01-01T00:00:00.000Z', proof })).toBe(false);
    expect(proven({ ...decision, comment: 'added', proof })).toBe(false);
    expect(proven({ ...decision, proof }, 'onboarding-other')).toBe(false);
    expect(proven({ ...decision, proof }, 'onboarding-acme', 'submit')).toBe(false);
    expect(proven({ ...decision, proof }, 'onboarding-acme', 'decideGate', randomBytes(32))).toBe(false);
    expect(proven(decision)).toBe(false);
    expect(proven({ ...decision, proof: `${proof.slice(0, -1)}A` })).toBe(proof.endsWith('A'));
    expect(proven({ ...decision, proof: 'x'.repeat(200) })).toBe(false);
    expect(proven(null)).toBe(false);
  });

  it('takes the key from REQUEST_PROOF_KEY (32 bytes) or makes DATA_DIR/request-proof.key once, 0600', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'proof-'));
    const made = loadRequestProofKey({}, dataDir);
    expect(made).toHaveLength(32);
    expect(loadRequestProofKey({}, dataDir).equals(made)).toBe(true);
    expect(statSync(path.join(dataDir, 'request-proof.key')).mode & 0o777).toBe(0o600);
    expect(loadRequestProofKey({ REQUEST_PROOF_KEY: key.toString('base64') }, dataDir).equals(key)).toBe(true);
    expect(() => loadRequestProofKey({ REQUEST_PROOF_KEY: 'c2hvcnQ=' }, dataDir)).toThrow('REQUEST_PROOF_KEY is not 32 bytes');
  });
});
