/**
 * Custom search attributes the UI filters on. Their names and types must match
 * `searchAttributes` in temporal-dev.yaml (a unit test holds the two together).
 * Never put secrets or personal data here: search attributes are not encrypted.
 */
import { defineSearchAttributeKey, SearchAttributePair, SearchAttributeType, SearchAttributeUpdatePair } from '@temporalio/common';
import type { OnboardingStatus } from '../state';
import type { CertificateAlert } from '../vocabulary';

export const OnboardingKindKey = defineSearchAttributeKey('OnboardingKind', SearchAttributeType.KEYWORD);
/**
 * The step the journey started last (a wait it opened or a hub task it ran): where its main line
 * is. Other waits opened earlier may still be open beside it — `OpenWaits` lists every one.
 */
export const OnboardingStepKey = defineSearchAttributeKey('OnboardingStep', SearchAttributeType.KEYWORD);
/** Every open wait as `name@environment` (`client-csr@sandbox`, `go-live@production`); empty when none. */
export const OpenWaitsKey = defineSearchAttributeKey('OpenWaits', SearchAttributeType.KEYWORD_LIST);
/** The open submissions whose latest attempt was refused (`name@environment`): the participant has not sent a good one since. */
export const RefusedSubmissionsKey = defineSearchAttributeKey('RefusedSubmissions', SearchAttributeType.KEYWORD_LIST);
export const OnboardingStateKey = defineSearchAttributeKey('OnboardingState', SearchAttributeType.KEYWORD);
export const ParticipantIdKey = defineSearchAttributeKey('ParticipantId', SearchAttributeType.KEYWORD);
/** Every role the onboarding waits on now (several while waits run in parallel); empty when none. */
export const AwaitingRoleKey = defineSearchAttributeKey('AwaitingRole', SearchAttributeType.KEYWORD_LIST);
export const EnvironmentKey = defineSearchAttributeKey('Environment', SearchAttributeType.KEYWORD);
/** Since when the oldest open wait has been open; unset when nothing is awaited. */
export const WaitingSinceKey = defineSearchAttributeKey('WaitingSince', SearchAttributeType.DATETIME);
/** After go-live: the worst state of the certificates in force (`valid`, `renewal-due`, `expired`); unset before. */
export const CertificateStateKey = defineSearchAttributeKey('CertificateState', SearchAttributeType.KEYWORD);

export const onboardingSearchAttributeKeys = [
  OnboardingKindKey,
  OnboardingStepKey,
  OnboardingStateKey,
  ParticipantIdKey,
  AwaitingRoleKey,
  OpenWaitsKey,
  RefusedSubmissionsKey,
  EnvironmentKey,
  WaitingSinceKey,
  CertificateStateKey,
] as const;

/** How a wait is named in `OpenWaits` and `RefusedSubmissions`. */
export const waitKeyword = (wait: { name: string; environment: string }): string => `${wait.name}@${wait.environment}`;

type Visible = Pick<OnboardingStatus, 'kind' | 'participantId' | 'environment' | 'step' | 'state' | 'awaiting' | 'certificates'>;

/** The attributes for an onboarding's state; `WaitingSince` null means "unset" (nothing awaited). */
export function onboardingSearchAttributes(s: Visible): SearchAttributeUpdatePair[] {
  const roles = [...new Set(s.awaiting.map((a) => a.role))].sort();
  const oldest = s.awaiting.reduce<string | null>((min, a) => (min === null || a.since < min ? a.since : min), null);
  return [
    { key: OnboardingKindKey, value: s.kind },
    { key: ParticipantIdKey, value: s.participantId },
    { key: EnvironmentKey, value: s.environment },
    { key: OnboardingStepKey, value: s.step },
    { key: OnboardingStateKey, value: s.state },
    { key: AwaitingRoleKey, value: roles },
    { key: OpenWaitsKey, value: [...new Set(s.awaiting.map(waitKeyword))].sort() },
    { key: RefusedSubmissionsKey, value: [...new Set(s.awaiting.filter((a) => a.lastRefusal !== undefined).map(waitKeyword))].sort() },
    { key: WaitingSinceKey, value: oldest === null ? null : new Date(oldest) },
    // Pushed only once certificates are watched: the upserts of onboardings before go-live stay as recorded.
    ...(s.certificates === undefined ? [] : [{ key: CertificateStateKey, value: certificateAlert(s.certificates) }]),
  ];
}

/** The worst state among the certificates watched; `valid` when all are in force or replaced. */
export function certificateAlert(certificates: NonNullable<OnboardingStatus['certificates']>): CertificateAlert {
  const states = certificates.map((c) => c.state);
  return states.includes('expired') ? 'expired' : states.includes('renewal-due') ? 'renewal-due' : 'valid';
}

/** The same, as set on start (no unset values): the UI can filter an onboarding before its first task ran. */
export function startSearchAttributes(s: Visible): SearchAttributePair[] {
  return onboardingSearchAttributes(s).filter((pair): pair is SearchAttributePair => pair.value !== null);
}
