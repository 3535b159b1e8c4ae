import fc from 'fast-check';

/** A failure class: every failure with the same route and signature, the first one kept as the reproduction. */
export type FailureClass = { key: string; count: number; first: string };

/** Groups failures by route and signature (ids and numbers in the signature blurred). */
export class FailureLog {
  private readonly classes = new Map<string, FailureClass>();

  record(route: string, signature: string, reproduction: () => string): void {
    const key = `${route} | ${signature.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, '<id>').replace(/\d+/g, 'N')}`;
    const known = this.classes.get(key);
    if (known) known.count += 1;
    else this.classes.set(key, { key, count: 1, first: reproduction() });
  }

  get size(): number {
    return this.classes.size;
  }

  get all(): FailureClass[] {
    return [...this.classes.values()].sort((a, b) => b.count - a.count);
  }
}

/** The seed of batch `index` of a run seeded `seed`: each batch is reproducible on its own. */
export const batchSeed = (seed: number, index: number): number => (Math.imul(seed ^ 0x5bd1e995, 31) + index * 0x9e3779b1) | 0;

/** Draws `count` values of `arbitrary` for batch `index`. */
export const drawBatch = <T>(arbitrary: fc.Arbitrary<T>, seed: number, index: number, count: number): T[] =>
  fc.sample(arbitrary, { seed: batchSeed(seed, index), numRuns: count });

/** Runs `work` over `items` with at most `parallel` in flight. */
export async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
}

/** A fresh seed, or the one FUZZ_SEED gives (`random` or unset in `fallback`'s absence: a fresh one). */
export function seedFrom(value: string | undefined, fallback?: number): number {
  if (value === undefined || value === '') return fallback ?? freshSeed();
  if (value === 'random') return freshSeed();
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer or "random", not ${value}`);
  return seed;
}

const freshSeed = (): number => (Math.random() * 2 ** 31) | 0;
