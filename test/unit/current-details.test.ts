import { ageOf, escapeMarkdown, renderCurrentDetails } from '../../workflows/frame/current-details';
import type { AwaitedInput, OnboardingStatus } from '../../workflows/messages';

describe('current details in the Temporal UI', () => {
  it('escapes what Markdown or HTML could act on in a note, so a name cannot become a link or a tag', () => {
    const note = 'contract@production#1: approved by [click](http://evil.example) <img src=x> **ceo**';
    const escaped = escapeMarkdown(note);
    expect(escaped).toBe('contract@production\\#1: approved by \\[click\\]\\(http://evil\\.example\\) \\<img src=x\\> \\*\\*ceo\\*\\*');
    // Removing the escapes gives the note back: nothing is lost, only neutralised.
    expect(escaped.replace(/\\(.)/g, '$1')).toBe(note);
  });

  it('says an age in the two largest units that matter', () => {
    const from = '2026-12-01T08:00:00.000Z';
    expect(ageOf(from, '2026-12-01T08:00:30.000Z')).toBe('under a minute');
    expect(ageOf(from, '2026-12-01T08:04:00.000Z')).toBe('4 min');
    expect(ageOf(from, '2026-12-01T10:05:00.000Z')).toBe('2 h 5 min');
    expect(ageOf(from, '2026-12-03T11:00:00.000Z')).toBe('2 d 3 h');
    expect(ageOf(from, '2026-12-04T08:00:00.000Z')).toBe('3 d');
  });
});

const status = (awaiting: AwaitedInput[]): OnboardingStatus =>
  ({
    participantId: 'dfsp-one',
    kind: 'dfsp',
    environment: 'sandbox',
    step: 'hub-client-certificate',
    state: 'awaiting-participant',
    halt: null,
    updatedAt: '2026-12-03T10:05:00.000Z',
    history: [{ at: '2026-12-03T10:05:00.000Z', note: 'hub-client-certificate@sandbox#1: waiting' }],
    awaiting,
  }) as unknown as OnboardingStatus;

describe('every open wait in words', () => {
  const csr: AwaitedInput = {
    instanceId: 'client-csr@sandbox#1',
    type: 'submission',
    name: 'client-csr',
    environment: 'sandbox',
    round: 1,
    role: 'participant',
    since: '2026-12-03T08:00:00.000Z',
    lastRefusal: {
      at: '2026-12-03T09:30:00.000Z',
      attempt: 2,
      findings: [{ code: 'CSR_SUBJECT', result: 'fail', message: 'O must be your legal name (got "Evil_Corp")' }],
    },
  };
  const goLive: AwaitedInput = {
    instanceId: 'go-live@sandbox#1',
    type: 'gate',
    name: 'go-live',
    environment: 'sandbox',
    round: 1,
    role: 'ops',
    since: '2026-12-01T10:00:00.000Z',
    approvals: { have: ['ops-1'], need: 2 },
  };

  it('lists each parallel wait: what, from whom, since when and how long, the refusal with its findings, and the next action', () => {
    const md = renderCurrentDetails(status([csr, goLive]));
    expect(md).toContain('**Open waits (2)**');
    expect(md).toContain(
      '- **`client-csr@sandbox#1`** submission from the participant `dfsp-one`, open since 2026-12-03 08:00 UTC (2 h 5 min)',
    );
    expect(md).toContain('  - Send the CSR of your TLS client key');
    expect(md).toContain(
      '  - **refused**: attempt 2 at 2026-12-03 09:30 UTC\n    - `CSR_SUBJECT` fail: O must be your legal name \\(got "Evil\\_Corp"\\)',
    );
    expect(md).toContain(
      '  - next: the participant runs `npm run kit -- submit client-csr --environment sandbox` (or `POST /onboardings/dfsp-one/submissions/client-csr`)',
    );
    expect(md).toContain(
      '- **`go-live@sandbox#1`** decision by **ops** — 1 of 2 approvals (ops\\-1), open since 2026-12-01 10:00 UTC (2 d)',
    );
    expect(md).toContain('  - next: `npm run ops -- approve dfsp-one go-live --environment sandbox`');
    expect(md).toContain('Last event: hub\\-client\\-certificate@sandbox\\#1: waiting (2026-12-03 10:05 UTC)');
  });

  it("shows a gate's hub run under the gate, its summary escaped", () => {
    const uat: AwaitedInput = {
      ...goLive,
      instanceId: 'uat-signoff@sandbox#1',
      name: 'uat-signoff',
      approvals: undefined,
      run: {
        task: 'uat-run@sandbox#1',
        outcome: 'failed',
        summary: '27 of 28 assertions passed; 1 failed, first: Send quote: [status] 202',
      },
    };
    expect(renderCurrentDetails(status([uat]))).toContain(
      '  - hub run `uat-run@sandbox#1` **failed**: 27 of 28 assertions passed; 1 failed, first: Send quote: \\[status\\] 202',
    );
  });
});
