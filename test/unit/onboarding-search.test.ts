import { visibilityQuery } from '../../api/onboarding-search';
import { durationSchema, searchQuerySchema } from '../../api/schemas/onboardings';

describe('search filters', () => {
  it('turns ISO 8601 durations into milliseconds and refuses years, months and empty ones', () => {
    expect(['P3D', 'PT12H', 'P1W', 'P1DT2H30M', 'PT90S'].map((d) => durationSchema.parse(d))).toEqual([
      259_200_000, 43_200_000, 604_800_000, 95_400_000, 90_000,
    ]);
    for (const bad of ['P', 'PT', 'P1Y', 'P2M', '3 days', 'P-1D', 'pt1h'])
      expect([bad, durationSchema.safeParse(bad).success]).toEqual([bad, false]);
  });

  it('builds a visibility query of the onboarding workflows from the filters, and the waiting threshold from now', () => {
    const now = new Date('2026-11-23T12:00:00.000Z');
    expect(visibilityQuery({}, now)).toBe('WorkflowId STARTS_WITH "onboarding-"');
    expect(
      visibilityQuery({ kind: 'tpp', awaitingRole: 'legal', environment: 'production', waitingLongerThanMs: 3 * 86_400_000 }, now),
    ).toBe(
      'WorkflowId STARTS_WITH "onboarding-" AND OnboardingKind = "tpp" AND AwaitingRole = "legal" AND Environment = "production" AND WaitingSince < "2026-11-20T12:00:00.000Z"',
    );
    expect(visibilityQuery({ state: 'live', certificateState: 'expired' }, now)).toBe(
      'WorkflowId STARTS_WITH "onboarding-" AND OnboardingState = "live" AND CertificateState = "expired"',
    );
  });

  it('filters by an open wait and by a refused submission, each as name@environment', () => {
    const now = new Date('2026-11-23T12:00:00.000Z');
    expect(visibilityQuery({ openWait: 'client-csr@sandbox', refusedSubmission: 'client-csr@sandbox' }, now)).toBe(
      'WorkflowId STARTS_WITH "onboarding-" AND OpenWaits = "client-csr@sandbox" AND RefusedSubmissions = "client-csr@sandbox"',
    );
    expect(searchQuerySchema.safeParse({ openWait: 'go-live@production' }).success).toBe(true);
    // A gate is never a refused submission; an unknown environment is no wait.
    expect(searchQuerySchema.safeParse({ refusedSubmission: 'go-live@production' }).success).toBe(false);
    expect(searchQuerySchema.safeParse({ openWait: 'client-csr@staging' }).success).toBe(false);
  });

  it('refuses values outside the vocabulary before they reach a query', () => {
    const parsed = searchQuerySchema.safeParse({ state: 'x" OR WorkflowId != "', kind: 'bank', pageSize: '500' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['pageSize', 'state']);
  });
});
