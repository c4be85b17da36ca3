/**
 * Custom search attributes the UI filters on. Their names and types must match
 * `searchAttributes` in temporal-dev.yaml (a unit test holds the two together).
 * Never put secrets or personal data here: search attributes are not encrypted.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
