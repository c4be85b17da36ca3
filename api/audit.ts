/**
 * The audit trail of an onboarding, built only from the workflow's own record (its state, carried
 * across continue-as-new): every submission with its verdict and codes, every decision (who, via
 * what, when, comment, evidence), every reminder, escalation and expiry, every suspension, resume
 * and refused signal, every hub task and state change — in time order. Nothing here is stored
 * elsewhere, so nothing here can be edited after the fact.
 */
import { type EvidenceLink, interventionActions, type OnboardingStatus, type WaitInstance } from '../workflows/messages';

export const auditTypes = [
  'state',
  'opened',
  'submission',
  'decision',
  'reminder',
  'escalation',
  'expiry',
  // Every intervention is its own type (an `expired` one is listed as its wait's `expiry` instead).
  ...interventionActions,
  'task',
  'withdrawn',
] as const;
export type AuditType = (typeof auditTypes)[number];

export interface AuditEntry {
  at: string;
  type: AuditType;
  instanceId: string | null;
  environment: string | null;
  round: number | null;
  /** Who acted: a principal, a participant's submitter, the name given in a signal; null for the clock and the hub. */
  actor: string | null;
  /** `temporal`: sent straight to Temporal (UI, CLI); the actor is the name it claimed, unverified. */
  via: 'api' | 'signal' | 'timer' | 'hub' | 'temporal' | null;
  /** approved / rejected / accepted / refused / the state entered / whom a reminder went to. */
  outcome: string | null;
  codes: string[];
  comment: string | null;
  evidence: EvidenceLink[];
  note: string;
}

const entry = (e: Partial<AuditEntry> & Pick<AuditEntry, 'at' | 'type' | 'note'>): AuditEntry => ({
  instanceId: null,
  environment: null,
  round: null,
  actor: null,
  via: null,
  outcome: null,
  codes: [],
  comment: null,
  evidence: [],
  ...e,
});

function instanceEntries(i: WaitInstance): AuditEntry[] {
  const where = { instanceId: i.id, environment: i.environment, round: i.round };
  const out: AuditEntry[] = [entry({ at: i.openedAt, type: 'opened', ...where, outcome: i.role, note: `${i.id} opened for ${i.role}` })];
  if (i.type === 'submission') {
    i.attempts.forEach((a, n) =>
      out.push(
        entry({
          at: a.at,
          type: 'submission',
          ...where,
          actor: a.submittedBy,
          via: 'api',
          outcome: a.accepted ? 'accepted' : 'refused',
          codes: a.findings.map((f) => f.code),
          note: `${i.id}: submission ${n + 1} ${a.accepted ? 'accepted' : 'refused'}`,
        }),
      ),
    );
  } else {
    const decisions = i.decisions ?? (i.decision ? [i.decision] : []);
    for (const d of decisions) {
      out.push(
        entry({
          at: d.at,
          type: 'decision',
          ...where,
          actor: d.decidedBy,
          via: d.via ?? 'api',
          outcome: d.decision,
          comment: d.comment,
          evidence: d.evidence ?? [],
          note: `${i.id}: ${d.decision} by ${d.decidedBy}${i.required && i.required > 1 ? ` (${i.required} approvers needed)` : ''}`,
        }),
      );
    }
  }
  for (const c of i.chase?.events ?? []) {
    out.push(
      entry({
        at: c.at,
        type: c.type,
        ...where,
        via: 'timer',
        outcome: c.to,
        note:
          c.type === 'reminder'
            ? `${i.id}: reminder ${c.n ?? ''} to ${c.to}`
            : c.type === 'escalation'
              ? `${i.id}: escalated`
              : `${i.id}: expired waiting for ${i.role}`,
      }),
    );
  }
  if (i.status === 'withdrawn' && i.closedAt)
    out.push(entry({ at: i.closedAt, type: 'withdrawn', ...where, note: `${i.id} withdrawn (the onboarding ended on another path)` }));
  return out;
}

/** Every audit entry of the onboarding, oldest first (same time: in the order they were recorded). */
export function auditTrail(s: OnboardingStatus): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let previous: string | null = null;
  for (const h of s.history) {
    if (h.state !== previous)
      entries.push(entry({ at: h.at, type: 'state', environment: h.environment, outcome: h.state, via: 'hub', note: h.note }));
    previous = h.state;
  }
  for (const i of s.instances) entries.push(...instanceEntries(i));
  for (const t of s.tasks) {
    entries.push(
      entry({
        at: t.startedAt,
        type: 'task',
        instanceId: t.id,
        environment: t.environment,
        via: 'hub',
        outcome: 'started',
        note: `${t.id} started`,
      }),
    );
    if (t.finishedAt) {
      entries.push(
        entry({
          at: t.finishedAt,
          type: 'task',
          instanceId: t.id,
          environment: t.environment,
          via: 'hub',
          outcome: t.status,
          codes: t.error?.type ? [t.error.type] : [],
          note: `${t.id} ${t.status}`,
        }),
      );
    }
  }
  for (const v of s.interventions ?? []) {
    // An expiry is already listed from its wait's chase.
    if (v.action === 'expired') continue;
    entries.push(
      entry({
        at: v.at,
        type: v.action,
        instanceId: v.instanceId ?? null,
        actor: v.by,
        via: v.via,
        comment: v.reason,
        codes: v.code ? [v.code] : [],
        note:
          v.action === 'signal-refused'
            ? `signal from ${v.by} refused`
            : v.action === 'request-refused'
              ? `request claimed by ${v.by} via temporal, unverified: refused`
              : v.action === 'cancel-requested'
                ? v.via === 'temporal'
                  ? 'cancellation requested through Temporal, not the API: who is not verified'
                  : `cancellation requested by ${v.by}: ${v.reason}`
                : `${v.action} by ${v.by}`,
      }),
    );
  }
  // Stable: entries of one instant keep the order they were gathered in.
  return entries
    .map((e, n) => ({ e, n }))
    .sort((a, b) => (a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : a.n - b.n))
    .map(({ e }) => e);
}

const csvColumns = [
  'at',
  'type',
  'instanceId',
  'environment',
  'round',
  'actor',
  'via',
  'outcome',
  'codes',
  'comment',
  'evidence',
  'note',
] as const;

/**
 * One field: quoted when it holds a separator, quote or line break; a leading = + - @ (or tab/CR)
 * gets an apostrophe so a spreadsheet shows it as text instead of running it as a formula.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 CSV (CRLF line ends), one row per entry, with a header. */
export function auditCsv(entries: AuditEntry[]): string {
  const rows = entries.map((e) =>
    csvColumns.map((c) => {
      const v = e[c];
      if (c === 'codes') return csvField(e.codes.join(' '));
      if (c === 'evidence') return csvField(e.evidence.map((l) => `${l.label} <${l.url}>`).join('; '));
      return csvField(v === null ? '' : String(v));
    }),
  );
  return [csvColumns.join(','), ...rows.map((r) => r.join(','))].join('\r\n') + '\r\n';
}
