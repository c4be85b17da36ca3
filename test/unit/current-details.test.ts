import { escapeMarkdown, renderCurrentDetails } from '../../workflows/frame/current-details';
import type { OnboardingStatus } from '../../workflows/messages';

describe('current details in the Temporal UI', () => {
  it('escapes what Markdown or HTML could act on in a note, so a name cannot become a link or a tag', () => {
    const note = 'contract@production#1: approved by [click](http://evil.example) <img src=x> **ceo**';
    const escaped = escapeMarkdown(note);
    expect(escaped).toBe('contract@production\\#1: approved by \\[click\\]\\(http://evil\\.example\\) \\<img src=x\\> \\*\\*ceo\\*\\*');
    // Removing the escapes gives the note back: nothing is lost, only neutralised.
    expect(escaped.replace(/\\(.)/g, '$1')).toBe(note);
  });
});

describe('a gate with a hub run in the current details', () => {
  it("shows the run's outcome under the gate it waits on, its summary escaped", () => {
    const status = {
      participantId: 'dfsp-one',
      kind: 'dfsp',
      environment: 'sandbox',
      step: 'uat-signoff',
      state: 'awaiting-ops',
      halt: null,
      history: [],
      awaiting: [
        {
          instanceId: 'uat-signoff@sandbox#1',
          type: 'gate',
          name: 'uat-signoff',
          environment: 'sandbox',
          round: 1,
          role: 'ops',
          since: '2026-12-03T00:00:00.000Z',
          run: {
            task: 'uat-run@sandbox#1',
            outcome: 'failed',
            summary: '27 of 28 assertions passed; 1 failed, first: Send quote: [status] 202',
          },
        },
      ],
    } as unknown as OnboardingStatus;
    expect(renderCurrentDetails(status)).toContain(
      '- **ops** for `uat-signoff@sandbox#1` since 2026-12-03T00:00:00.000Z\n  - hub run `uat-run@sandbox#1` **failed**: 27 of 28 assertions passed; 1 failed, first: Send quote: \\[status\\] 202',
    );
  });
});
