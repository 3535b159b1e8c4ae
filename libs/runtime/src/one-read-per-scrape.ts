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
