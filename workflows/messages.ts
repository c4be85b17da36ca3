/**
 * The message definitions the API and the workflows share (queries, updates, signals), and the
 * types they carry. Imported by workflow code, so it stays free of Node APIs and zod.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  GateDecisionInput,
  GateDecisionOutcome,
  GateDecisionSignal,
  HaltInput,
  RoundRequestInput,
  SubmissionInput,
  StartOutcome,
  SubmissionOutcome,
} from './inputs';
import type { GateInstance, OnboardingStatus, SubmissionInstance } from './state';

export * from './vocabulary';
export * from './policy';
export * from './registration';
export * from './state';
export * from './artifacts';
export * from './inputs';
export * from './wait-guide';
export * from './frame/search-attributes';
/** The input rules the API's schemas share with the workflow (their one home). */
export { evidenceLinkProblem, maxCommentLength, maxEvidenceLinks, maxNameLength, maxUrlLength } from './frame/guards';
export { acceptedArtifact, taskResult } from './frame/reads';
export { statusFromMemo } from './frame/status-memo';

export const statusQuery = defineQuery<OnboardingStatus>('status');
/** Answers the decision and the progress (workers before that answered the bare gate instance; the API reads both). */
export const decideGate = defineUpdate<GateDecisionOutcome | GateInstance, [GateDecisionInput]>('decideGate');
/** The same decision as a signal (same name, same validation; a refused one is recorded, nothing changes). */
export const decideGateSignal = defineSignal<[GateDecisionSignal]>('decideGate');
/** Sent with the start (update-with-start): answers once the journey opened its first waits, so the start needs no query. */
export const startedUpdate = defineUpdate<StartOutcome, []>('started');
export const suspendOnboarding = defineUpdate<OnboardingStatus, [HaltInput]>('suspend');
export const resumeOnboarding = defineUpdate<OnboardingStatus, [HaltInput]>('resume');
/** Who asks to cancel and why: the API records it (proven) just before it requests the cancellation from Temporal. */
export const noteCancellation = defineUpdate<void, [HaltInput]>('noteCancellation');
export const submit = defineUpdate<SubmissionOutcome, [SubmissionInput]>('submit');
/** Opens the next round of an accepted submission that takes rounds on request (a JWS key rotation); answers with the new instance. */
export const openRound = defineUpdate<SubmissionInstance, [RoundRequestInput]>('openRound');
