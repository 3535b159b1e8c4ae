/**
 * Hashed bag of features of a customer's text, the classifier's input: word tokens and word
 * bigrams (accent-folded, so "retiro"/"retiró" and "rut tien"/"rút tiền" meet), and character
 * 2–4-grams of every token plus single characters of CJK runs, so scripts written without spaces
 * (zh, ja) and agglutinating ones (tr, ko) are covered without a segmenter. Values are sublinear
 * term frequencies, L2-normalized.
 *
 * Self-contained on purpose: worker threads evaluate this function's source (see
 * `scoreTextSource`), so it may reference nothing outside its own body.
 */
export function extractFeatures(text: string, dimensions: number, maxChars: number): Map<number, number> {
  const counts = new Map<number, number>();
  // FNV-1a, 32 bits, over UTF-16 code units: fast, stable across processes and versions (the model's buckets depend on it).
  const fnv = (state: number, text: string, from: number, to: number): number => {
    let hash = state;
    for (let index = from; index < to; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
    return hash;
  };
  const count = (hash: number): void => {
    const bucket = (hash >>> 0) % dimensions;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  };
  const add = (feature: string): void => count(fnv(0x811c9dc5, feature, 0, feature.length));
  // Character n-grams hash as `c<size>:` followed by the n-gram, without building either string.
  const ngramPrefix = [0, 0, 2, 3, 4].map((size) => fnv(0x811c9dc5, `c${size}:`, 0, 3));
  const lowered = text.slice(0, maxChars).normalize('NFKC').toLowerCase();
  const folded = lowered.normalize('NFD').replace(/\p{Mn}/gu, '').normalize('NFC').replace(/ı/g, 'i').replace(/đ/g, 'd');
  const tokens = folded.match(/[\p{L}\p{N}]+(?:[-_.'][\p{L}\p{N}]+)*/gu) ?? [];
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
  const starts: number[] = [];
  let previous: string | null = null;
  for (const token of tokens) {
    add(`w:${token}`);
    if (previous !== null) add(`b:${previous} ${token}`);
    previous = token;
    const padded = `<${token}>`;
    // Where each code point starts: n-grams count code points, not UTF-16 units.
    starts.length = 0;
    for (let index = 0; index < padded.length; index += padded.codePointAt(index)! > 0xffff ? 2 : 1) starts.push(index);
    starts.push(padded.length);
    const points = starts.length - 1;
    for (let size = 2; size <= 4; size++) {
      for (let start = 0; start + size <= points; start++) count(fnv(ngramPrefix[size], padded, starts[start], starts[start + size]));
    }
    if (cjk.test(token)) {
      for (let point = 0; point < points; point++) {
        const char = padded.slice(starts[point], starts[point + 1]);
        if (cjk.test(char)) add(`u:${char}`);
      }
    }
  }
  // Emoji and symbols carry tone (😡, ‼) in short social posts.
  for (const symbol of lowered.match(/\p{Extended_Pictographic}/gu) ?? []) add(`e:${symbol}`);
  let norm = 0;
  for (const [bucket, count] of counts) {
    const weight = 1 + Math.log(count);
    counts.set(bucket, weight);
    norm += weight * weight;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [bucket, weight] of counts) counts.set(bucket, weight / norm);
  return counts;
}
