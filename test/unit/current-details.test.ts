import { escapeMarkdown } from '../../workflows/frame/current-details';

describe('current details in the Temporal UI', () => {
  it('escapes what Markdown or HTML could act on in a note, so a name cannot become a link or a tag', () => {
    const note = 'contract@production#1: approved by [click](http://evil.example) <img src=x> **ceo**';
    const escaped = escapeMarkdown(note);
    expect(escaped).toBe('contract@production\\#1: approved by \\[click\\]\\(http://evil\\.example\\) \\<img src=x\\> \\*\\*ceo\\*\\*');
    // Removing the escapes gives the note back: nothing is lost, only neutralised.
    expect(escaped.replace(/\\(.)/g, '$1')).toBe(note);
  });
});
