import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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

/**
 * The app's error log (JSON lines), read as it grows: the cause of a 500 or INTERNAL, found by the
 * request's correlation id, so failures group by what broke rather than by the generic answer.
 */
export class ServerErrorLog {
  private offset = 0;
  private readonly causes = new Map<string, string>();

  constructor(readonly path: string) {}

  causeOf(correlationId: string | undefined): string | undefined {
    if (correlationId === undefined) return undefined;
    if (!this.causes.has(correlationId)) this.readNewLines();
    return this.causes.get(correlationId);
  }

  private readNewLines(): void {
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      readSync(fd, buffer, 0, buffer.length, this.offset);
      const text = buffer.toString('utf8');
      const complete = text.lastIndexOf('\n') + 1;
      this.offset += Buffer.byteLength(text.slice(0, complete));
      for (const line of text.slice(0, complete).split('\n')) {
        if (line.trim() === '') continue;
        const entry = JSON.parse(line) as { correlationId?: string; err?: { type?: string; message?: string; stack?: string } };
        if (entry.correlationId === undefined || entry.err === undefined) continue;
        const frame = /\n\s+at (?:async )?([^\s(]+)/.exec(entry.err.stack ?? '')?.[1] ?? '?';
        this.causes.set(entry.correlationId, `${entry.err.type ?? 'Error'}: ${(entry.err.message ?? '').split('\n')[0].slice(0, 100)} (at ${frame})`);
      }
    } finally {
      closeSync(fd);
    }
  }
}
