/**
 * Custom search attributes the UI filters on. Their names and types must match
 * `searchAttributes` in temporal-dev.yaml (a unit test holds the two together).
 * Never put secrets or personal data here: search attributes are not encrypted.
 */
import { defineSearchAttributeKey, SearchAttributePair, SearchAttributeType } from '@temporalio/common';
import type { OnboardingStatus } from './messages';

export const OnboardingKindKey = defineSearchAttributeKey('OnboardingKind', SearchAttributeType.KEYWORD);
export const OnboardingStepKey = defineSearchAttributeKey('OnboardingStep', SearchAttributeType.KEYWORD);
export const OnboardingStateKey = defineSearchAttributeKey('OnboardingState', SearchAttributeType.KEYWORD);
export const ParticipantIdKey = defineSearchAttributeKey('ParticipantId', SearchAttributeType.KEYWORD);
export const AwaitingRoleKey = defineSearchAttributeKey('AwaitingRole', SearchAttributeType.KEYWORD);
export const EnvironmentKey = defineSearchAttributeKey('Environment', SearchAttributeType.KEYWORD);

export const onboardingSearchAttributeKeys = [
  OnboardingKindKey,
  OnboardingStepKey,
  OnboardingStateKey,
  ParticipantIdKey,
  AwaitingRoleKey,
  EnvironmentKey,
] as const;

/** `AwaitingRole` when nobody is awaited (a keyword cannot be unset from a filter's view). */
export const nobodyAwaited = 'none';

/**
 * The six pairs for an onboarding's state: pushed by the workflow on every transition and set by
 * the API at start, so the UI can filter an onboarding before its first workflow task ran.
 */
export function onboardingSearchAttributes(
  s: Pick<OnboardingStatus, 'kind' | 'participantId' | 'environment' | 'step' | 'state' | 'awaiting'>,
): SearchAttributePair[] {
  return [
    { key: OnboardingKindKey, value: s.kind },
    { key: ParticipantIdKey, value: s.participantId },
    { key: EnvironmentKey, value: s.environment },
    { key: OnboardingStepKey, value: s.step },
    { key: OnboardingStateKey, value: s.state },
    { key: AwaitingRoleKey, value: s.awaiting?.role ?? nobodyAwaited },
  ];
}
