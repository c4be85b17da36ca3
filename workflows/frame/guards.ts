/**
 * Pure input guards: the single home of each rule an input must meet. The workflow's validators
 * and start guard call them, and so do the API's zod schemas (api/schemas/), so a rule is written
 * once. No Temporal, no zod: plain functions on plain data.
 */
import type { GatePolicy } from '../policy';
import type { GateDecisionInput, OnboardingInput } from '../inputs';
import {
  bankAliasPattern,
  type Decision,
  decisions,
  environments,
  evidenceRequiredFor,
  gateNames,
  isFspId,
  participantIdPattern,
  supportedKinds,
} from '../vocabulary';

/** Longest principal name, label or short text; longest comment or reason; most evidence links per decision. */
export const maxNameLength = 200;
export const maxCommentLength = 2000;
export const maxEvidenceLinks = 10;
export const maxUrlLength = 2048;

/** Lengths in code points, as the API counts them (api/schemas/text.ts). */
export const codePoints = (s: string) => [...s].length;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A non-empty name (a principal, an operator) of at most `maxNameLength` code points. */
export function isName(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '' && codePoints(v) <= maxNameLength;
}

/** The evidence-link rule (a decision's evidence, a revised contract's document): a label and an https URL. */
export function evidenceLinkProblem(link: unknown): string | null {
  const { label, url } = (isObject(link) ? link : {}) as { label?: unknown; url?: unknown };
  if (typeof label !== 'string' || label.trim() === '' || codePoints(label) > maxNameLength) {
    return `each evidence link needs a label of 1-${maxNameLength} characters`;
  }
  if (typeof url !== 'string' || !/^https:\/\/[^\s/]+\/?\S*$/.test(url) || url.length > maxUrlLength) {
    return `evidence url "${String(url).slice(0, 80)}" must be an https URL`;
  }
  return null;
}

/** What is wrong with a decision, field by field; null when it may be recorded. */
export function decisionProblem(input: GateDecisionInput): { field: string; message: string } | null {
  if (!decisions.includes(input.decision as Decision)) {
    return { field: 'decision', message: `decision must be one of ${decisions.join(', ')}` };
  }
  if (!isName(input.decidedBy)) {
    return { field: 'decidedBy', message: `decidedBy must be a non-empty string of at most ${maxNameLength} characters` };
  }
  if (input.comment !== undefined && (typeof input.comment !== 'string' || codePoints(input.comment) > maxCommentLength)) {
    return { field: 'comment', message: `comment must be a string of at most ${maxCommentLength} characters` };
  }
  if (input.decision === 'rejected' && (input.comment ?? '').trim() === '') {
    return { field: 'comment', message: 'a rejection needs a comment giving the reason' };
  }
  const evidence = input.evidence ?? [];
  if (!Array.isArray(evidence) || evidence.length > maxEvidenceLinks) {
    return { field: 'evidence', message: `evidence must be a list of at most ${maxEvidenceLinks} links` };
  }
  for (const link of evidence as unknown[]) {
    const problem = evidenceLinkProblem(link);
    if (problem !== null) return { field: 'evidence', message: problem };
  }
  if (input.decision === 'approved' && evidenceRequiredFor.includes(input.gate) && evidence.length === 0) {
    return { field: 'evidence', message: `approving ${input.gate} needs at least one evidence link (e.g. the test report)` };
  }
  return null;
}

/** A suspend's or resume's reason: non-empty, at most `maxCommentLength` code points. */
export function isReason(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '' && codePoints(v) <= maxCommentLength;
}

/** A rework answer's summary of what changed: 1-2000 characters once trimmed. */
export function reworkSummaryOf(v: unknown): string | null {
  const summary = typeof v === 'string' ? v.trim() : '';
  return summary === '' || summary.length > maxCommentLength ? null : summary;
}

const isInterval = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 10 * 365 * 86_400_000);

/** A policy some other client started with: approvals 1-10 per known gate, intervals of 100 ms to 10 years or null. */
export function policyProblems(policy: GatePolicy): string[] {
  if (!isObject(policy)) return ['policy'];
  const problems: string[] = [];
  const approvals = isObject(policy.approvals) ? Object.entries(policy.approvals) : null;
  if (
    approvals === null ||
    approvals.some(
      ([gate, n]) => !(gateNames as readonly string[]).includes(gate) || !Number.isInteger(n) || (n as number) < 1 || (n as number) > 10,
    )
  ) {
    problems.push('policy.approvals');
  }
  const timerSets = [policy.timers, ...Object.values(isObject(policy.timersFor) ? policy.timersFor : {})];
  if (
    !isObject(policy.timers) ||
    !['remindEveryMs', 'escalateAfterMs', 'expireAfterMs'].every((k) =>
      isInterval((policy.timers as unknown as Record<string, unknown>)[k]),
    )
  )
    problems.push('policy.timers');
  if (timerSets.some((t) => !isObject(t) || Object.values(t).some((v) => !isInterval(v)))) problems.push('policy.timersFor');
  if (!isInterval(policy.renewalLeadMs) || policy.renewalLeadMs === null) problems.push('policy.renewalLeadMs');
  return [...new Set(problems)];
}

/** The fields of a start input some other client sent malformed (the API's schemas refuse these before). */
export function startInputProblems(input: OnboardingInput): string[] {
  if (!isObject(input)) return ['(input)'];
  const problems: string[] = [];
  if (typeof input.participantId !== 'string' || !participantIdPattern.test(input.participantId)) problems.push('participantId');
  if (!(supportedKinds as readonly string[]).includes(input.kind)) problems.push('kind');
  if (typeof input.participant?.legalName !== 'string') problems.push('participant.legalName');
  if (input.kind === 'tpp' && !Array.isArray(input.application?.apis)) problems.push('application.apis');
  if (input.kind === 'dfsp') {
    if (typeof input.participantId === 'string' && !isFspId(input.participantId)) problems.push('participantId');
    if (!Array.isArray(input.registration?.currencies) || input.registration.currencies.length === 0)
      problems.push('registration.currencies');
    if (!isObject(input.registration?.notificationEmails)) problems.push('registration.notificationEmails');
    if (!environments.every((e) => Array.isArray(input.registration?.callbackHosts?.[e]))) problems.push('registration.callbackHosts');
    const party = input.registration?.uatParty;
    if (party !== undefined && (typeof party?.idType !== 'string' || typeof party?.idValue !== 'string'))
      problems.push('registration.uatParty');
  }
  if (input.kind === 'bank') {
    const r = input.registration;
    if (typeof r?.alias !== 'string' || !bankAliasPattern.test(r.alias)) problems.push('registration.alias');
    if (typeof r?.assetCode !== 'string' || !/^[A-Z]{3}$/.test(r.assetCode)) problems.push('registration.assetCode');
    if (typeof r?.firstEmployeeEmail !== 'string') problems.push('registration.firstEmployeeEmail');
    if (!environments.every((e) => typeof r?.authorizationUrls?.[e] === 'string' && r.authorizationUrls[e].startsWith('https://')))
      problems.push('registration.authorizationUrls');
  }
  if (typeof input.requestFingerprint !== 'string') problems.push('requestFingerprint');
  if (input.policy !== undefined) problems.push(...policyProblems(input.policy));
  if (
    input.resume !== undefined &&
    (!isObject(input.resume) || input.resume.participantId !== input.participantId || !Array.isArray(input.resume.instances))
  ) {
    problems.push('resume');
  }
  return problems;
}

/** Whether a caller's deadline (ISO) has passed; `invalid` when it is not a time. */
export function deadlineState(notAfter: string | undefined, now: number): 'none' | 'invalid' | 'passed' | 'in-time' {
  if (notAfter === undefined) return 'none';
  const deadline = Date.parse(notAfter);
  if (Number.isNaN(deadline)) return 'invalid';
  return now > deadline ? 'passed' : 'in-time';
}
