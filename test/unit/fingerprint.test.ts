import { fingerprintRequest } from '../../api/fingerprint';

describe('fingerprintRequest', () => {
  it('is the same for the same request in any key order', () => {
    expect(fingerprintRequest({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(fingerprintRequest({ b: { d: 'x', c: [1, 2] }, a: 1 }));
  });
  it('differs when a value or the order of an array differs', () => {
    const base = fingerprintRequest({ apis: ['accounts', 'payments'] });
    expect(fingerprintRequest({ apis: ['payments', 'accounts'] })).not.toBe(base);
    expect(fingerprintRequest({ apis: ['accounts'] })).not.toBe(base);
  });
  it('is a sha256 hex digest', () => {
    expect(fingerprintRequest({})).toMatch(/^[0-9a-f]{64}$/);
  });
});
