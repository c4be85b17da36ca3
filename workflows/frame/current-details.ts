/**
 * The UI's "Current Details" of an onboarding: Markdown (the Web UI renders it) with ids, roles and
 * the hub's own words only — never personal data or secrets. Every open wait is listed with what it
 * asks, from whom, since when, the refusal its latest attempt got and the next action, so ops read
 * what is stuck and why without expanding a history event.
 */
import type { AwaitedInput, OnboardingStatus } from '../state';
import { gateGuides, nextStepOf, submissionGuides } from '../wait-guide';
import type { GateName, SubmissionName } from '../vocabulary';

/** Text shown inside the UI's Markdown (current details): every character Markdown or HTML could act on is escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/** A duration in the largest two units that matter: `2 d 3 h`, `2 h 5 min`, `4 min`, `under a minute`. */
export function ageOf(fromIso: string, toIso: string): string {
  const minutes = Math.max(0, Math.floor((Date.parse(toIso) - Date.parse(fromIso)) / 60_000));
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/** `2026-12-03 08:00 UTC`: short enough for the UI, unambiguous. */
const shortTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The lines of one open wait (a list item with its sub-items). */
function waitLines(participantId: string, wait: AwaitedInput, now: string): string[] {
  const submission = wait.type === 'submission';
  const from = submission ? `the participant \`${participantId}\`` : `**${wait.role}**`;
  const approvals = wait.approvals
    ? ` — ${wait.approvals.have.length} of ${wait.approvals.need} approvals${wait.approvals.have.length > 0 ? ` (${wait.approvals.have.map(escapeMarkdown).join(', ')})` : ''}`
    : '';
  const lines = [
    `- **\`${wait.instanceId}\`** ${submission ? 'submission from' : 'decision by'} ${from}${approvals}, open since ${shortTime(wait.since)} (${ageOf(wait.since, now)})`,
    `  - ${escapeMarkdown(submission ? submissionGuides[wait.name as SubmissionName].what : gateGuides[wait.name as GateName].what)}`,
  ];
  // The hub's run for the round (UAT): its outcome beside the gate, escaped (failure names come from the collection).
  if (wait.run) lines.push(`  - hub run \`${wait.run.task}\` **${wait.run.outcome}**: ${escapeMarkdown(wait.run.summary)}`);
  if (wait.lastRefusal) {
    lines.push(`  - **refused**: attempt ${wait.lastRefusal.attempt} at ${shortTime(wait.lastRefusal.at)}`);
    const findings =
      wait.lastRefusal.findings.length > 0 ? wait.lastRefusal.findings : [{ code: '-', result: 'fail', message: 'no finding recorded' }];
    for (const f of findings) lines.push(`    - \`${f.code}\` ${f.result}: ${escapeMarkdown(f.message)}`);
  }
  const next = nextStepOf(participantId, wait);
  const env = `--environment ${wait.environment}`;
  lines.push(
    submission
      ? `  - next: the participant runs \`${next.kit ?? next.route}\` (or \`${next.route}\`)`
      : `  - next: \`npm run ops -- approve ${participantId} ${wait.name} ${env}\` or \`… reject … --comment <why>\` (or \`${next.route}\`)`,
  );
  return lines;
}

/** `now`: the time of the transition that renders it (ages are as of then; the UI shows the details until the next one). */
export function renderCurrentDetails(s: OnboardingStatus, now: string = s.updatedAt): string {
  const lines = [
    `**${s.participantId}** · ${s.kind} · ${s.environment} · **${s.state}**`,
    '',
    `Last step started: \`${s.step}\` · as of ${shortTime(now)}`,
  ];
  if (s.awaiting.length > 0) {
    lines.push('', `**Open waits (${s.awaiting.length})**`, '');
    for (const wait of s.awaiting) lines.push(...waitLines(s.participantId, wait, now));
  }
  if (s.halt) lines.push('', `**${s.halt.state}** since ${s.halt.since} by ${escapeMarkdown(s.halt.by)}: ${escapeMarkdown(s.halt.reason)}`);
  const attention = (s.certificates ?? []).filter((c) => c.state === 'renewal-due' || c.state === 'expired');
  if (s.certificates !== undefined) {
    lines.push(
      '',
      attention.length === 0
        ? `Certificates: all ${s.certificates.filter((c) => c.state === 'valid').length} in force are valid`
        : 'Certificates needing renewal:',
    );
    for (const c of attention)
      lines.push(`- \`${c.id}\` **${c.state}**, ends ${c.notAfter}${c.renewal ? ` (renewal \`${c.renewal}\`)` : ''}`);
  }
  const last = s.history[s.history.length - 1];
  // Notes carry principal names (from key files or an IdP's tokens): escaped, never rendered as Markdown.
  if (last !== undefined) lines.push('', `Last event: ${escapeMarkdown(last.note)} (${shortTime(last.at)})`);
  return lines.join('\n');
}
