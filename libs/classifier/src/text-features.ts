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
  const add = (feature: string): void => {
    // FNV-1a, 32 bits: fast, stable across processes and versions (the model's buckets depend on it).
    let hash = 0x811c9dc5;
    for (let index = 0; index < feature.length; index++) {
      hash ^= feature.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
    const bucket = (hash >>> 0) % dimensions;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  };
  const lowered = text.slice(0, maxChars).normalize('NFKC').toLowerCase();
  const folded = lowered.normalize('NFD').replace(/\p{Mn}/gu, '').normalize('NFC').replace(/ı/g, 'i').replace(/đ/g, 'd');
  const tokens = folded.match(/[\p{L}\p{N}]+(?:[-_.'][\p{L}\p{N}]+)*/gu) ?? [];
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
  let previous: string | null = null;
  for (const token of tokens) {
    add(`w:${token}`);
    if (previous !== null) add(`b:${previous} ${token}`);
    previous = token;
    const padded = `<${token}>`;
    const chars = Array.from(padded);
    for (let size = 2; size <= 4; size++) {
      for (let start = 0; start + size <= chars.length; start++) add(`c${size}:${chars.slice(start, start + size).join('')}`);
    }
    if (cjk.test(token)) for (const char of chars) if (cjk.test(char)) add(`u:${char}`);
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
