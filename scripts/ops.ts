/**
 * `npm run ops -- <verb>`: the operator's command line over the same API (and the same grants),
 * with the key from ONBOARDING_API_KEY and the API at ONBOARDING_API_URL. Tables for people,
 * `--json` for scripts.
 *
 *   list   [--kind k] [--state s] [--step s] [--awaiting-role r] [--open-wait name@env] [--refused name@env] [--environment e] [--waiting-longer-than P3D] [--page-size n] [--page-token t]
 *   show   <participantId>
 *   stuck  [--older-than P3D]
 *   views  (the Temporal UI's list filtered for each question ops ask, and the columns to show)
 *   approve <participantId> <gate> [--comment text] [--environment e]
 *   reject  <participantId> <gate> --comment text [--environment e]
 *   cancel  <participantId> --reason text
 */
import { randomUUID } from 'node:crypto';
import { uiViews } from './ui-views';

export interface OpsIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  fetch: typeof fetch;
}

export class OpsUsageError extends Error {}

const usage = `usage: npm run ops -- <list|show|stuck|views|approve|reject|cancel> [arguments] [--json]
  list   [--kind k] [--state s] [--step s] [--awaiting-role r] [--open-wait name@env] [--refused name@env] [--environment e] [--waiting-longer-than P3D] [--page-size n] [--page-token t]
  show   <participantId>
  stuck  [--older-than P3D]
  views
  approve <participantId> <gate> [--comment text] [--environment e]
  reject  <participantId> <gate> --comment text [--environment e]
  cancel  <participantId> --reason text
env: ONBOARDING_API_KEY (required), ONBOARDING_API_URL (default http://127.0.0.1:3000),
     TEMPORAL_UI_URL (views; default http://127.0.0.1:8233), TEMPORAL_NAMESPACE (default default)`;

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string>; json: boolean } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') json = true;
    else if (arg.startsWith('--')) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new OpsUsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    } else positional.push(arg);
  }
  return { positional, flags, json };
}

/** Left-aligned columns, header first. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

interface Problem {
  code?: string;
  detail?: string;
  title?: string;
  context?: unknown;
}

/** Runs one verb; returns the exit code. */
export async function runOps(argv: string[], io: OpsIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  const { positional, flags, json } = parsed;
  const [verb, ...rest] = positional;
  const key = io.env.ONBOARDING_API_KEY;
  if (!verb || !key) {
    io.err(`${key ? '' : 'ONBOARDING_API_KEY is not set.\n'}${usage}\n`);
    return 2;
  }
  const base = (io.env.ONBOARDING_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ ok: boolean; status: number; data: unknown }> => {
    const res = await io.fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': `ops-${randomUUID()}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON (should not happen): shown as it came.
    }
    return { ok: res.ok, status: res.status, data };
  };
  const fail = (status: number, data: unknown) => {
    const p = (typeof data === 'object' && data !== null ? data : {}) as Problem;
    io.err(`${status} ${p.code ?? ''}: ${p.detail ?? p.title ?? String(data)}\n`);
    if (p.context !== undefined && !json) io.err(`${JSON.stringify(p.context, null, 2)}\n`);
    return 1;
  };
  const need = (n: number, what: string) => {
    if (rest.length < n) throw new OpsUsageError(`${verb} needs ${what}`);
  };

  try {
    switch (verb) {
      case 'list': {
        const query = new URLSearchParams();
        const map: [string, string][] = [
          ['kind', 'kind'],
          ['state', 'state'],
          ['step', 'step'],
          ['awaiting-role', 'awaitingRole'],
          ['open-wait', 'openWait'],
          ['refused', 'refusedSubmission'],
          ['environment', 'environment'],
          ['waiting-longer-than', 'waitingLongerThan'],
          ['page-size', 'pageSize'],
          ['page-token', 'pageToken'],
          ['participant', 'participantId'],
        ];
        for (const [flag, param] of map) if (flags.has(flag)) query.set(param, flags.get(flag) as string);
        const res = await call('GET', `/onboardings${query.size ? `?${query}` : ''}`);
        if (!res.ok) return fail(res.status, res.data);
        const page = res.data as { onboardings: Record<string, unknown>[]; nextPageToken: string | null };
        if (json) io.out(`${JSON.stringify(page, null, 2)}\n`);
        else {
          io.out(
            `${table(
              ['PARTICIPANT', 'KIND', 'ENV', 'STATE', 'OPEN WAITS', 'REFUSED', 'AWAITING', 'WAITING SINCE'],
              page.onboardings.map((o) =>
                [
                  o.participantId,
                  o.kind,
                  o.environment,
                  o.state,
                  (o.openWaits as string[]).join(',') || '-',
                  (o.refusedSubmissions as string[]).join(',') || '-',
                  (o.awaitingRoles as string[]).join(',') || '-',
                  o.waitingSince ?? '-',
                ].map((v) => String(v ?? '-')),
              ),
            )}\n`,
          );
          if (page.nextPageToken) io.out(`more: --page-token ${page.nextPageToken}\n`);
        }
        return 0;
      }
      case 'show': {
        need(1, 'a participant id');
        const res = await call('GET', `/onboardings/${encodeURIComponent(rest[0] as string)}`);
        if (!res.ok) return fail(res.status, res.data);
        const view = res.data as { workflowId: string; onboarding: Record<string, unknown> | null };
        if (json) {
          io.out(`${JSON.stringify(view, null, 2)}\n`);
          return 0;
        }
        const o = view.onboarding;
        if (o === null) {
          io.out(`${view.workflowId}: state not known yet (no worker answered)\n`);
          return 0;
        }
        io.out(`${o.participantId} (${o.kind}) — ${o.environment}, step ${o.step}, ${o.state}\n\n`);
        const instances = o.instances as {
          id: string;
          role: string;
          status: string;
          openedAt: string;
          closedAt: string | null;
          decision?: { decidedBy: string } | null;
          attempts?: unknown[];
        }[];
        io.out(
          `${table(
            ['INSTANCE', 'ROLE', 'STATUS', 'OPENED', 'CLOSED', 'BY / ATTEMPTS'],
            instances.map((i) => [
              i.id,
              i.role,
              i.status,
              i.openedAt,
              i.closedAt ?? '-',
              i.decision?.decidedBy ?? (i.attempts ? `${i.attempts.length} attempt(s)` : '-'),
            ]),
          )}\n`,
        );
        const history = (o.history as { at: string; note: string }[]).slice(-5);
        io.out(`\nlast events:\n${history.map((h) => `  ${h.at}  ${h.note}`).join('\n')}\n`);
        return 0;
      }
      case 'stuck': {
        const res = await call('GET', `/onboardings/stuck?olderThan=${encodeURIComponent(flags.get('older-than') ?? 'P3D')}`);
        if (!res.ok) return fail(res.status, res.data);
        const stuck = res.data as {
          groups: {
            wait: string;
            awaitingRole: string;
            count: number;
            refused: number;
            oldestWaitingSince: string;
            participantIds: string[];
          }[];
          truncated: boolean;
        };
        if (json) io.out(`${JSON.stringify(stuck, null, 2)}\n`);
        else {
          io.out(
            `${table(
              ['OPEN WAIT', 'AWAITING', 'COUNT', 'REFUSED', 'OLDEST WAIT SINCE', 'PARTICIPANTS'],
              stuck.groups.map((g) => [
                g.wait,
                g.awaitingRole,
                String(g.count),
                String(g.refused),
                g.oldestWaitingSince,
                g.participantIds.join(', '),
              ]),
            )}\n`,
          );
          if (stuck.truncated) io.out('(more onboardings wait than were read)\n');
        }
        return 0;
      }
      case 'views': {
        const views = uiViews(io.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233', io.env.TEMPORAL_NAMESPACE ?? 'default');
        if (json) io.out(`${JSON.stringify(views, null, 2)}\n`);
        else {
          for (const v of views.lists) io.out(`${v.title}\n  ${v.query}\n  ${v.url}\n\n`);
          io.out(
            `Columns (once per browser; the UI keeps them in its local storage): open the UI, paste in the browser console:\n  ${views.columnsSnippet}\n`,
          );
        }
        return 0;
      }
      case 'approve':
      case 'reject': {
        need(2, 'a participant id and a gate');
        const comment = flags.get('comment');
        if (verb === 'reject' && !comment) throw new OpsUsageError('reject needs --comment giving the reason');
        const body = {
          gate: rest[1],
          decision: verb === 'approve' ? 'approved' : 'rejected',
          ...(comment ? { comment } : {}),
          ...(flags.has('environment') ? { environment: flags.get('environment') } : {}),
        };
        const res = await call('POST', `/onboardings/${encodeURIComponent(rest[0] as string)}/approvals`, body);
        if (!res.ok) return fail(res.status, res.data);
        const decided = (res.data as { decision: { id: string; status: string; decision: { decidedBy: string } } }).decision;
        io.out(json ? `${JSON.stringify(res.data, null, 2)}\n` : `${decided.id}: ${decided.status} by ${decided.decision.decidedBy}\n`);
        return 0;
      }
      case 'cancel': {
        need(1, 'a participant id');
        const reason = flags.get('reason');
        if (!reason) throw new OpsUsageError('cancel needs --reason');
        const res = await call('POST', `/onboardings/${encodeURIComponent(rest[0] as string)}/cancel`, { reason });
        if (!res.ok) return fail(res.status, res.data);
        io.out(json ? `${JSON.stringify(res.data, null, 2)}\n` : `onboarding-${rest[0]}: cancellation requested\n`);
        return 0;
      }
      default:
        throw new OpsUsageError(`unknown verb ${verb}`);
    }
  } catch (err) {
    if (err instanceof OpsUsageError) {
      io.err(`${err.message}\n${usage}\n`);
      return 2;
    }
    io.err(`cannot reach the API at ${base}: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void runOps(process.argv.slice(2), {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    fetch,
  }).then((code) => process.exit(code));
}
