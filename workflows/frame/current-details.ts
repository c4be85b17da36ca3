/** The UI's "Current Details" of an onboarding: Markdown with ids and roles only, never personal data or secrets. */
import type { OnboardingStatus } from '../state';

/** Text shown inside the UI's Markdown (current details): every character Markdown or HTML could act on is escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

export function renderCurrentDetails(s: OnboardingStatus): string {
  const lines = [`**${s.participantId}** · ${s.kind} · ${s.environment}`, '', `Step: \`${s.step}\` · State: \`${s.state}\``];
  if (s.awaiting.length > 0) {
    lines.push('', 'Waiting on:');
    for (const a of s.awaiting) {
      const approvals = a.approvals
        ? ` (${a.approvals.have.length} of ${a.approvals.need} approvals${a.approvals.have.length > 0 ? `: ${a.approvals.have.map(escapeMarkdown).join(', ')}` : ''})`
        : '';
      lines.push(`- **${a.role}** for \`${a.instanceId}\` since ${a.since}${approvals}`);
      // The hub's run for the round (UAT): its outcome beside the gate, escaped (failure names come from the collection).
      if (a.run) lines.push(`  - hub run \`${a.run.task}\` **${a.run.outcome}**: ${escapeMarkdown(a.run.summary)}`);
    }
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
  if (last !== undefined) lines.push('', `Last: ${escapeMarkdown(last.note)} (${last.at})`);
  return lines.join('\n');
}
