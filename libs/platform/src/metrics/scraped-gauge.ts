import { Gauge, type Registry } from 'prom-client';

/**
 * A reader several gauges share within one scrape: the first call reads, the calls while it is
 * under way get the same answer, and the next scrape reads again. A failed read answers `fallback`.
 */
export function oneReadPerScrape<T>(read: () => Promise<T>, fallback: T): () => Promise<T> {
  let scrape: Promise<T> | undefined;
  return () => {
    scrape ??= read()
      .catch(() => fallback)
      .finally(() => {
        scrape = undefined;
      });
    return scrape;
  };
}

/**
 * A gauge read at each scrape: its samples are exactly what `samples` lists then (label values and
 * value), so a label set that is gone stops being reported.
 */
export function scrapedGauge<L extends string>(
  registry: Registry,
  spec: Readonly<{ name: string; help: string; labelNames: readonly L[]; samples: () => Promise<Iterable<readonly [Partial<Record<L, string>>, number]>> }>,
): Gauge<L> {
  const { samples, ...options } = spec;
  return new Gauge<L>({
    ...options,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [labels, value] of await samples()) this.set(labels, value);
    },
  });
}
