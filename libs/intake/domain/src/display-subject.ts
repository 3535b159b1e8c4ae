/** The longest subject a ticket has, given or derived. */
export const MAX_SUBJECT_LENGTH = 200;

const ELLIPSIS = '…';
// A sentence ends at . ! ? followed by white space or the end of the line (so not in 0.5 or v2.1), or at 。！？.
const SENTENCE_END = /[.!?](?=\s|$)|[。！？]/u;

/**
 * A display subject for a message that came without one (a chat or a social post): the first
 * non-blank line of `body`, up to its first sentence end, white space collapsed, and cut at a word
 * boundary to at most {@link MAX_SUBJECT_LENGTH} characters with an ellipsis.
 */
export function deriveSubject(body: string): string {
  const firstLine = body.split(/\r\n|\r|\n/).find((line) => line.trim() !== '') ?? '';
  const sentenceEnd = SENTENCE_END.exec(firstLine);
  const sentence = (sentenceEnd ? firstLine.slice(0, sentenceEnd.index + 1) : firstLine).replace(/\s+/gu, ' ').trim();
  if (sentence === '') return ELLIPSIS;
  const characters = Array.from(sentence);
  if (characters.length <= MAX_SUBJECT_LENGTH) return sentence;
  const room = characters.slice(0, MAX_SUBJECT_LENGTH - ELLIPSIS.length).join('');
  const lastSpace = room.lastIndexOf(' ');
  // No space to cut at (one long word, or CJK text without spaces): cut between characters.
  return `${(lastSpace > 0 ? room.slice(0, lastSpace) : room).trimEnd()}${ELLIPSIS}`;
}
