/** The operator CLI against the real API over real HTTP (a fake gateway behind it). */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApp } from '../../api/app';
import type { OnboardingPort } from '../../api/onboarding-gateway';
import { runOps } from '../../scripts/ops';
import { testKeys } from '../support/auth';
import { sampleDecision, sampleStatus, sampleSubmissionOutcome } from '../support/samples';

const keys = testKeys();
const decisions: string[] = [];
const gateway: OnboardingPort = {
  start: async () => Promise.reject(new Error('not used')),
  status: async (id) => ({ workflowId: `onboarding-${id}`, onboarding: sampleStatus(id) }),
  decide: async (_id, d) => {
    decisions.push(`${d.gate} ${d.decision} by ${d.decidedBy}: ${d.comment ?? ''}`);
    return sampleDecision(d.gate, d.decision, d.decidedBy);
  },
  submit: async (_id, s) => sampleSubmissionOutcome(s.submittedBy),
  search: async () => ({
    onboardings: [
      {
        participantId: 'acme',
        workflowId: 'onboarding-acme',
        execution: 'RUNNING',
        kind: 'tpp',
        environment: 'sandbox',
        step: 'contract',
        state: 'awaiting-approval',
        awaitingRoles: ['legal'],
        openWaits: ['contract@sandbox'],
        refusedSubmissions: [],
        waitingSince: '2026-11-20T10:00:00.000Z',
        certificateState: null,
        startedAt: '2026-11-19T10:00:00.000Z',
      },
    ],
    nextPageToken: 'abc',
  }),
  stuck: async () => ({
    groups: [
      {
        wait: 'contract@sandbox',
        awaitingRole: 'legal',
        count: 2,
        refused: 0,
        oldestWaitingSince: '2026-11-20T10:00:00.000Z',
        participantIds: ['acme', 'beta'],
      },
    ],
    scanned: 2,
    truncated: false,
  }),
  cancel: async (id, by, reason) => void decisions.push(`cancel ${id} by ${by}: ${reason}`),
  openRound: async () => Promise.reject(new Error('not used')),
  halt: async (id, action, by, reason) => {
    decisions.push(`${action} ${id} by ${by}: ${reason}`);
    return sampleStatus(id);
  },
  ping: async () => undefined,
};
const app = buildApp({ gateway, authenticator: keys.authenticator, logger: pino({ level: 'silent' }) });
let url: string;

beforeAll(async () => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => app.close());

async function ops(argv: string[], grants: Parameters<typeof keys.as>[1][] = ['viewer']) {
  const key = keys.as('otto', ...grants).authorization!.slice('Bearer '.length);
  let out = '';
  let err = '';
  const code = await runOps(argv, {
    env: { ONBOARDING_API_URL: url, ONBOARDING_API_KEY: key },
    out: (t) => (out += t),
    err: (t) => (err += t),
    fetch,
  });
  return { code, out, err };
}

let printed = '';

describe('npm run ops', () => {
  it('lists onboardings as a table a person can read, and as JSON for scripts', async () => {
    const human = await ops(['list', '--awaiting-role', 'legal', '--waiting-longer-than', 'P3D']);
    expect(human.code).toBe(0);
    expect(human.out.split('\n')[0]).toMatch(/^PARTICIPANT\s+KIND\s+ENV\s+STATE\s+OPEN WAITS\s+REFUSED\s+AWAITING\s+WAITING SINCE$/);
    expect(human.out).toMatch(/acme\s+tpp\s+sandbox\s+awaiting-approval\s+contract@sandbox\s+-\s+legal\s+2026-11-20T10:00:00.000Z/);
    expect(human.out).toContain('more: --page-token abc');
    const machine = await ops(['list', '--json']);
    expect(JSON.parse(machine.out)).toMatchObject({ onboardings: [{ participantId: 'acme' }], nextPageToken: 'abc' });
  });

  it('shows one onboarding and the stuck groups', async () => {
    const shown = await ops(['show', 'acme']);
    expect(shown.out).toContain('acme (tpp) — sandbox, step application-review, awaiting-approval');
    expect(shown.out).toMatch(/application-review@sandbox#1\s+business\s+open/);
    const stuck = await ops(['stuck', '--older-than', 'P1D']);
    expect(stuck.out.split('\n')[0]).toMatch(/^OPEN WAIT\s+AWAITING\s+COUNT\s+REFUSED\s+OLDEST WAIT SINCE\s+PARTICIPANTS$/);
    expect(stuck.out).toMatch(/contract@sandbox\s+legal\s+2\s+0\s+2026-11-20T10:00:00.000Z\s+acme, beta/);
  });

  it('prints the UI views: list URLs with their queries, and the columns to set once', async () => {
    const views = await runOps(['views', '--json'], {
      env: { ONBOARDING_API_KEY: 'unused', TEMPORAL_UI_URL: 'http://127.0.0.1:8233/', TEMPORAL_NAMESPACE: 'hub' },
      out: (t) => (printed += t),
      err: () => undefined,
      fetch,
    });
    expect(views).toBe(0);
    const parsed = JSON.parse(printed) as { lists: { title: string; query: string; url: string }[]; columnsSnippet: string };
    const legal = parsed.lists.find((v) => v.title === 'Waiting on legal');
    expect(legal?.query).toBe('WorkflowId STARTS_WITH "onboarding-" AND ExecutionStatus = "Running" AND AwaitingRole = "legal"');
    expect(new URL(legal?.url ?? '').searchParams.get('query')).toBe(legal?.query);
    expect(legal?.url.startsWith('http://127.0.0.1:8233/namespaces/hub/workflows?query=')).toBe(true);
    expect(parsed.lists.map((v) => v.query)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('RefusedSubmissions IS NOT NULL'),
        expect.stringContaining('OpenWaits = "client-csr@sandbox"'),
      ]),
    );
    expect(parsed.columnsSnippet).toContain('"hub": [{"label":"Status"}');
    expect(parsed.columnsSnippet).toContain('{"label":"OpenWaits"},{"label":"RefusedSubmissions"}');
  });

  it('approves, rejects and cancels as the key holder, and says why when the API refuses', async () => {
    decisions.length = 0;
    expect((await ops(['approve', 'acme', 'contract', '--comment', 'signed'], ['approver:legal'])).out).toBe(
      'contract@sandbox#1: approved by otto\n',
    );
    expect((await ops(['reject', 'acme', 'contract', '--comment', 'clause 7'], ['approver:legal'])).code).toBe(0);
    expect((await ops(['cancel', 'acme', '--reason', 'duplicate'], ['operator'])).code).toBe(0);
    expect(decisions).toEqual([
      'contract approved by otto: signed',
      'contract rejected by otto: clause 7',
      'cancel acme by otto: duplicate',
    ]);
    const refused = await ops(['approve', 'acme', 'go-live'], ['approver:legal']);
    expect([refused.code, refused.err]).toEqual([1, expect.stringContaining('403 FORBIDDEN')]);
  });

  it('explains its usage for a missing key, verb or argument', async () => {
    expect((await ops(['reject', 'acme', 'contract'], ['approver:legal'])).err).toContain('reject needs --comment');
    expect((await ops(['frobnicate'])).code).toBe(2);
    const noKey = await runOps(['list'], { env: {}, out: () => undefined, err: () => undefined, fetch });
    expect(noKey).toBe(2);
  });
});
