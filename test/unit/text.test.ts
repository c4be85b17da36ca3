import { text } from '../../api/schemas/text';

describe('human text fields', () => {
  const name = text({ max: 10 });
  const comment = text({ min: 0, max: 2000, multiline: true });

  it('normalises to NFC and trims', () => {
    expect(name.parse('  Cafe\u0301 ')).toBe('Caf\u00e9');
  });

  it('refuses NUL and other controls, bidi overrides and zero-width characters', () => {
    for (const bad of ['a\u0000b', 'bell\u0007', 'evil\u202Etxt.exe', 'a\u200Bb', '\u200B', 'x\uFEFFy']) {
      expect([JSON.stringify(bad), name.safeParse(bad).success]).toEqual([JSON.stringify(bad), false]);
    }
  });

  it('requires a visible character and counts code points, not UTF-16 units', () => {
    expect(name.safeParse('   ').success).toBe(false);
    expect(name.safeParse('\u3000').success).toBe(false); // ideographic space only
    expect(name.parse('🏦🏦🏦🏦🏦🏦🏦🏦🏦🏦')).toHaveLength(20); // ten code points, twenty UTF-16 units: accepted
    expect(name.safeParse('🏦🏦🏦🏦🏦🏦🏦🏦🏦🏦🏦').success).toBe(false);
  });

  it('lets comments keep line breaks and tabs, and be empty', () => {
    expect(comment.parse('line 1\n\tline 2')).toBe('line 1\n\tline 2');
    expect(comment.parse('')).toBe('');
    expect(comment.safeParse('x\u0000').success).toBe(false);
  });
});
