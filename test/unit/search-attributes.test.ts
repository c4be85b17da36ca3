import type { AwaitedInput } from '../../workflows/messages';
import {
  AwaitingRoleKey,
  onboardingSearchAttributes,
  OpenWaitsKey,
  RefusedSubmissionsKey,
  startSearchAttributes,
  WaitingSinceKey,
} from '../../workflows/frame/search-attributes';

const wait = (instanceId: string, role: AwaitedInput['role'], since: string): AwaitedInput => ({
  instanceId,
  type: role === 'participant' ? 'submission' : 'gate',
  name: 'contract',
  environment: 'production',
  round: 1,
  role,
  since,
});
const base = {
  kind: 'tpp' as const,
  participantId: 'acme',
  environment: 'production' as const,
  step: 'contract' as const,
  state: 'awaiting-approval' as const,
};

describe('onboarding search attributes', () => {
  it('lists every awaited role once, sorted, and WaitingSince is the oldest open wait', () => {
    const pairs = onboardingSearchAttributes({
      ...base,
      awaiting: [
        wait('b', 'participant', '2026-11-20T10:00:00.000Z'),
        wait('a', 'legal', '2026-11-19T08:00:00.000Z'),
        wait('c', 'legal', '2026-11-21T00:00:00.000Z'),
      ],
    });
    expect(pairs.find((p) => p.key === AwaitingRoleKey)?.value).toEqual(['legal', 'participant']);
    expect(pairs.find((p) => p.key === WaitingSinceKey)?.value).toEqual(new Date('2026-11-19T08:00:00.000Z'));
  });

  it('unsets WaitingSince when nothing is awaited, and leaves it out at start', () => {
    const idle = { ...base, state: 'in-progress' as const, awaiting: [] };
    expect(onboardingSearchAttributes(idle).find((p) => p.key === WaitingSinceKey)?.value).toBeNull();
    expect(startSearchAttributes(idle).map((p) => p.key.name)).not.toContain('WaitingSince');
  });

  it('names every parallel open wait in OpenWaits, and the refused-and-not-resent submissions in RefusedSubmissions', () => {
    const csr: AwaitedInput = {
      ...wait('client-csr@sandbox#1', 'participant', '2026-11-20T10:00:00.000Z'),
      name: 'client-csr',
      environment: 'sandbox',
      lastRefusal: { at: '2026-11-20T11:00:00.000Z', attempt: 1, findings: [{ code: 'CSR_SUBJECT', result: 'fail', message: 'O' }] },
    };
    const hubCert: AwaitedInput = {
      ...wait('hub-client-certificate@sandbox#1', 'participant', '2026-11-20T10:01:00.000Z'),
      name: 'hub-client-certificate',
      environment: 'sandbox',
    };
    const pairs = onboardingSearchAttributes({ ...base, step: 'hub-client-certificate', awaiting: [hubCert, csr] });
    expect(pairs.find((p) => p.key === OpenWaitsKey)?.value).toEqual(['client-csr@sandbox', 'hub-client-certificate@sandbox']);
    expect(pairs.find((p) => p.key === RefusedSubmissionsKey)?.value).toEqual(['client-csr@sandbox']);
    const resent = onboardingSearchAttributes({ ...base, awaiting: [hubCert, { ...csr, lastRefusal: undefined }] });
    expect(resent.find((p) => p.key === RefusedSubmissionsKey)?.value).toEqual([]);
  });
});
