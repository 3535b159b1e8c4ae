import { deriveSubject, MAX_SUBJECT_LENGTH } from './display-subject';

describe('deriveSubject', () => {
  it('takes the first sentence of the first non-blank line', () => {
    expect(deriveSubject('\n  \nMy BTC withdrawal is stuck. It has been 3 hours!\nTx: abc')).toBe('My BTC withdrawal is stuck.');
    expect(deriveSubject('Where is my deposit?? Sent at 9:00')).toBe('Where is my deposit??');
    expect(deriveSubject('提现还没到账。已经三个小时了')).toBe('提现还没到账。');
  });

  it('keeps decimal points and versions, which are no sentence end', () => {
    expect(deriveSubject('Sent 0.5 BTC to v2.1 wallet and nothing arrived')).toBe('Sent 0.5 BTC to v2.1 wallet and nothing arrived');
  });

  it('collapses white space', () => {
    expect(deriveSubject('  hello\t\t  there   friend ')).toBe('hello there friend');
  });

  it(`cuts a long sentence at a word boundary to ${MAX_SUBJECT_LENGTH} characters with an ellipsis`, () => {
    const words = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');
    const subject = deriveSubject(words);
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject.endsWith('…')).toBe(true);
    expect(words.startsWith(subject.slice(0, -1))).toBe(true);
    expect(words[subject.length - 1]).toBe(' ');
  });

  it('cuts text without spaces between characters, never inside a surrogate pair', () => {
    const subject = deriveSubject('😀'.repeat(300));
    expect(Array.from(subject)).toHaveLength(MAX_SUBJECT_LENGTH);
    expect(subject).toBe(`${'😀'.repeat(MAX_SUBJECT_LENGTH - 1)}…`);
  });

  it('keeps a subject of exactly the maximum length whole', () => {
    expect(deriveSubject('a'.repeat(MAX_SUBJECT_LENGTH))).toBe('a'.repeat(MAX_SUBJECT_LENGTH));
  });

  it('is never empty, even for a body of white space', () => {
    expect(deriveSubject(' \n\t ')).toBe('…');
  });
});
